"""View schemas and projections."""

import fastavro

from pipeline.codec.schema_store import make_entry
from pipeline.covenant.fields import grantable_paths, group_paths, leaf_paths, subtree, tree_of
from pipeline.covenant.views import derive_view_schema, make_projector
from pipeline.privacy.treatments import Context


def test_leaf_and_group_paths_of_signaal(store):
    schema = store.current("Signaal").expanded
    leaves = leaf_paths(schema)
    assert "slachtoffer.adres.postcode" in leaves and "slachtoffer.bsn" in leaves
    assert not any(p.startswith("envelope") for p in leaves)
    assert group_paths(schema) == {"slachtoffer", "slachtoffer.adres"}
    # a rule may grant these envelope fields, never the publisher's ids
    envelope = {p for p in grantable_paths(schema) if p.startswith("envelope.")}
    assert envelope == {"envelope.source", "envelope.occurred_at", "envelope.recorded_at"}


def test_a_view_holds_exactly_its_fields_with_its_own_envelope(store):
    schema = store.current("Signaal").expanded
    fields = frozenset({"urgent", "melder_type", "slachtoffer.voornamen", "envelope.source"})
    view = derive_view_schema(schema, tree_of(fields, schema), "gemeente-x", "regio.1", "2025.1")
    entry = make_entry(view, "view")  # parses: a valid Avro schema
    types = {f["name"]: f["type"] for f in entry.expanded["fields"]}
    assert types["urgent"] == "boolean" and types["melder_type"]["type"] == "enum"
    assert types["slachtoffer"]["fields"] == [
        {"name": "voornamen", "type": ["null", "string"], "default": None}
    ]
    assert entry.name == "nl.ketenstroom.view.gemeente_x.regio_1.v2025_1.Signaal"
    assert [f["name"] for f in entry.expanded["fields"]] == [
        "envelope",
        "melder_type",
        "slachtoffer",
        "urgent",
    ]
    envelope = [f["name"] for f in types["envelope"]["fields"]]
    assert envelope == ["event_ref", "event_type", "trace_id", "span_id", "doelen", "source"]


def test_projection_copies_exactly_the_active_fields(store, factory, now):
    from pipeline.signals.prepare import prepare

    _, datum = prepare(factory.make("politie", "Signaal").document, "politie", store, now)
    schema = store.current("Signaal").expanded
    every = frozenset({"urgent", "slachtoffer.voornamen", "slachtoffer.adres.postcode"})
    tree = tree_of(every, schema)
    ctx = Context(now, "e", now.date(), "x")
    active = frozenset({"urgent", "slachtoffer.adres.postcode"})
    view = make_projector(subtree(tree, active))(datum, ctx)
    assert view == {
        "urgent": datum["urgent"],
        "slachtoffer": {"adres": {"postcode": datum["slachtoffer"]["adres"]["postcode"]}},
    }  # absent, not null: a field of a rule that did not apply is not in the view at all
    entry = make_entry(derive_view_schema(schema, subtree(tree, active), "x", "c", "1"), "view")
    envelope = {
        "event_ref": "EV1.k1.c/x.abc",
        "event_type": "Signaal",
        "trace_id": "1" * 32,
        "span_id": "2" * 16,
        "doelen": [],
    }
    assert fastavro.validation.validate({**view, "envelope": envelope}, entry.parsed)
