"""Figures for the Nationaal Rapporteur on a real broker: a worker killed mid-period loses no
count, a duplicate and the redelivered batches count once, the closed quarter is published by
itself, a late signal brings a marked correction, and the CLI publishes and shows the cells."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from pipeline import topics
from pipeline.app.process import WorkerProcess, settings_env
from pipeline.app.worker import prepare_cluster
from pipeline.broker.reading import read_to_end
from pipeline.client.publisher import Publisher
from pipeline.codec.framing import encode
from pipeline.ops.accounting import read_ledger, wait_for_ledger
from pipeline.signals.prepare import prepare
from pipeline.statistics.state import PublicationLedger
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import in_utrecht, run_cli

pytestmark = pytest.mark.integration

QUARTER = "2026-K3"


def _signal(factory: SignalFactory, occurred: str) -> dict:
    document = in_utrecht(factory.make("politie", "Signaal").document)
    document["envelope"]["occurred_at"] = document["envelope"]["recorded_at"] = occurred
    return document


def _in_quarter(factory: SignalFactory, n: int) -> list[dict]:
    return [
        _signal(factory, f"2026-08-{1 + i % 28:02d}T10:{i % 60:02d}:00+02:00") for i in range(n)
    ]


def _publications(settings, period: str) -> list:
    ledger = PublicationLedger()
    for record in read_to_end(
        settings, settings.require_bootstrap(), topics.STATISTICS_PUBLICATIONS
    ):
        ledger.learn(record.value)
    return [p for p in ledger.history("midden-nederland/S1", period) if p.complete]


def _wait_for_version(settings, period: str, version: int, worker, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in _publications(settings, period) if p.version == version]
        if found:
            return found[0]
        assert worker.alive, worker.output()[-3000:]
        time.sleep(0.5)
    raise AssertionError(f"version {version} of {period} not published within {timeout} s")


def _total(published) -> int | None:
    table = published.body["tabellen"].index(["leeftijdscategorie"])
    (cell,) = [
        c for c in published.body["cellen"] if c["tabel"] == table and c["adres"] == ["totaal"]
    ]
    return cell["aantal"]


def test_counts_survive_a_kill_count_once_and_a_late_signal_corrects(
    cluster, registry, policy, tmp_path
):
    settings = cluster.model_copy(
        update={
            "router_group_id": f"stats-{uuid.uuid4().hex[:8]}",
            "commit_interval_s": 60.0,  # nothing is committed before the kill: all comes again
            "batch_size": 10,
            "statistics_grace_days": 0.0,
            "statistics_interval_s": 1.0,
        }
    )
    bootstrap = settings.require_bootstrap()
    prepare_cluster(settings, bootstrap, registry, policy)
    factory = SignalFactory(seed=181)
    first = WorkerProcess(settings, tmp_path / "first.log").start()
    second = WorkerProcess(settings, tmp_path / "second.log")
    try:
        with Publisher(settings, bootstrap, "politie", policy.store) as politie:
            ids = {p.event_id for p in politie.publish_many(_in_quarter(factory, 30))}
            wait_for_ledger(settings, bootstrap, policy.store, ids, 60)
            first.kill()  # SIGKILL mid-period: no commit, no clean-up
            batch = _in_quarter(factory, 30)
            # now-dated signals move the event-time watermark past the quarter: it closes
            batch += [factory.make("politie", "Signaal").document for _ in range(3)]
            ids |= {p.event_id for p in politie.publish_many(batch)}
            # a duplicate: another record with the event id of one already counted
            entry, datum = prepare(_in_quarter(factory, 1)[0], "politie", policy.store, factory.now)
            datum["envelope"]["event_id"] = uuid.UUID(sorted(ids)[0])
            politie.send_raw(b"duplicate", encode(entry, datum)).get(timeout=10)
            second.start()
            ledger = wait_for_ledger(settings, bootstrap, policy.store, ids, 90)
            assert ledger.dead_letters["duplicate"].reason == "duplicate_event_id"

            definitive = _wait_for_version(settings, QUARTER, 1, second)
            assert definitive.status == "DEFINITIEF" and definitive.replaces is None
            assert sum(definitive.body["tellingen"].values()) == 60  # each signal exactly once
            assert _total(definitive) == 60

            late = politie.publish(_signal(factory, "2026-09-30T22:00:00+02:00"))
            wait_for_ledger(settings, bootstrap, policy.store, {late.event_id}, 60)
            correction = _wait_for_version(settings, QUARTER, 2, second)
        assert correction.status == "CORRECTIE" and correction.replaces == 1
        assert sum(correction.body["tellingen"].values()) == 61
        assert _total(correction) in (None, 61)  # one late signal: the total may not tell it
    finally:
        first.kill()
        code = second.stop()
    assert code == 0, second.output()[-3000:]

    env = settings_env(settings)
    published = run_cli("statistiek", "publiceer", "--periode", "2026-K4", env=env)
    assert published.returncode == 0, published.stderr
    assert "2026-K4/v1 (VOORLOPIG)" in published.stdout
    shown = run_cli("inbox", "--as", "nationaal-rapporteur", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    cells = [json.loads(line) for line in shown.stdout.splitlines() if line.startswith("{")]
    quarter = [c for c in cells if c["periode"] == QUARTER]
    assert quarter and {(c["versie"], c["status"], c["vervangt"]) for c in quarter} == {
        (2, "CORRECTIE", 1)
    }
    for cell in cells:
        assert (cell["aantal"] is None) == cell["onderdrukt"]
        assert cell["aantal"] is None or cell["aantal"] >= 10
    # every publication is in the disclosure log, for the Rapporteur
    entries = read_ledger(settings, bootstrap, policy.store).disclosures
    logged = {e["event_id"] for e in entries.values() if e["event_type"] == "Statistiek"}
    assert {f"midden-nederland/S1/{QUARTER}/v1", f"midden-nederland/S1/{QUARTER}/v2"} <= logged
