"""Checks of covenant files against the registry, the schemas and each other, in the officer's words."""
