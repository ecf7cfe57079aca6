"""Rules of the signal types themselves: identifiers, envelope, semantic validation."""
