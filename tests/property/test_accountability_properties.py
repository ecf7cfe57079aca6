"""Inzage finds exactly one person's lines among many, under random covenants and a rotated log
key; the log holds no plaintext of anyone. Pure: route() and the accountability core."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.accountability.inzage import Inzage
from pipeline.accountability.lines import Period, line_key
from pipeline.accountability.person import Person, by_bsn, by_name, either
from pipeline.codec.framing import decode
from pipeline.codec.schema_store import load_store
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.policy import Policy
from pipeline.privacy.keyring import generate_keys
from pipeline.registry import load_registry
from pipeline.router.core import route
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN, NOW, SCHEMAS
from tests.helpers import in_utrecht, inbound, signal_bytes, valid_bsns

#: The log key rotates on this day: lines before and after carry different subject ids.
ROTATION = NOW + dt.timedelta(days=10)
WHOLE_LOG = Period()
SOURCES = ("politie", "nla", "comensha")
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@cache
def _keyring() -> Any:
    registry = load_registry(CONVENANTEN)
    keyring, _ = generate_keys(registry.ids, NOW - dt.timedelta(days=400))
    return keyring.with_secret("verantwoording", ROTATION)


@cache
def _policy(rules: frozenset[str]) -> Policy:
    """The example covenant with only ``rules``: a covenant of its own, compiled."""
    store, registry = load_store(SCHEMAS), load_registry(CONVENANTEN)
    covenants = []
    for loaded in load_covenants(CONVENANTEN):
        kept = tuple(r for r in loaded.model.regels if r.id in rules)
        model = loaded.model.model_copy(update={"regels": kept})
        covenants.append(dataclasses.replace(loaded, model=model))
    return compile_policy(covenants, registry, store, _keyring())


RULES = ("R1", "R2", "R3", "R4", "R6", "R7")


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    """A person: a BSN or none, a name from a small pool (so names repeat), a birth date or
    none (then a signal without a BSN names them by name alone)."""
    born = dt.date(1990, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6000)))
    return {
        "bsn": draw(st.none() | valid_bsns()),
        "voornamen": draw(st.sampled_from(["Anna", "Jan", "Maria José", "Ewa"])),
        "achternaam": draw(st.sampled_from(["de Vries", "Jansen", "Kowalska"])),
        "geboortedatum": draw(st.none() | st.just(born)),
    }


def _signals(policy: Policy, crowd: list[tuple[dict[str, Any], int, str, int]]) -> list[dict]:
    """Route one signal per (person, seed, source, day); every log line with its person."""
    lines = []
    for person, seed, source, day in crowd:
        at = NOW + dt.timedelta(days=day)
        document = in_utrecht(SignalFactory(seed=seed, now=at).make(source, "Signaal").document)
        victim = document["slachtoffer"]
        victim.update(
            voornamen=person["voornamen"],
            achternaam=person["achternaam"],
            # a document is JSON
            geboortedatum=person["geboortedatum"] and person["geboortedatum"].isoformat(),
        )
        if person["geboortedatum"] is None:
            document["minderjarig"] = False  # without a birth date the source says it
        victim.pop("bsn", None)
        if person["bsn"]:
            victim["bsn"] = person["bsn"]
        _, raw = signal_bytes(policy.store, document, source, at)
        result = route(inbound(source, raw), policy, at)
        assert result.dead_letter is None, result.dead_letter
        for out in result.log:
            record = decode(out.value, policy.store)[1]
            lines.append({"record": record, "person": person, "raw": out.value})
    return lines


def _found(person: Person, lines: list[dict], period: Period = WHOLE_LOG) -> set:
    inzage = Inzage(person, period, {})
    for line in lines:
        inzage.add(line["record"])
    return {(e["event_id"], e["span_id"]) for e in inzage.entries()}


@FAST
@given(
    rules=st.sets(st.sampled_from(RULES), min_size=1).map(frozenset),
    crowd=st.lists(
        st.tuples(
            people(),
            st.integers(0, 10_000),
            st.sampled_from(SOURCES),
            st.integers(0, 20),
        ),
        min_size=2,
        max_size=12,
    ),
    chosen=st.integers(0, 11),
    period_days=st.tuples(st.integers(0, 20), st.integers(0, 20)),
)
def test_inzage_finds_exactly_the_lines_about_one_person(rules, crowd, chosen, period_days):
    policy = _policy(rules)
    lines = _signals(policy, crowd)
    person = crowd[chosen % len(crowd)][0]
    versions = _keyring().verantwoording
    first, last = sorted(period_days)
    period = Period((NOW + dt.timedelta(days=first)).date(), (NOW + dt.timedelta(days=last)).date())

    def same_bsn(p: dict) -> bool:
        return bool(person["bsn"]) and p["bsn"] == person["bsn"]

    def named(p: dict) -> bool:  # the log names by name only when there is no BSN
        return not p["bsn"] and all(p[k] == person[k] for k in ("voornamen", "achternaam"))

    def same_name(p: dict) -> bool:  # asked with a birth date: that one, and name-only lines
        return named(p) and p["geboortedatum"] in (person["geboortedatum"], None)

    def name_alone(p: dict) -> bool:  # asked without one: only lines that name no birth date
        return named(p) and p["geboortedatum"] is None

    def keys(matching, within: Period = WHOLE_LOG) -> set:
        return {
            (line["record"]["event_id"], line["record"]["span_id"])
            for line in lines
            if matching(line["person"]) and within.contains(line["record"]["start_time"])
        }

    if person["bsn"]:
        found = by_bsn(person["bsn"], versions)
        assert _found(found, lines) == keys(same_bsn)
        assert _found(found, lines, period) == keys(same_bsn, period)
    names = f"{person['voornamen']} {person['achternaam']}"
    found = by_name(names.upper(), person["geboortedatum"], versions)  # however it is written
    assert _found(found, lines) == keys(same_name)
    if person["bsn"]:  # asked by both: lines under either identity, each once
        both = either(by_bsn(person["bsn"], versions), found)
        assert _found(both, lines) == keys(same_bsn) | keys(same_name)
    # a redelivered batch repeats lines: each is shown once
    twice = Inzage(found, Period(), {})
    for line in lines + lines:
        twice.add(line["record"])
    assert len(twice.entries()) == len(keys(same_name))


@FAST
@given(
    crowd=st.lists(
        st.tuples(people(), st.integers(0, 10_000), st.sampled_from(SOURCES), st.integers(0, 20)),
        min_size=1,
        max_size=6,
    ),
)
def test_the_log_holds_no_plaintext_of_anyone(crowd):
    policy = _policy(frozenset(RULES))
    lines = _signals(policy, crowd)
    assert lines
    for line in lines:
        person, raw = line["person"], line["raw"]
        text = raw.decode("latin-1").casefold()
        names = f"{person['voornamen']} {person['achternaam']}"
        born = person["geboortedatum"]
        secrets = [names, person["achternaam"], *([born.isoformat()] if born else [])]
        if person["bsn"]:
            secrets.append(person["bsn"])
        for secret in (s for s in secrets if len(s) >= 6):  # shorter: base64 may hold it by chance
            assert secret.casefold() not in text, (secret, line["record"])
        record = line["record"]
        assert record["data_subject_id"].startswith("PS1.k")
        assert ".verantwoording." in record["data_subject_id"]
        # every person gets an id, by the strongest identity the signal names them by
        expected = "BSN" if person["bsn"] else "naam+geboortedatum" if born else "naam"
        assert record["data_subject_id_type"] == expected
        assert line_key(record)[0] == record["event_id"]
