"""Field paths of a signal schema, as privacy officers name them: ``slachtoffer.bsn``."""

from __future__ import annotations

from typing import Any

#: The signal's envelope. It never travels as it is: a view has an envelope of its own.
ENVELOPE = "envelope"
#: Envelope fields a rule may grant, with the treatment a rule gets when it names none: the
#: publisher, and the day (not the moment) of the event and of its recording.
ENVELOPE_DEFAULTS: dict[str, str] = {
    "envelope.source": "doorgeven",
    "envelope.occurred_at": "datum",
    "envelope.recorded_at": "datum",
}
#: Envelope fields the publisher made as identifiers: they never leave the router. A view
#: carries a reference of its linkage domain and a trace context of its own instead.
ENVELOPE_NEVER = frozenset(
    {"envelope.event_id", "envelope.trace_id", "envelope.span_id", "envelope.event_type"}
)
#: Schema field properties: a location for a covenant's area, a reference to an earlier
#: event, the one party a record is addressed to, and a field that must name the publisher.
LOCATION_PROPERTY = "werkgebied"
REFERENCE_PROPERTY = "referentie"
ADDRESSEE_PROPERTY = "geadresseerde"
PUBLISHER_PROPERTY = "bron"

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


def envelope_paths(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The envelope fields a rule may name (``envelope.occurred_at`` ...) and their fields."""
    envelope = next((f for f in schema["fields"] if f["name"] == ENVELOPE), None)
    if envelope is None:
        return {}
    inner, _ = non_null(envelope["type"])
    return {
        f"{ENVELOPE}.{f['name']}": f
        for f in inner["fields"]
        if f"{ENVELOPE}.{f['name']}" in ENVELOPE_DEFAULTS
    }


def grantable_paths(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every field path a rule may name: the envelope fields it may grant, then the body's."""
    return envelope_paths(schema) | leaf_paths(schema)


def marked_paths(schema: dict[str, Any], prop: str) -> dict[str, Any]:
    """Leaf paths (envelope excluded) whose field carries schema property ``prop``, with its value."""
    return {path: f[prop] for path, f in leaf_paths(schema).items() if prop in f}


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


def subtree(tree: FieldTree, paths: frozenset[str], prefix: str = "") -> FieldTree:
    """The part of ``tree`` that holds the leaf ``paths``, in the tree's order."""
    out: FieldTree = {}
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        if sub is None:
            if path in paths:
                out[name] = None
        else:
            inner = subtree(sub, paths, f"{path}.")
            if inner:
                out[name] = inner
    return out
