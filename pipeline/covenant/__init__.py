"""Covenants (convenanten): the file model, loading, and compiling them into a routing Policy."""
