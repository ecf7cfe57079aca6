"""Who publishes a version (pipeline/statistics/claims.py and the ledger that applies it): the
first claim to a name is the version, whoever sends what; pure, no broker."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.cli.statistiek import release_lines
from pipeline.statistics.claims import (
    Outcome,
    Publisher,
    Release,
    Role,
    Verdict,
    claimed,
    takeover_at,
    verdict,
)
from pipeline.statistics.facts import Fact
from pipeline.statistics.release import decide, outputs, resend, verified
from pipeline.statistics.state import FactState, PublicationLedger, Rejected, Status
from tests.conftest import NOW
from tests.unit.test_statistics import _facts as counted

PERIOD = "2026-K2"
CELLS = {
    ("ARBEID", "VROUW", "23-29"): 14,
    ("ARBEID", "MAN", "30-39"): 12,
    ("SEKSUEEL", "VROUW", "18-22"): 16,
    ("SEKSUEEL", "VROUW", "23-29"): 3,
}
LATE = ("ARBEID", "VROUW", "23-29")


def _facts(rule, cells) -> FactState:
    return counted(rule, PERIOD, cells)


def _count_late(rule, facts: FactState) -> None:
    late = Fact(rule.key, PERIOD, "late", rule.definition, LATE, 0)
    facts.learn(late.key, late.to_record().value)


def test_the_first_claim_to_a_version_is_that_version_whoever_sends_what(policy):
    """Attack 6 of issue 26, the decision: the worker and `statistiek publiceer` both decide
    v1, one signal apart. Whatever order their records take, the version is the claim that
    came first; the other's "done" does not make its table v1; it decides again, on top of
    v1 and audited against it, even before v1 is complete."""
    rule = policy.statistics[0]
    facts, ledger = _facts(rule, CELLS), PublicationLedger()
    worker, cli = Publisher.here(Role.WORKER), Publisher.here(Role.CLI)
    theirs = claimed(decide(rule, PERIOD, facts, ledger, True, True, NOW), worker)
    _count_late(rule, facts)
    ours = claimed(decide(rule, PERIOD, facts, ledger, True, True, NOW), cli)
    name = f"{rule.key}/{PERIOD}/v1"
    assert theirs["publicatie_id"] == ours["publicatie_id"] == name
    assert theirs["cellen"] != ours["cellen"]  # two tables: their difference is the signal

    first, second = outputs(theirs, policy.store), outputs(ours, policy.store)
    won = ledger.learn_claim(first.claim.value, 40)
    lost = ledger.learn_claim(second.claim.value, 41)
    assert won is not None and not isinstance(won, Rejected) and won.offset == 40
    assert isinstance(lost, Rejected) and lost.verdict is Verdict.TAKEN and lost.name == name
    assert ledger.winner(name) == won and Publisher.of(won.body) == worker
    # the loser's "done" (a bug, a forger) completes nothing; the winner's does
    ledger.learn(second.done.value)
    assert resend(ledger) == [won]
    assert verified(won.body, policy.statistics, ledger)

    # decided again before v1 is complete: v2, audited against v1 all the same
    again = decide(rule, PERIOD, facts, ledger, True, True, NOW)
    assert again is not None and (again["versie"], again["vervangt"]) == (2, None)
    grand_total = next(
        c for c in again["cellen"] if c["adres"] == ["totaal"] and len(c["adres"]) == 1
    )
    assert grand_total["onderdrukt"]  # v2 - v1 = one signal: the total may not tell it

    ledger.learn(first.done.value)
    assert resend(ledger) == [] and ledger.history(rule.key, PERIOD)[0].complete
    after = decide(rule, PERIOD, facts, ledger, True, True, NOW)
    assert after is not None and (after["versie"], after["vervangt"]) == (2, 1)
    assert after["status"] == Status.CORRECTIE


def test_a_claim_is_learnt_once_in_order_and_never_skips_a_version(policy):
    rule = policy.statistics[0]
    facts, ledger = _facts(rule, CELLS), PublicationLedger()
    body = claimed(decide(rule, PERIOD, facts, ledger, True, True, NOW), Publisher.here(Role.CLI))
    claim = outputs(body, policy.store).claim.value
    assert not isinstance(ledger.learn_claim(claim, 3), Rejected)
    assert ledger.learn_claim(claim, 3) is None  # fetched again: not learnt twice
    assert isinstance(ledger.learn_claim(claim, 4), Rejected)  # the same claim again: taken
    # a claim to v3 while only v1 exists was not audited against v2: no version
    skipping = json.loads(claim) | {"versie": 3, "publicatie_id": f"{rule.key}/{PERIOD}/v3"}
    rejected = ledger.learn_claim(json.dumps(skipping).encode())
    assert isinstance(rejected, Rejected) and rejected.verdict is Verdict.OUT_OF_ORDER
    # a name that is not its version, a claim marked complete, no value: malformed
    for bad in (
        json.loads(claim) | {"versie": 2},
        json.loads(claim) | {"klaar": True},
    ):
        assert ledger.learn_claim(json.dumps(bad).encode()) is None
    assert ledger.learn_claim(None) is None and ledger.malformed == 3
    assert [p.version for p in ledger.history(rule.key, PERIOD)] == [1]


@pytest.mark.parametrize(
    ("version", "before", "expected"),
    [(1, 0, Verdict.WON), (2, 1, Verdict.WON), (1, 1, Verdict.TAKEN), (3, 1, Verdict.OUT_OF_ORDER)],
)
def test_verdicts(version, before, expected):
    assert verdict(version, before) is expected


def test_a_publisher_that_stopped_is_taken_over_after_the_takeover_time():
    body = {"gepubliceerd_op": "2026-05-01T10:00:00+00:00"}
    at = takeover_at(body, dt.timedelta(seconds=30))
    assert at == dt.datetime(2026, 5, 1, 10, 0, 30, tzinfo=dt.UTC)


def test_statistiek_publiceer_says_in_plain_words_what_happened(policy):
    rule = policy.statistics[0]
    facts, ledger = _facts(rule, CELLS), PublicationLedger()
    worker = Publisher("a" * 32, "worker", "router-0", 17)
    body = claimed(decide(rule, PERIOD, facts, ledger, True, True, NOW), worker)
    name = body["publicatie_id"]
    lines = release_lines(
        [
            Release(Outcome.BY_ANOTHER, body),
            Release(Outcome.PUBLISHED, body | {"versie": 2, "vervangt": 1}),
            Release(Outcome.RESENT, body),
            Release(Outcome.REFUSED, body),
        ]
    )
    assert lines[0].startswith(f"{name} was published a moment ago, at ")
    assert "by the worker on router-0 (process 17); it stands" in lines[0]
    assert "it stands as they published it" in lines[0]
    assert "`ketenstroom inbox --as nationaal-rapporteur` shows it" in lines[0]
    assert lines[1].startswith(f"published {name} (") and "replaces version 1" in lines[1]
    assert "stopped before sending all of it; sent it now, exactly as claimed" in lines[2]
    assert "was NOT sent" in lines[3]
    assert release_lines([]) == [
        "nothing new to publish: every period asked for stands as published"
    ]
