"""Hostile input: each case ends as one dead letter with its reason, and never as an exception."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.codec.framing import encode
from pipeline.privacy.normalise import normalise_name
from pipeline.privacy.pseudonyms import pseudonym
from pipeline.router.core import MAX_SIGNAL_BYTES, route, route_batch
from pipeline.router.dead_letter import DETAIL_HEADER, header
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound
from pipeline.signals.prepare import prepare
from tests.helpers import in_utrecht, inbound, opened, reason, views_by_recipient

_LATER = dt.datetime(2026, 6, 3, tzinfo=dt.UTC)  # two days after the tests' NOW


def _encoded(store, factory, now, source="politie", kind="Signaal", edit=None):
    document = in_utrecht(factory.make(source, kind).document)
    entry, datum = prepare(document, source, store, now)
    if edit is not None:
        edit(datum)
    return datum, encode(entry, datum)


def _at(offset: int, raw: bytes, source: str = "politie") -> Inbound:
    return inbound(source, raw, b"k", offset=offset)


def _detail(result) -> str:
    return header(result.dead_letter.headers, DETAIL_HEADER) or ""


@pytest.mark.parametrize(
    ("edit", "expected_detail"),
    [
        (lambda d: d["slachtoffer"].update(bsn="123456789"), "slachtoffer.bsn is not a valid BSN"),
        (lambda d: d["envelope"].update(occurred_at=_LATER, recorded_at=_LATER), "in the future"),
        (
            lambda d: d["slachtoffer"].update(geboortedatum=dt.date(2030, 1, 1)),
            "geboortedatum lies after the event",
        ),
        (lambda d: d["envelope"].update(trace_id="0" * 32), "trace_id is not a W3C trace id"),
        (
            lambda d: d["envelope"].update(event_type="Jan de Vries"),
            "event_type differs from the schema",
        ),
    ],
)
def test_schema_valid_but_semantically_invalid(store, policy, factory, now, edit, expected_detail):
    _, raw = _encoded(store, factory, now, edit=edit)
    result = route(inbound("politie", raw), policy, now)
    assert reason(result) == "invalid_record"
    assert expected_detail in _detail(result)
    assert "Jan de Vries" not in _detail(result)  # free text is never echoed


def test_oversize_records_are_refused_unread(policy, now, dead_letter_keys):
    raw = b"\xc3\x01" + b"\x00" * MAX_SIGNAL_BYTES
    result = route(inbound("politie", raw), policy, now)
    assert reason(result) == "record_too_large"
    assert opened(result, dead_letter_keys).value == raw  # kept whole, sealed


def test_a_spoofed_source_is_not_echoed(store, policy, factory, now):
    _, raw = _encoded(store, factory, now, edit=lambda d: d["envelope"].update(source="Piet"))
    result = route(inbound("politie", raw), policy, now)
    assert reason(result) == "source_mismatch" and "Piet" not in _detail(result)


def test_a_redelivered_record_is_routed_again_identically(store, policy, factory, now):
    _, raw = _encoded(store, factory, now)
    index = EventIndex()
    first, again = route_batch([_at(5, raw), _at(5, raw)], policy, now, index)
    assert first.dead_letter is None and again.dead_letter is None
    # same topics and keys (encrypted fields use a fresh ephemeral key, so not the same bytes)
    assert [(o.topic, o.key) for o in again.outputs] == [(o.topic, o.key) for o in first.outputs]
    assert again.log == first.log and again.claim == first.claim
    assert len(index) == 1


def test_a_duplicate_event_id_is_a_dead_letter(store, policy, factory, now):
    datum, raw = _encoded(store, factory, now)
    event_id = str(datum["envelope"]["event_id"])
    index = EventIndex()
    first, copy = route_batch([_at(5, raw), _at(9, raw)], policy, now, index)
    assert first.claim is not None and first.claim.key == event_id.encode()
    assert reason(copy) == "duplicate_event_id"
    assert "signalen.politie/0/5" in _detail(copy) and "identical to" in _detail(copy)
    assert copy.deliveries == () and copy.log == () and copy.claim is None

    # the same id with other content, on another partner's topic, a batch later
    def reuse(d):
        d["envelope"]["event_id"] = datum["envelope"]["event_id"]

    _, other = _encoded(store, factory, now, source="nla", kind="Controle", edit=reuse)
    (hijack,) = route_batch([_at(0, other, "nla")], policy, now, index)
    assert reason(hijack) == "duplicate_event_id" and "different from" in _detail(hijack)


def test_claims_learnt_from_the_topic_count_too(store, policy, factory, now):
    _, raw = _encoded(store, factory, now)
    claim = route(_at(1, raw), policy, now).claim
    index = EventIndex()
    assert index.learn_record(claim.key, claim.value)
    assert reason(route(_at(2, raw), policy, now, index)) == "duplicate_event_id"
    assert route(_at(1, raw), policy, now, index).dead_letter is None
    assert not index.learn_record(claim.key, b"not json") and len(index) == 1


NAMES = [
    "Zoë",  # precomposed
    "Zoe\u0308",  # the same, decomposed
    "Zo\u200be\u0308",  # with a zero-width space
    "\u202eZoë\u202c",  # inside a right-to-left override
    "ZOË",
]


def test_unicode_names_route_and_pseudonymise_as_one_person(store, policy, factory, now):
    secret = b"s" * 32
    assert len({pseudonym(normalise_name(n), secret, 1, "om", "naam") for n in NAMES}) == 1
    for name in NAMES:

        def rename(d, name=name):
            d["slachtoffer"]["voornamen"] = name

        _, raw = _encoded(store, factory, now, edit=rename)
        views = views_by_recipient(route(inbound("politie", raw), policy, now), policy)
        assert views["comensha"]["slachtoffer"]["voornamen"] == name  # shown as written


@pytest.mark.parametrize(
    "name", ["", " ", "\x00", "😀" * 500, "ـ" * 10, "Ǆ", "\ud7ff", "A\u0301\u0301\u0301"]
)
def test_unusual_but_valid_names_never_crash(store, policy, factory, now, name):
    def rename(d):
        d["slachtoffer"]["voornamen"] = name

    _, raw = _encoded(store, factory, now, edit=rename)
    result = route(inbound("politie", raw), policy, now)
    assert result.dead_letter is None and result.deliveries


def test_invalid_utf8_inside_a_string_is_undecodable(store, policy, factory, now):
    def rename(d):
        d["slachtoffer"]["voornamen"] = "ÀÀÀÀ"

    _, raw = _encoded(store, factory, now, edit=rename)
    broken = raw.replace("ÀÀÀÀ".encode(), b"\xc0\xc0\xc0\xc0\xc0\xc0\xc0\xc0")
    assert broken != raw
    assert reason(route(inbound("politie", broken), policy, now)) == "undecodable_body"
