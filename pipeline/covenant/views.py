"""A recipient's view: its Avro schema, derived from the signal schema, and the projection into it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.covenant.fields import ENVELOPE, FieldTree, non_null
from pipeline.privacy.treatments import Context, Transform

VIEW_NAMESPACE = "nl.ketenstroom.view"
_NAMED = ("record", "enum", "fixed")

Projector = Callable[[dict[str, Any], Context], dict[str, Any]]


def view_namespace(recipient: str) -> str:
    """Avro namespace of a recipient's views (Avro names allow no dashes)."""
    return f"{VIEW_NAMESPACE}.{re.sub(r'[^A-Za-z0-9_]', '_', recipient)}"


def derive_view_schema(
    signal_schema: dict[str, Any],
    tree: FieldTree,
    always: frozenset[str],
    recipient: str,
    leaf_types: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The view schema: envelope plus the fields of ``tree``.

    A field that is not disclosed for every record (``always``) becomes nullable: for a record
    where no grant covers it, it is null.
    """
    namespace = view_namespace(recipient)
    defined: set[str] = set()
    envelope = next(f for f in signal_schema["fields"] if f["name"] == ENVELOPE)
    fields = [{"name": ENVELOPE, "type": _dedupe(envelope["type"], defined)}]
    fields += _view_fields(signal_schema, tree, "", always, namespace, defined, leaf_types or {})
    return {
        "type": "record",
        "name": f"{namespace}.{signal_schema['name'].rsplit('.', 1)[-1]}",
        "doc": f"View of {signal_schema['name']} for {recipient}",
        "fields": fields,
    }


def _view_fields(
    record: dict[str, Any],
    tree: FieldTree,
    prefix: str,
    always: frozenset[str],
    namespace: str,
    defined: set[str],
    leaf_types: dict[str, Any],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for field in record["fields"]:
        name = field["name"]
        if name not in tree:
            continue
        sub = tree[name]
        path = f"{prefix}{name}"
        inner, nullable = non_null(leaf_types.get(path, field["type"]))
        if sub is None:
            view_type = _dedupe(inner, defined)
            sometimes_absent = path not in always
        else:
            short = inner["name"].rsplit(".", 1)[-1]
            view_type = {
                "type": "record",
                "name": f"{namespace}.{short}",
                "fields": _view_fields(
                    inner, sub, f"{path}.", always, namespace, defined, leaf_types
                ),
            }
            sometimes_absent = not any(p.startswith(f"{path}.") for p in always)
        if nullable or sometimes_absent:
            out.append({"name": name, "type": ["null", view_type], "default": None})
        else:
            out.append({"name": name, "type": view_type})
    return out


def _dedupe(schema: Any, defined: set[str]) -> Any:
    """Copy an expanded type, replacing second and later definitions of a named type by its name."""
    if isinstance(schema, list):
        return [_dedupe(s, defined) for s in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind in _NAMED:
        name = schema["name"]
        if name in defined:
            return name
        defined.add(name)
        if kind == "record":
            fields = [{**f, "type": _dedupe(f["type"], defined)} for f in schema["fields"]]
            return {**schema, "fields": fields}
        return dict(schema)
    if kind == "array":
        return {**schema, "items": _dedupe(schema["items"], defined)}
    if kind == "map":
        return {**schema, "values": _dedupe(schema["values"], defined)}
    return dict(schema)


def make_projector(
    tree: FieldTree, active: frozenset[str], transforms: dict[str, Transform] | None = None
) -> Projector:
    """A function that puts the ``active`` leaf fields of a record (transformed where a treatment
    says so) into its view's body, and null in every other field of the body. The body is the
    view without its envelope, which travels unchanged (``ViewPlan.encoder``)."""
    return _record_projector(tree, active, "", transforms or {})


_COPY = "copy"
_NULL = "null"


def _record_projector(
    tree: FieldTree, active: frozenset[str], prefix: str, transforms: dict[str, Transform]
) -> Projector:
    steps: list[tuple[str, str, Any]] = []
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        if sub is None:
            if path not in active:
                steps.append((name, _NULL, None))
            elif path in transforms:
                steps.append((name, "transform", transforms[path]))
            else:
                steps.append((name, _COPY, None))
        elif any(p.startswith(f"{path}.") for p in active):
            steps.append((name, "record", _record_projector(sub, active, f"{path}.", transforms)))
        else:
            steps.append((name, _NULL, None))

    def project(datum: dict[str, Any], ctx: Context) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, kind, step in steps:
            if kind is _COPY:
                out[name] = datum[name]
            elif kind is _NULL:
                out[name] = None
            elif kind == "transform":
                out[name] = step(datum[name], datum, ctx)
            else:
                value = datum[name]
                out[name] = None if value is None else step(value, ctx)
        return out

    return project
