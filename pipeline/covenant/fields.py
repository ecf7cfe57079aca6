"""Field paths of a signal schema, as privacy officers name them: ``slachtoffer.bsn``."""

from __future__ import annotations

from typing import Any

#: The envelope identifies the event, not a person, and always travels with a view.
ENVELOPE = "envelope"

FieldTree = dict[str, "FieldTree | None"]
"""Nested field names in schema order; None marks a leaf."""


def non_null(field_type: Any) -> tuple[Any, bool]:
    """The type without its null branch, and whether it was nullable (for ``["null", X]``)."""
    if isinstance(field_type, list) and "null" in field_type:
        rest = [t for t in field_type if t != "null"]
        return (rest[0] if len(rest) == 1 else rest), True
    return field_type, False


def _is_record(field_type: Any) -> bool:
    return isinstance(field_type, dict) and field_type.get("type") == "record"


def leaf_paths(schema: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every leaf field path of an expanded record schema (envelope excluded) and its field."""
    paths: dict[str, dict[str, Any]] = {}
    for field in schema["fields"]:
        name = field["name"]
        if not prefix and name == ENVELOPE:
            continue
        inner, _ = non_null(field["type"])
        if _is_record(inner):
            paths.update(leaf_paths(inner, f"{prefix}{name}."))
        else:
            paths[f"{prefix}{name}"] = field
    return paths


def group_paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Paths that name a group of fields (a nested record) rather than one field."""
    groups: set[str] = set()
    for field in schema["fields"]:
        inner, _ = non_null(field["type"])
        if _is_record(inner) and not (not prefix and field["name"] == ENVELOPE):
            path = f"{prefix}{field['name']}"
            groups.add(path)
            groups |= group_paths(inner, f"{path}.")
    return groups


def tree_of(paths: set[str] | frozenset[str], schema: dict[str, Any]) -> FieldTree:
    """The nested tree of ``paths``, ordered as the schema orders its fields."""
    tree: FieldTree = {}
    for field in schema["fields"]:
        name = field["name"]
        if name in paths:
            tree[name] = None
            continue
        below = {p[len(name) + 1 :] for p in paths if p.startswith(f"{name}.")}
        if below:
            inner, _ = non_null(field["type"])
            tree[name] = tree_of(below, inner)
    return tree
