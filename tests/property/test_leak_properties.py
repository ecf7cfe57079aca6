"""No leaks for any covenant: random rules, random signals, every output and log line checked.

A covenant is generated from the shipped header (parties, purposes, legal bases) with random
rules: sources, recipients, fields and a treatment per field. For every recipient the view may
hold only the fields its rules grant, and a raw identifier only where a rule says ``doorgeven``.
The disclosure log, dead letters and log lines never hold one at all.
"""

from __future__ import annotations

import logging

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import topics
from pipeline.codec.framing import decode, encode
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.fields import leaf_paths
from pipeline.covenant.loader import load_covenant_texts
from pipeline.covenant.model import Behandeling
from pipeline.privacy.treatments import applicable
from pipeline.router.core import route
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN, NOW
from tests.helpers import inbound, leaves, valid_bsns

RECIPIENTS = ["om", "gemeente-utrecht", "zorgcoordinatie-utrecht", "comensha"]
SOURCES = ["politie", "nla"]
LEAK_CHECK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _header() -> str:
    text = (CONVENANTEN / "midden-nederland.yaml").read_text(encoding="utf-8")
    return text[: text.index("\nregels:")] + "\n"


def _signal_fields(store) -> dict[str, dict]:
    (entry,) = [e for e in store if e.kind == "signal" and e.short_name == "Signaal"]
    return leaf_paths(entry.expanded)


@st.composite
def covenants(draw, fields: dict[str, dict]) -> tuple[str, list[dict]]:
    """A covenant text and its rules (one treatment per field throughout, so rules agree)."""
    treatment = {
        path: draw(
            st.sampled_from([b for b in Behandeling if applicable(b, path, field["type"]) is None])
        )
        for path, field in fields.items()
    }
    rules = []
    for number in range(draw(st.integers(1, 4))):
        chosen = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, unique=True))
        to = draw(st.lists(st.sampled_from(RECIPIENTS), min_size=1, max_size=3, unique=True))
        rules.append(
            {
                "id": f"X{number}",
                "artikel": str(number),
                "bronnen": draw(st.lists(st.sampled_from(SOURCES), min_size=1, unique=True)),
                "signaaltype": "Signaal",
                "ontvangers": to,
                "doel": "opsporing",
                "grondslag": "wpg-16",
                "bewaartermijn": "P1Y",
                "velden": {path: treatment[path].value for path in chosen},
            }
        )
    text = _header() + yaml.safe_dump({"regels": rules}, allow_unicode=True, sort_keys=False)
    return text, rules


def _expected(rules, source: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for rule in rules:
        if source in rule["bronnen"]:
            for recipient in rule["ontvangers"]:
                out.setdefault(recipient, {}).update(rule["velden"])
    return out


@LEAK_CHECK
@given(data=st.data(), seed=st.integers(0, 10_000), source=st.sampled_from(SOURCES))
def test_no_field_or_identifier_outside_the_rules(
    store, registry, keyring, caplog, data, seed, source
):
    text, rules = data.draw(covenants(_signal_fields(store)))
    policy = compile_policy(
        load_covenant_texts({"x.yaml": text}, "random"), registry, store, keyring
    )

    document = SignalFactory(seed=seed, now=NOW).make(source, "Signaal").document
    victim = document["slachtoffer"]
    victim["bsn"] = data.draw(valid_bsns(), label="bsn")
    victim["voornamen"], victim["achternaam"] = "⟦voornaam-7Q⟧", "⟦achternaam-3Z⟧"
    victim["adres"].update(straat="⟦straat-9K⟧", woonplaats="⟦woonplaats-2X⟧")
    document["omschrijving"] = "⟦omschrijving-5T⟧"
    entry, datum = prepare(document, source, store, NOW)
    secrets = {
        "slachtoffer.bsn": victim["bsn"],
        "slachtoffer.voornamen": victim["voornamen"],
        "slachtoffer.achternaam": victim["achternaam"],
        "slachtoffer.adres.straat": "⟦straat-9K⟧",
        "slachtoffer.adres.woonplaats": "⟦woonplaats-2X⟧",
        "omschrijving": "⟦omschrijving-5T⟧",
    }
    raw = encode(entry, datum)

    caplog.set_level(logging.DEBUG)
    result = route(inbound(source, raw), policy, NOW)

    expected = {
        r: {p: t for p, t in fields.items() if t != "weglaten"}
        for r, fields in _expected(rules, source).items()
    }
    assert result.dead_letter is None
    assert {o.topic for o in result.deliveries} == {topics.inbox(r) for r in expected}
    for out in result.deliveries:
        recipient = out.topic.removeprefix(topics.INBOX_PREFIX)
        allowed = expected[recipient]
        view = decode(out.value, policy.store)[1]
        assert set(leaves(view)) <= set(allowed), f"field outside the rules to {recipient}"
        for path, value in secrets.items():
            if allowed.get(path) != "doorgeven":
                assert value.encode() not in out.value, f"{path} reached {recipient}"
    others = [*result.log, *([result.claim] if result.claim else [])]
    for out in others:
        assert not out.topic.startswith(topics.INBOX_PREFIX)
        for value in secrets.values():
            assert value.encode() not in out.value
    for value in secrets.values():
        assert value not in caplog.text


@LEAK_CHECK
@given(value=st.binary(max_size=200), source=st.sampled_from([*SOURCES, "onbekend"]))
def test_a_dead_letter_never_goes_to_a_recipient(policy, value, source):
    result = route(inbound(source, value), policy, NOW)
    assert result.deliveries == () or result.dead_letter is None
    if result.dead_letter is not None:
        assert result.dead_letter.topic == topics.DEAD_LETTER
        assert all(not o.topic.startswith(topics.INBOX_PREFIX) for o in result.outputs)
