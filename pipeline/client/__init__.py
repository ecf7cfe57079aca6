"""The partner client: publish signals, read one's own inbox, resolve view schemas."""
