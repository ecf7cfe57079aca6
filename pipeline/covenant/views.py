"""A recipient's view: its Avro schema, derived from the signal schema, and the projection into it.

A view holds exactly the fields its applying grants disclose: a field of a rule that did not
apply is absent, not null, so a view tells a recipient nothing about a failed condition beyond
what its fields show. Each set of disclosed fields therefore has a view schema of its own.

Its envelope is the view's own: a reference of the recipient's linkage domain instead of the
publisher's event id, a trace context made for this disclosure, the purposes and retention of
the grants it was made under, and only the envelope fields those grants name (by default the
publisher and the day of the event and of its recording).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.covenant.fields import ENVELOPE, FieldTree, non_null
from pipeline.privacy.treatments import Context, Transform

VIEW_NAMESPACE = "nl.ketenstroom.view"
_NAMED = ("record", "enum", "fixed")
#: Envelope fields the router makes for every view, whatever the rules say.
ROUTER_ENVELOPE = ("event_ref", "event_type", "trace_id", "span_id", "doelen")

Projector = Callable[[dict[str, Any], Context], dict[str, Any]]


def _avro_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return name if re.match(r"[A-Za-z_]", name) else f"_{name}"


def view_namespace(recipient: str, covenant: str, versie: str) -> str:
    """Avro namespace of a recipient's views under one covenant version (Avro names allow no
    dashes or dots in a part): ``nl.ketenstroom.view.<recipient>.<covenant>.v<versie>``.

    The version is part of the name, so a treatment that a new ``versie`` changes (a birth date
    that becomes a birth year: ``int`` either way, which Avro's fingerprint does not tell apart)
    gets a new name and a new fingerprint, and a view of the old version keeps decoding to the
    value that was sent.
    """
    version = re.sub(r"[^A-Za-z0-9_]", "_", versie)
    return f"{VIEW_NAMESPACE}.{_avro_name(recipient)}.{_avro_name(covenant)}.v{version}"


def _view_envelope(
    signal_envelope: dict[str, Any],
    granted: FieldTree | None,
    namespace: str,
    leaf_types: dict[str, Any],
) -> dict[str, Any]:
    purpose = {
        "type": "record",
        "name": f"{namespace}.Doel",
        "fields": [
            {"name": "doel", "type": "string"},
            {"name": "bewaartermijn", "type": "string", "doc": "ISO 8601 duration."},
        ],
    }
    fields: list[dict[str, Any]] = [
        {
            "name": "event_ref",
            "type": "string",
            "doc": "This recipient's reference to the event (its linkage domain's own); use it to "
            "refer back to the event.",
        },
        {"name": "event_type", "type": "string"},
        {"name": "trace_id", "type": "string", "doc": "W3C trace id of this disclosure."},
        {"name": "span_id", "type": "string", "doc": "W3C span id of this disclosure."},
        {
            "name": "doelen",
            "type": {"type": "array", "items": purpose},
            "doc": "Purposes and retention periods of the grants this view was disclosed under.",
        },
    ]
    for field in signal_envelope["fields"]:
        path = f"{ENVELOPE}.{field['name']}"
        if granted is not None and field["name"] in granted:
            fields.append({"name": field["name"], "type": leaf_types.get(path, field["type"])})
    return {"type": "record", "name": f"{namespace}.Envelope", "fields": fields}


def derive_view_schema(
    signal_schema: dict[str, Any],
    tree: FieldTree,
    recipient: str,
    covenant: str,
    versie: str,
    leaf_types: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The view schema: the view's envelope, then exactly the fields of ``tree``.

    A field is nullable in the view only where the signal's field is, or where its treatment
    can yield nothing (an invalid postcode under pc4, say).
    """
    namespace = view_namespace(recipient, covenant, versie)
    types = leaf_types or {}
    envelope = next(f for f in signal_schema["fields"] if f["name"] == ENVELOPE)
    envelope_type, _ = non_null(envelope["type"])
    fields = [
        {
            "name": ENVELOPE,
            "type": _view_envelope(envelope_type, tree.get(ENVELOPE), namespace, types),
        }
    ]
    defined: set[str] = set()
    fields += _view_fields(signal_schema, tree, "", namespace, defined, types)
    return {
        "type": "record",
        "name": f"{namespace}.{signal_schema['name'].rsplit('.', 1)[-1]}",
        "doc": f"View of {signal_schema['name']} for {recipient} under covenant {covenant} "
        f"version {versie}",
        "fields": fields,
    }


def _view_fields(
    record: dict[str, Any],
    tree: FieldTree,
    prefix: str,
    namespace: str,
    defined: set[str],
    leaf_types: dict[str, Any],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for field in record["fields"]:
        name = field["name"]
        if name not in tree or (not prefix and name == ENVELOPE):
            continue
        sub = tree[name]
        path = f"{prefix}{name}"
        inner, nullable = non_null(leaf_types.get(path, field["type"]))
        if sub is None:
            view_type = _dedupe(inner, defined)
        else:
            short = inner["name"].rsplit(".", 1)[-1]
            view_type = {
                "type": "record",
                "name": f"{namespace}.{short}",
                "fields": _view_fields(inner, sub, f"{path}.", namespace, defined, leaf_types),
            }
        if nullable:
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


def make_projector(tree: FieldTree, transforms: dict[str, Transform] | None = None) -> Projector:
    """A function that puts exactly the leaf fields of ``tree`` of a record (transformed where a
    treatment says so) into a view. Of the envelope it takes only the fields ``tree`` names;
    the router adds the view's own envelope fields.

    Generated once per (plan, field set) as one dict display, the cheapest way CPython builds
    a dict; a nested record that is null in the signal is null in the view. Field names enter
    the source only as ``repr()`` literals, transforms as constants: nothing of a schema or a
    covenant can inject code.
    """
    constants: dict[str, Any] = {}
    counter = [0]

    def display(subtree: FieldTree, var: str, prefix: str) -> str:
        items = []
        for name, sub in subtree.items():
            path, key = f"{prefix}{name}", repr(name)
            if sub is not None:
                counter[0] += 1
                inner = f"_v{counter[0]}"
                nested = display(sub, inner, f"{path}.")
                items.append(f"{key}: (None if ({inner} := {var}[{key}]) is None else {nested})")
            elif path in (transforms or {}):
                constant = f"_t{len(constants)}"
                constants[constant] = (transforms or {})[path]
                items.append(f"{key}: {constant}({var}[{key}], {var}, ctx)")
            else:
                items.append(f"{key}: {var}[{key}]")
        return "{" + ", ".join(items) + "}"

    source = f"def project(d, ctx):\n    return {display(tree, 'd', '')}\n"
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, "<projector>", "exec"), namespace)
    project: Projector = namespace["project"]
    return project
