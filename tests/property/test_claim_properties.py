"""Claims to publication versions under any interleaving of publishers (pipeline.statistics.
claims and the ledger that applies them): one version per name, versions 1, 2, 3, ... without
a gap, each built on exactly the versions before it, and what a publisher concludes from the
log up to its own claim is what everyone concludes from the whole log, now and later."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.statistics.state import PublicationLedger, Published, Rejected

RULE, PERIOD = "c/S1", "2026-K4"


def _ledger(log: list[bytes]) -> PublicationLedger:
    ledger = PublicationLedger()
    for offset, value in enumerate(log):
        ledger.learn_claim(value, offset)
    return ledger


def _claim(publisher: int, read: list[bytes], attempt: int) -> bytes:
    """What a publisher claims after reading ``read``: the next version, built on (audited
    against) every version it found."""
    known = _ledger(read).history(RULE, PERIOD)
    version = len(known) + 1
    return json.dumps(
        {
            "publicatie_id": f"{RULE}/{PERIOD}/v{version}",
            "regel": RULE,
            "periode": PERIOD,
            "versie": version,
            "vervangt": None,
            "status": "VOORLOPIG",
            "klaar": False,
            "basis": [p.body["uitgever"] for p in known],
            "uitgever": f"{publisher}.{attempt}",
        }
    ).encode()


#: A schedule: which publisher acts, and whether it reads the log or claims from what it read.
schedules = st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(schedules)
def test_any_interleaving_gives_one_version_per_name_each_built_on_all_before(schedule):
    log: list[bytes] = []
    seen = [0, 0, 0, 0]  # how much of the log each publisher has read
    mine: list[tuple[int, bytes]] = []  # (offset, claim) of every claim made
    for attempt, (publisher, reads) in enumerate(schedule):
        if reads:
            seen[publisher] = len(log)
        else:
            claim = _claim(publisher, log[: seen[publisher]], attempt)
            mine.append((len(log), claim))
            log.append(claim)
    final = _ledger(log)
    versions = final.history(RULE, PERIOD)
    assert [p.version for p in versions] == list(range(1, len(versions) + 1))
    for n, version in enumerate(versions):
        # built on exactly the versions before it: it was audited against every one of them
        assert version.body["basis"] == [p.body["uitgever"] for p in versions[:n]]
    for offset, claim in mine:
        # the publisher reads the log back past its own claim and decides; so does everyone,
        # with any longer log: the same answer (no later claim can come before it)
        prefix = _ledger(log[: offset + 1])
        name = json.loads(claim)["publicatie_id"]
        won_then = (w := prefix.winner(name)) is not None and w.offset == offset
        won_now = (w := final.winner(name)) is not None and w.offset == offset
        assert won_then == won_now
    names = [json.loads(c)["publicatie_id"] for _, c in mine]
    for name in set(names):
        assert isinstance(final.winner(name), Published)  # every name claimed has its version
    # every claim is a version or a rejected claim, never lost and never both
    assert len(final.rejected) + len(versions) == len(mine)
    assert all(isinstance(r, Rejected) for r in final.rejected)
