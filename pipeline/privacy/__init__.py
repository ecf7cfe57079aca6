"""Privacy transforms and keys: keyed pseudonyms, generalisations, recipient encryption."""
