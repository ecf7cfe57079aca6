"""Where an event lay, kept in its claim (router.event_scope): an area judges the kept place as
it judged the event itself, whatever the publisher wrote; and a scope reads back unchanged from
the claim topic and from the on-disk index."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.covenant.scope import UNKNOWN, Area, Locator, Place
from pipeline.router.event_scope import Scope

UNITS = ["MIDDEN_NEDERLAND", "ROTTERDAM", "AMSTERDAM", "LANDELIJKE_EENHEID"]
CODES = ["GM0344", "GM0599", "GM0363", "GM0307"]
LOCATOR = Locator(("slachtoffer.adres.gemeentecode",), ("politie_eenheid",))

#: What a hostile publisher may write in a location field: codes, near misses, anything.
written = st.none() | st.sampled_from([*CODES, *UNITS, "", "gm0344", " GM0344", "?"]) | st.text()


@settings(max_examples=300, deadline=None)
@given(
    code=written,
    unit=written,
    area_codes=st.frozensets(st.sampled_from(CODES)),
    area_units=st.frozensets(st.sampled_from(UNITS)),
)
def test_a_kept_place_is_judged_as_the_event_was(code, unit, area_codes, area_units):
    datum = {"slachtoffer": {"adres": {"gemeentecode": code}}, "politie_eenheid": unit}
    place = LOCATOR.place(datum, "politie", "Signaal")
    assert place is not None
    for area in (Area(area_codes, area_units), Area(frozenset(CODES[:1]), frozenset())):
        assert area.where_place(place) is area.where(datum, LOCATOR)
    if place.unlocated is not None:
        assert area.where(datum, LOCATOR) is UNKNOWN
    kept = [*place.gemeenten, *place.eenheden]
    assert all(len(v) <= 40 for v in kept)  # bounded, whatever was written


places = st.builds(
    Place,
    st.lists(st.sampled_from([*CODES, "?"]), max_size=3, unique=True).map(tuple),
    st.lists(st.sampled_from([*UNITS, "?"]), max_size=2, unique=True).map(tuple),
) | st.builds(
    lambda source, kind: Place(unlocated=(source, kind)),
    st.from_regex(r"[a-z][a-z0-9-]{1,20}", fullmatch=True),
    st.sampled_from(["Signaal", "Verwijzing", "Controle", "Statusupdate"]),
)


@given(
    chosen=st.lists(places, max_size=8, unique=True),
    times=st.tuples(st.integers(0, 2**42), st.integers(0, 2**42)).map(sorted),
)
def test_a_scope_reads_back_unchanged_from_topic_and_index(chosen, times):
    scope = Scope(tuple(chosen), times[0], times[1])
    text = scope.json_text()
    assert text == json.dumps(scope.to_json(), sort_keys=True)  # the bytes json.dumps gives
    assert Scope.from_json(json.loads(text)) == scope
    assert Scope.unpacked(scope.packed()) == scope
