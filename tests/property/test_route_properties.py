"""Properties of route() over generated input: total, accounted, and no leaks."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import topics
from pipeline.codec.framing import MAGIC, decode, encode
from pipeline.errors import CodecError
from pipeline.router.core import route
from pipeline.router.records import Inbound
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import NOW
from tests.helpers import in_utrecht, opened, valid_bsns

SOURCES = ["politie", "nla", "comensha", "gemeente-utrecht", "onbekend"]
FAST = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _accounted_once(result) -> bool:
    """Exactly one outcome: a dead letter, or log entries (one per view, or one no-recipient)."""
    if result.dead_letter is not None:
        return result.log == () and result.deliveries == ()
    return len(result.log) == max(1, len(result.deliveries))


@FAST
@given(
    source=st.sampled_from(SOURCES),
    value=st.binary(max_size=300),
    key=st.none() | st.binary(max_size=40),
)
def test_arbitrary_bytes_never_raise_and_are_accounted(
    policy, dead_letter_keys, source, value, key
):
    result = route(Inbound(topics.inbound(source), 0, 7, key, value), policy, NOW)
    assert _accounted_once(result)
    if result.dead_letter is not None:
        content = opened(result, dead_letter_keys)
        assert (content.value, content.key) == (value, key)


@st.composite
def mutated_signals(draw, store):
    factory = SignalFactory(seed=draw(st.integers(0, 10_000)), now=NOW)
    source, kind = draw(
        st.sampled_from([("politie", "Signaal"), ("nla", "Controle"), ("comensha", "Verwijzing")])
    )
    entry, datum = prepare(factory.make(source, kind).document, source, store, NOW)
    raw = bytearray(encode(entry, datum))
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(raw) - 1))
        raw[position] = draw(st.integers(0, 255))
    cut = draw(st.integers(len(MAGIC), len(raw)))
    return source, bytes(raw[:cut])


@FAST
@given(data=st.data())
def test_corrupted_signals_never_raise_and_are_accounted(store, policy, data):
    source, raw = data.draw(mutated_signals(store))
    result = route(Inbound(topics.inbound(source), 0, 0, None, raw), policy, NOW)
    assert _accounted_once(result)


@FAST
@given(data=st.data(), body=st.binary(max_size=300))
def test_the_decoder_raises_only_codec_errors(policy, data, body):
    """Behind a valid header (magic and a known fingerprint), any body is decoded or refused."""
    entry = data.draw(st.sampled_from(sorted(policy.store, key=lambda e: e.fingerprint)))
    try:
        decode(MAGIC + entry.fingerprint + body, policy.store)
    except CodecError as exc:
        assert exc.reason in {"undecodable_body", "unknown_fingerprint", "not_single_object"}


def marked_text(tag: str) -> st.SearchStrategy[str]:
    """Any unicode text, wrapped in a marker unique to the field so values never coincide."""
    return st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20
    ).map(lambda s: f"⟦{tag}:{s}⟧")


@FAST
@given(
    seed=st.integers(0, 10_000),
    source=st.sampled_from(["politie", "nla", "comensha"]),
    bsn=valid_bsns(),
    first=marked_text("voornamen"),
    last=marked_text("achternaam"),
    text=marked_text("omschrijving"),
)
def test_no_value_reaches_a_recipient_whose_rule_does_not_grant_it(
    store, policy, seed, source, bsn, first, last, text
):
    factory = SignalFactory(seed=seed, now=NOW)
    document = factory.make(source, "Signaal").document
    document["slachtoffer"].update({"bsn": bsn, "voornamen": first, "achternaam": last})
    document["omschrijving"] = text
    entry, datum = prepare(document, source, store, NOW)
    result = route(Inbound(topics.inbound(source), 0, 0, None, encode(entry, datum)), policy, NOW)
    granted, in_clear = {}, {}
    for plan in policy.plans_for(source, "Signaal"):
        applying = plan.select(datum, NOW)
        if isinstance(applying, tuple):
            granted[plan.topic] = frozenset().union(*(g.fields for g in applying))
            # only doorgeven lets the value itself through; every other treatment transforms it
            in_clear[plan.topic] = frozenset(
                p for g in applying for p, t in g.treatments if t == "doorgeven"
            )
    secrets = {
        "slachtoffer.bsn": bsn,
        "slachtoffer.voornamen": first,
        "slachtoffer.achternaam": last,
        "omschrijving": text,
    }
    assert {o.topic for o in result.deliveries} == set(granted)
    for out in result.deliveries:
        for path, value in secrets.items():
            if path not in in_clear[out.topic]:
                assert value.encode() not in out.value, f"{path} leaked to {out.topic}"
    for log in result.log:
        for value in secrets.values():
            assert value.encode() not in log.value


def test_validity_boundary_is_exact(store, policy):
    """The covenant starts 2025-03-01 00:00 Amsterdam time (23:00 UTC the day before)."""
    factory = SignalFactory(seed=1, now=NOW)
    for moment, expect in [
        (dt.datetime(2025, 2, 28, 22, 59, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2025, 2, 28, 23, 0, 0, tzinfo=dt.UTC), True),
        (dt.datetime(2030, 2, 28, 22, 59, 59, tzinfo=dt.UTC), True),
        (dt.datetime(2030, 2, 28, 23, 0, 0, tzinfo=dt.UTC), False),
    ]:
        document = in_utrecht(factory.make("politie", "Signaal").document)
        document["envelope"]["occurred_at"] = document["envelope"]["recorded_at"] = (
            moment.isoformat()
        )
        document["slachtoffer"]["geboortedatum"] = "1990-01-01"
        entry, datum = prepare(document, "politie", store, moment)
        result = route(
            Inbound(topics.inbound("politie"), 0, 0, None, encode(entry, datum)), policy, moment
        )
        assert bool(result.deliveries) is expect, moment
