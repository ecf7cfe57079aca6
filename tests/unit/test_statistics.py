"""Statistics rules: checked like record rules, counted once per signal, published in versions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.cli.statistiek import print_statistics
from pipeline.client.inbox import View
from pipeline.codec.framing import decode
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.register import disclosed
from pipeline.errors import CovenantError
from pipeline.privacy.keyring import ephemeral_keyring
from pipeline.registry import load_registry
from pipeline.router.core import route_batch
from pipeline.router.event_index import EventIndex
from pipeline.statistics.facts import Fact, facts_of
from pipeline.statistics.release import decide, outputs, resend, verified
from pipeline.statistics.state import FactState, PublicationLedger, Status
from tests.conftest import NOW
from tests.helpers import in_utrecht, inbound, signal_bytes

RULE = "midden-nederland/S1"


def _problems(directory: Path, store) -> list[str]:
    registry = load_registry(directory)
    with pytest.raises(CovenantError) as err:
        compile_policy(load_covenants(directory), registry, store, ephemeral_keyring(registry.ids))
    return err.value.problems


def _edit(directory: Path, old: str, new: str) -> Path:
    path = directory / "midden-nederland.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path


def _released(ledger: PublicationLedger, out) -> None:
    """A version claimed first and sent completely, as the publisher records it."""
    ledger.learn_claim(out.claim.value)
    ledger.learn(out.done.value)


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_dimension_from_special_category_data_needs_a_basis_that_allows_it(covenant_dir, store):
    _edit(covenant_dir, "  grondslagen:\n", "  grondslagen:\n    gewoon: Alleen gewone gegevens\n")
    path = _edit(covenant_dir, "    grondslag: statistiek ", "    grondslag: gewoon ")
    (problem,) = _problems(covenant_dir, store)
    assert problem.startswith(f"{path}:{_line_of(path, 'grondslag: gewoon')}:")
    assert "S1 telt per uitbuitingsvorm" in problem
    assert "bijzondere persoonsgegevens (AVG art. 9)" in problem
    assert "haal uitbuitingsvorm uit de tabellen" in problem


def test_a_statistics_rule_grants_no_field(covenant_dir, store):
    _edit(
        covenant_dir,
        "    periode: kwartaal ",
        "    velden:\n      slachtoffer.bsn: doorgeven\n    periode: kwartaal ",
    )
    (problem,) = _problems(covenant_dir, store)
    assert "geeft geen velden door, alleen aantallen per cel" in problem


@pytest.mark.parametrize(
    ("setting", "says"),
    [("drempel: 5", "drempel 5 is te laag"), ("drempel: 10\n      afronden: 3", "afronden op 3")],
)
def test_the_threshold_may_only_be_raised_and_rounding_must_keep_it(
    covenant_dir, store, setting, says
):
    _edit(covenant_dir, "      drempel: 10 ", f"      {setting} ")
    (problem,) = _problems(covenant_dir, store)
    assert says in problem


def test_two_rules_counting_the_same_signals_for_one_recipient_are_refused(covenant_dir, store):
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    block = text[text.index("  - id: S1") : text.index("\nregels:\n")]
    second = block.replace("id: S1", "id: S2").replace("      - [leeftijdscategorie]\n", "")
    path.write_text(text.replace("\nregels:\n", f"{second}\nregels:\n", 1))
    (problem,) = _problems(covenant_dir, store)
    assert "S1 en S2 geven nationaal-rapporteur tabellen over dezelfde signalen" in problem


def test_open_dimensions_need_their_categories_and_types_must_have_the_field(covenant_dir, store):
    _edit(covenant_dir, "      - [leeftijdscategorie]\n", "      - [sector]\n")
    _edit(covenant_dir, "    signaaltypen: [Signaal]", "    signaaltypen: [Signaal, Controle]")
    problems = _problems(covenant_dir, store)
    assert any("sector is vrije tekst: noem onder `indeling`" in p for p in problems)
    assert any("Controle heeft geen uitbuitingsvorm" in p for p in problems)


def _routed(policy, documents, source="politie"):
    records, data = [], []
    for offset, document in enumerate(documents):
        datum, raw = signal_bytes(policy.store, document, source, NOW)
        data.append(datum)
        records.append(inbound(source, raw, offset=offset))
    return records, data


def test_each_signal_counts_once_whatever_is_redelivered_or_duplicated(policy, factory):
    records, _ = _routed(policy, [in_utrecht(factory.make("politie", "Signaal").document)])
    original = records[0]
    redelivered = original  # the same record read again after a crash
    duplicate = dataclasses.replace(original, offset=7)  # the same event id, another record
    batch = [original, redelivered, duplicate]
    results = route_batch(batch, policy, NOW, EventIndex())
    facts = facts_of(batch, results, policy, NOW)
    assert results[2].dead_letter is not None  # the duplicate is not routed, so not counted
    assert len(facts) == 2 and facts[0] == facts[1]  # the redelivery writes the same fact again
    state = FactState()
    for fact in facts:
        state.learn(fact.key, fact.value)
    period = Fact.from_record(facts[0].key, facts[0].value).period
    tally, other = state.tallies(RULE, period, policy.statistics[0].definition)
    assert sum(tally.values()) == 1 and other == 0


def test_only_signals_the_covenant_covers_count_in_their_cell(policy, factory):
    utrecht = in_utrecht(factory.make("politie", "Signaal").document)
    utrecht["uitbuitingsvorm"] = "ARBEID"
    utrecht["slachtoffer"] |= {"geslacht": "VROUW", "geboortedatum": "2000-03-01"}
    breda = factory.make("politie", "Signaal").document
    breda["slachtoffer"]["adres"]["gemeentecode"] = "GM0758"  # outside the covenant's area
    early = in_utrecht(factory.make("politie", "Signaal").document)
    early["envelope"]["occurred_at"] = "2025-02-27T10:00:00+01:00"  # before it took effect
    records, _ = _routed(policy, [utrecht, breda, early])
    results = route_batch(records, policy, NOW, EventIndex())
    facts = [Fact.from_record(o.key, o.value) for o in facts_of(records, results, policy, NOW)]
    assert len(facts) == 1
    assert facts[0].period == "2026-K2"
    rule = policy.statistics[0]
    assert dict(zip(rule.dimensions, facts[0].values, strict=True)) == {
        "uitbuitingsvorm": "ARBEID",
        "geslacht": "VROUW",
        "leeftijdscategorie": "23-29",
    }


def _facts(rule, period, cells: dict[tuple[str, ...], int], start: int = 0) -> FactState:
    state = FactState()
    n = start
    for values, count in cells.items():
        for _ in range(count):
            fact = Fact(rule.key, period, f"e{n}", rule.definition, values, 0)
            state.learn(fact.key, fact.to_record().value)
            n += 1
    return state


def test_a_late_signal_yields_a_correction_marked_with_the_version_it_replaces(policy):
    rule = policy.statistics[0]
    cells = {
        ("ARBEID", "VROUW", "23-29"): 14,
        ("ARBEID", "MAN", "30-39"): 12,
        ("SEKSUEEL", "VROUW", "18-22"): 16,
        ("SEKSUEEL", "VROUW", "23-29"): 3,
    }
    facts, ledger = _facts(rule, "2026-K2", cells), PublicationLedger()

    def publish(closed, on_demand=False):
        body = decide(rule, "2026-K2", facts, ledger, closed, on_demand, NOW)
        if body is not None:
            _released(ledger, outputs(body, policy.store))
        return body

    assert publish(closed=False) is None  # an open period is published on demand only
    first = publish(closed=False, on_demand=True)
    assert (first["versie"], first["status"], first["vervangt"]) == (1, Status.VOORLOPIG, None)
    final = publish(closed=True)
    assert (final["versie"], final["status"], final["vervangt"]) == (2, Status.DEFINITIEF, 1)
    assert publish(closed=True) is None and publish(closed=True, on_demand=True) is None
    late = Fact(rule.key, "2026-K2", "late", rule.definition, ("ARBEID", "VROUW", "23-29"), 0)
    facts.learn(late.key, late.to_record().value)
    correction = publish(closed=False)  # once closed, a period stays closed
    assert (correction["versie"], correction["status"], correction["vervangt"]) == (
        3,
        Status.CORRECTIE,
        2,
    )
    out = outputs(correction, policy.store)
    cells_out = [
        decode(r.value, policy.store)[1] for r in out.records if r.topic.startswith("inbox.")
    ]
    assert {(c["status"], c["vervangt"], c["versie"]) for c in cells_out} == {("CORRECTIE", 2, 3)}
    assert all(c["aantal"] is None or c["aantal"] >= 10 for c in cells_out)
    (log,) = [
        decode(r.value, policy.store)[1] for r in out.records if r.topic.endswith("verantwoording")
    ]
    assert (
        log["recipient"] == "nationaal-rapporteur"
        and log["reason"] == "correctie; vervangt versie 2"
    )
    # the log names the statistics rule's activity; the register says it gives counts only
    assert set(disclosed(log, policy.register)) == {
        "uitbuitingsvorm",
        "geslacht",
        "leeftijdscategorie",
        "aantal",
    }
    assert set(disclosed(log, policy.register).values()) == {"statistiek"}
    # the change (one late signal) is protected: its cells are not all shown in both versions
    grand_total = [
        c
        for c in cells_out
        if c["tabel"] == "leeftijdscategorie" and c["leeftijdscategorie"] == "totaal"
    ]
    assert grand_total[0]["onderdrukt"]


def test_inbox_shows_one_json_object_per_cell_of_the_latest_version(policy, capsys):
    rule = policy.statistics[0]
    facts = _facts(
        rule, "2026-K2", {("ARBEID", "VROUW", "23-29"): 25, ("SEKSUEEL", "MAN", "30-39"): 4}
    )
    ledger = PublicationLedger()
    views = []
    for closed in (False, True):
        body = decide(rule, "2026-K2", facts, ledger, closed, True, NOW)
        out = outputs(body, policy.store)
        _released(ledger, out)
        for r in out.records:
            if r.topic == "inbox.nationaal-rapporteur":
                entry, datum = decode(r.value, policy.store)
                views.append(View(r.key.decode(), entry.name, datum, 0, 0))
    assert print_statistics(views, as_json=True) == []
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(views) // 2  # the latest version only
    assert {line["versie"] for line in lines} == {2}
    total = next(x for x in lines if x.get("leeftijdscategorie") == "totaal")
    assert set(total) == {
        "periode",
        "leeftijdscategorie",
        "aantal",
        "onderdrukt",
        "versie",
        "status",
        "vervangt",
    }
    assert total["aantal"] == 29 and total["onderdrukt"] is False
    for line in lines:
        assert (line["aantal"] is None) == line["onderdrukt"]
        assert line["aantal"] is None or line["aantal"] >= 10


def test_period_labels():
    from pipeline.statistics.periods import Periodesoort, parse_period, period_of

    moment = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)  # 1 January 2027 in Dutch time
    assert period_of(moment, Periodesoort.KWARTAAL).label == "2027-K1"
    assert parse_period("2026-11").end == parse_period("2026-12").start
    assert parse_period("2026-q4").label == "2026-K4"
    with pytest.raises(ValueError, match="not a month"):
        parse_period("november")


def test_an_interrupted_publication_is_sent_again_only_as_disclosure_control_made_it(policy):
    rule = policy.statistics[0]
    facts = _facts(
        rule, "2026-K2", {("ARBEID", "VROUW", "23-29"): 25, ("SEKSUEEL", "MAN", "30-39"): 4}
    )
    ledger = PublicationLedger()
    body = decide(rule, "2026-K2", facts, ledger, True, True, NOW)
    ledger.learn_claim(outputs(body, policy.store).claim.value)  # claimed, then the worker died
    (interrupted,) = resend(ledger)
    assert verified(interrupted.body, policy.statistics, ledger)
    # someone who can write the claims topic fills in a suppressed cell: refused
    tampered = json.loads(outputs(body, policy.store).claim.value)
    small = next(c for c in tampered["cellen"] if c["onderdrukt"])
    small |= {"aantal": 4, "onderdrukt": False}
    assert not verified(tampered, policy.statistics, ledger)


def test_a_signal_from_the_future_moves_no_period_closer(policy, factory):
    future = in_utrecht(factory.make("politie", "Signaal").document)
    future["envelope"]["occurred_at"] = future["envelope"]["recorded_at"] = (
        "2026-12-31T12:00:00+00:00"
    )
    # a partner's clock (or a hostile partner) far ahead: the client would refuse, so bypass it
    _, raw = signal_bytes(policy.store, future, "politie", dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    records = [inbound("politie", raw)]
    results = route_batch(records, policy, NOW, EventIndex())
    assert results[0].dead_letter is not None  # refused by the router: no fact, no watermark
    assert facts_of(records, results, policy, NOW) == []
