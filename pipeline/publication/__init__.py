"""Publishing covenants to the workers: signed, numbered bundles, and what each worker adopted."""
