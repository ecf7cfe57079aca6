"""Avro on the wire: single-object encoding, the schema store, JSON input, compatibility."""
