"""YAML files as their writers meant them: syntax repaired where clear, errors at file:line:column."""
