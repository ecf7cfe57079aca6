"""Operations: accounting (nothing lost), and later lag, metrics and health."""
