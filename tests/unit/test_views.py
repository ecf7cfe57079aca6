"""View schemas and projections."""

import fastavro

from pipeline.codec.schema_store import make_entry
from pipeline.covenant.fields import group_paths, leaf_paths, tree_of
from pipeline.covenant.views import derive_view_schema, make_projector
from pipeline.privacy.treatments import Context


def test_leaf_and_group_paths_of_signaal(store):
    schema = store.current("Signaal").expanded
    leaves = leaf_paths(schema)
    assert "slachtoffer.adres.postcode" in leaves and "slachtoffer.bsn" in leaves
    assert not any(p.startswith("envelope") for p in leaves)
    assert group_paths(schema) == {"slachtoffer", "slachtoffer.adres"}


def test_fields_not_always_granted_become_nullable(store):
    schema = store.current("Signaal").expanded
    every = frozenset({"urgent", "melder_type", "slachtoffer.voornamen"})
    always = frozenset({"urgent"})
    view = derive_view_schema(schema, tree_of(every, schema), always, "gemeente-x")
    entry = make_entry(view, "view")  # parses: a valid Avro schema
    types = {f["name"]: f["type"] for f in entry.expanded["fields"]}
    assert types["urgent"] == "boolean"
    assert types["melder_type"][0] == "null"
    assert types["slachtoffer"][0] == "null"
    assert entry.name == "nl.ketenstroom.view.gemeente_x.Signaal"
    assert [f["name"] for f in entry.expanded["fields"]] == [
        "envelope",
        "melder_type",
        "slachtoffer",
        "urgent",
    ]


def test_projection_copies_active_fields_and_nulls_the_rest(store, factory, now):
    from pipeline.signals.prepare import prepare

    _, datum = prepare(factory.make("politie", "Signaal").document, "politie", store, now)
    schema = store.current("Signaal").expanded
    every = frozenset({"urgent", "slachtoffer.voornamen", "slachtoffer.adres.postcode"})
    tree = tree_of(every, schema)
    ctx = Context(now, "e", now.date(), "x")
    view = make_projector(tree, frozenset({"urgent", "slachtoffer.adres.postcode"}))(datum, ctx)
    assert view["urgent"] == datum["urgent"]
    assert view["slachtoffer"]["voornamen"] is None
    assert view["slachtoffer"]["adres"] == {"postcode": datum["slachtoffer"]["adres"]["postcode"]}
    assert "envelope" not in view  # the body: the record's envelope travels unchanged
    entry = make_entry(derive_view_schema(schema, tree, frozenset(), "x"), "view")
    assert fastavro.validation.validate({**view, "envelope": datum["envelope"]}, entry.parsed)
    nothing = make_projector(tree, frozenset({"urgent"}))(datum, ctx)
    assert nothing["slachtoffer"] is None
