"""No leaks for any covenant: random rules, random signals, every output and log line checked.

A covenant is generated from the shipped header (parties, purposes, legal bases) with random
rules: sources, recipients, fields and a treatment per field. For every recipient the view may
hold only the fields its rules grant, and a raw identifier only where a rule says ``doorgeven``.
The disclosure log, dead letters and log lines never hold one at all.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import topics
from pipeline.codec.framing import decode, encode
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.fields import ENVELOPE_DEFAULTS, grantable_paths
from pipeline.covenant.loader import load_covenant_texts
from pipeline.covenant.model import Behandeling
from pipeline.privacy.treatments import applicable
from pipeline.router.core import route
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN, NOW
from tests.helpers import in_utrecht, inbound, leaves, valid_bsns

RECIPIENTS = [
    "om",
    "gemeente-utrecht",
    "zorgcoordinatie-utrecht",
    "comensha",
    "veilig-thuis-utrecht",
]
#: The header's koppeldomein: these two share references and pseudonyms; everyone else is alone.
SHARED = {"zorgcoordinatie-utrecht", "veilig-thuis-utrecht"}
SOURCES = ["politie", "nla"]
LEAK_CHECK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _header() -> str:
    text = (CONVENANTEN / "midden-nederland.yaml").read_text(encoding="utf-8")
    return text[: text.index("\nregels:")] + "\n"


def _signal_fields(store) -> dict[str, dict]:
    """Every field a rule may name: the body's, and the envelope fields a rule may grant."""
    (entry,) = [e for e in store if e.kind == "signal" and e.short_name == "Signaal"]
    return grantable_paths(entry.expanded)


@st.composite
def covenants(draw, fields: dict[str, dict]) -> tuple[str, list[dict]]:
    """A covenant text and its rules (one treatment per field throughout, so rules agree)."""
    treatment = {
        path: draw(
            st.sampled_from([b for b in Behandeling if applicable(b, path, field["type"]) is None])
        )
        for path, field in fields.items()
    }
    # Envelope fields a rule does not name get a standard treatment; rules for one recipient
    # must agree, so every rule names them alike.
    envelope = {p: treatment[p].value for p in fields if p.startswith("envelope.")}
    body = sorted(p for p in fields if not p.startswith("envelope."))
    rules = []
    for number in range(draw(st.integers(1, 4))):
        chosen = draw(st.lists(st.sampled_from(body), min_size=1, unique=True))
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
                "velden": {**envelope, **{path: treatment[path].value for path in chosen}},
            }
        )
    text = _header() + yaml.safe_dump({"regels": rules}, allow_unicode=True, sort_keys=False)
    return text, rules


def _expected(rules, source: str) -> dict[str, dict[str, str]]:
    """Per recipient: field -> treatment, envelope defaults included."""
    out: dict[str, dict[str, str]] = {}
    for rule in rules:
        if source in rule["bronnen"]:
            for recipient in rule["ontvangers"]:
                out.setdefault(recipient, {}).update({**ENVELOPE_DEFAULTS, **rule["velden"]})
    return out


def _signal(store, seed: int, source: str, bsn: str):
    """A signal about a victim in Utrecht with a marker in every identifying text field."""
    document = in_utrecht(SignalFactory(seed=seed, now=NOW).make(source, "Signaal").document)
    victim = document["slachtoffer"]
    victim["bsn"] = bsn
    victim["voornamen"], victim["achternaam"] = "⟦voornaam-7Q⟧", "⟦achternaam-3Z⟧"
    victim["adres"].update(straat="⟦straat-9K⟧", woonplaats="⟦woonplaats-2X⟧")
    document["omschrijving"] = "⟦omschrijving-5T⟧"
    return prepare(document, source, store, NOW)


@LEAK_CHECK
@given(data=st.data(), seed=st.integers(0, 10_000), source=st.sampled_from(SOURCES))
def test_no_field_or_identifier_outside_the_rules(
    store, registry, keyring, caplog, data, seed, source
):
    text, rules = data.draw(covenants(_signal_fields(store)))
    policy = compile_policy(
        load_covenant_texts({"x.yaml": text}, "random"), registry, store, keyring
    )

    entry, datum = _signal(store, seed, source, data.draw(valid_bsns(), label="bsn"))
    victim = datum["slachtoffer"]
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
        body = {p for p, t in allowed.items() if not p.startswith("envelope.")}
        assert set(leaves(view)) <= body, f"field outside the rules to {recipient}"
        granted_envelope = {p.split(".", 1)[1] for p in allowed if p.startswith("envelope.")}
        made = {"event_ref", "event_type", "trace_id", "span_id", "doelen"}
        assert set(view["envelope"]) == made | granted_envelope
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


def _identifier_like(view: dict, prefix: str = "") -> dict[object, set[str]]:
    """Every value of a view that could serve as a join key, with the field paths it is in:
    texts of 8 characters or more and moments (exact timestamps). Left out: the view's
    purposes (covenant text) and days (a date is shared by every signal of that day)."""
    found: dict[object, set[str]] = {}
    for name, value in view.items():
        path = f"{prefix}{name}"
        if path == "envelope.doelen":
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                for v, paths in _identifier_like(item, f"{path}.").items():
                    found.setdefault(v, set()).update(paths)
            elif (isinstance(item, str) and len(item) >= 8) or isinstance(item, dt.datetime):
                found.setdefault(item, set()).add(path)
    return found


@LEAK_CHECK
@given(data=st.data(), seed=st.integers(0, 10_000), source=st.sampled_from(SOURCES))
def test_recipients_in_different_linkage_domains_share_no_identifier_like_value(
    store, registry, keyring, data, seed, source
):
    """Any covenant, any signal: two recipients outside one linkage domain find no common
    id, pseudonym, ciphertext, reference, trace id or timestamp in their views of one signal
    (values, Kafka keys and headers), except a field the covenant passes on to both as it is."""
    text, rules = data.draw(covenants(_signal_fields(store)))
    policy = compile_policy(
        load_covenant_texts({"x.yaml": text}, "random"), registry, store, keyring
    )
    entry, datum = _signal(store, seed, source, data.draw(valid_bsns(), label="bsn"))
    result = route(inbound(source, encode(entry, datum)), policy, NOW)
    expected = _expected(rules, source)
    seen: dict[str, dict[object, set[str]]] = {}
    for out in result.deliveries:
        recipient = out.topic.removeprefix(topics.INBOX_PREFIX)
        values = _identifier_like(decode(out.value, policy.store)[1])
        for name, header_value in (("key", out.key), *out.headers):
            if name != "ketenstroom-schema":  # the view schema's fingerprint: per recipient
                values.setdefault(header_value.decode(), set()).add(f"kafka {name}")
        seen[recipient] = values
    for a, b in itertools.combinations(sorted(seen), 2):
        if {a, b} <= SHARED:
            continue  # one linkage domain: linking is what the covenant decided
        for value in set(seen[a]) & set(seen[b]):
            paths = seen[a][value] & seen[b][value]
            both_in_clear = {
                p
                for p in paths
                if expected[a].get(p) == "doorgeven" and expected[b].get(p) == "doorgeven"
            }
            assert both_in_clear, f"{a} and {b} can join on {value!r} ({seen[a][value]})"
