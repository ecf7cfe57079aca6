"""Figures for the Nationaal Rapporteur on a real broker: a worker killed mid-period loses no
count, a duplicate and the redelivered batches count once, the closed quarter is published by
itself, a late signal brings a marked correction, and the CLI publishes and shows the cells."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from pipeline import topics
from pipeline.app.process import WorkerProcess, settings_env
from pipeline.app.statistics import StatisticsPublisher
from pipeline.app.worker import prepare_cluster
from pipeline.broker.connection import aiokafka_config
from pipeline.broker.reading import read_to_end
from pipeline.cli.statistiek import DIMENSIONS, release_lines
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.codec.framing import encode
from pipeline.ops.accounting import read_ledger, wait_for_ledger
from pipeline.signals.prepare import prepare
from pipeline.statistics.claims import Outcome, Role, Verdict, claimed
from pipeline.statistics.facts import Fact
from pipeline.statistics.periods import parse_period
from pipeline.statistics.release import STATISTIEK_SCHEMA, outputs, space_of
from pipeline.statistics.state import PublicationLedger
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import in_utrecht, run_cli
from tests.property.test_suppression_properties import attacker_range, cell_vector, whole_width

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
    bootstrap = settings.require_bootstrap()
    for record in read_to_end(settings, bootstrap, topics.STATISTICS_CLAIMS):
        ledger.learn_claim(record.value, record.offset)
    for record in read_to_end(settings, bootstrap, topics.STATISTICS_PUBLICATIONS):
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


# -- Attack 6 of issue 26: two publishers of one period at once ------------------------------

RACE_PERIOD, THREE_PERIOD, CRASH_PERIOD, FORGED_PERIOD = "2025-K1", "2025-K2", "2025-K3", "2025-K4"
#: microcell (uitbuitingsvorm, geslacht, leeftijdscategorie) -> signals; every cell that holds
#: the late signal is shown while it is alone
RACE_CELLS = {
    ("ARBEID", "VROUW", "23-29"): 14,
    ("ARBEID", "MAN", "30-39"): 12,
    ("SEKSUEEL", "VROUW", "18-22"): 16,
    ("SEKSUEEL", "VROUW", "23-29"): 11,
}
LATE_CELL = ("ARBEID", "VROUW", "23-29")


class Paused(StatisticsPublisher):
    """A real publisher that, once armed, stops after its next read of the topics until the
    test lets it go on: the test decides who read what, and who claims first."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.armed = False
        self.paused = asyncio.Event()
        self.go = asyncio.Event()

    async def catch_up(self, past_claim=None) -> None:
        await super().catch_up(past_claim)
        if self.armed:
            self.armed = False
            self.paused.set()
            await self.go.wait()


def _occurred_ms(period: str) -> int:
    return int(parse_period(period).start.timestamp() * 1000) + 86_400_000


async def _count(settings, rule, period: str, cells: dict) -> None:
    """Facts as the router writes them after routing a signal (pipeline.statistics.facts)."""
    producer = AIOKafkaProducer(**aiokafka_config(settings, settings.require_bootstrap()))
    await producer.start()
    try:
        for values, n in cells.items():
            for _ in range(n):
                fact = Fact(
                    rule.key,
                    period,
                    str(uuid.uuid4()),
                    rule.definition,
                    values,
                    _occurred_ms(period),
                )
                record = fact.to_record()
                await producer.send_and_wait(record.topic, record.value, key=record.key)
    finally:
        await producer.stop()


def _publisher(settings, role: Role, takeover_s: float = 30.0) -> Paused:
    client = aiokafka_config(settings, settings.require_bootstrap())
    return Paused(client, settings.request_timeout_s, role, dt.timedelta(seconds=takeover_s))


def _one_table_per_name(settings, period: str) -> list[str]:
    """The names of what the Rapporteur's inbox holds for ``period``, each of which must have
    been sent as one table: one value per cell (a publication sent again repeats its cells)."""
    cells: dict[str, dict[tuple, set]] = {}
    for view in read_inbox(settings, settings.require_bootstrap(), "nationaal-rapporteur"):
        d = view.datum
        if view.schema_name != STATISTIEK_SCHEMA or d["periode"] != period:
            continue
        identity = (d["tabel"], *(d[k] for k in DIMENSIONS))
        cells.setdefault(d["publicatie_id"], {}).setdefault(identity, set()).add(
            (d["aantal"], d["onderdrukt"], d["versie"], d["status"], d["vervangt"])
        )
    for name, table in cells.items():
        two = {cell: values for cell, values in table.items() if len(values) > 1}
        assert not two, f"{name}: the Rapporteur holds two different tables: {two}"
    return sorted(cells)


def _audited(settings, rule, period: str, late: tuple[str, ...]) -> list[dict]:
    """Every version of ``period`` as claimed first; the one late signal's cell can be narrowed
    down by an attacker holding all of them no more than the protection level allows."""
    publisher = StatisticsPublisher(
        aiokafka_config(settings, settings.require_bootstrap()), settings.request_timeout_s
    )
    asyncio.run(_read(publisher))
    bodies = [p.body for p in publisher.ledger.history(rule.key, period)]
    space = space_of(rule)
    versions = [
        space.counts({tuple(k.split("\x1f")): n for k, n in b["tellingen"].items()}) for b in bodies
    ]
    index = {cell.key: i for i, cell in enumerate(space.cells)}
    published = [
        frozenset(index[tuple(tuple(p) for p in c["cel"])] for c in b["cellen_getoond"])
        for b in bodies
    ]
    micro = space.microcell(late)
    for since in range(len(versions)):
        for version in range(since + 1, len(versions)):
            for cell, item in enumerate(space.cells):
                change = int(
                    versions[version][item.members].sum() - versions[since][item.members].sum()
                )
                if micro not in item.members or not 0 < change < rule.control.threshold:
                    continue
                vector = cell_vector(space, len(versions), cell, version, since)
                low, high = attacker_range(space, versions, published, vector)
                assert whole_width(low, high) >= rule.control.protection, (
                    f"v{since + 1} -> v{version + 1} tells the change of {item.key}: [{low}, {high}]"
                )
    return bodies


async def _read(publisher: StatisticsPublisher) -> None:
    await publisher.start()
    await publisher.stop()


def test_two_publishers_of_one_period_never_release_two_tables_under_one_name(
    cluster, registry, policy
):
    """Attack 6 of issue 26: `statistiek publiceer` and the worker's periodic task publish one
    period at the same moment, one signal counted between their reads. Before, both sent
    `.../v1`, two different tables; their difference gave that signal's exact cell in three
    tables. Now the claim that comes first is v1; the other says so, and builds v2 on it,
    audited against v1. Then two CLIs and a worker at once: one publishes v1, the others say
    so."""
    settings = cluster.model_copy(update={"statistics_grace_days": 0.0})
    bootstrap = settings.require_bootstrap()
    prepare_cluster(settings, bootstrap, registry, policy)
    rule = policy.statistics[0]
    grace = dt.timedelta(0)

    async def race() -> tuple[list, list, Paused, Paused]:
        await _count(settings, rule, RACE_PERIOD, RACE_CELLS)
        cli, worker = _publisher(settings, Role.CLI), _publisher(settings, Role.WORKER)
        await cli.start()
        await worker.start()
        try:
            cli.armed = worker.armed = True
            by_cli = asyncio.create_task(cli.publish_due(policy, grace, RACE_PERIOD))
            await cli.paused.wait()  # the CLI has read the counts ...
            await _count(settings, rule, RACE_PERIOD, {LATE_CELL: 1})  # ... one more signal ...
            by_worker = asyncio.create_task(worker.publish_due(policy, grace, RACE_PERIOD))
            await worker.paused.wait()  # ... and the worker has read them with it
            cli.go.set()
            cli_releases = await by_cli  # the CLI claims v1 first
            worker.go.set()
            return cli_releases, await by_worker, cli, worker
        finally:
            await cli.stop()
            await worker.stop()

    cli_releases, worker_releases, cli, worker = asyncio.run(race())
    assert _one_table_per_name(settings, RACE_PERIOD) == [
        f"{rule.key}/{RACE_PERIOD}/v1",
        f"{rule.key}/{RACE_PERIOD}/v2",
    ]
    assert [(r.outcome, r.name) for r in cli_releases] == [
        (Outcome.PUBLISHED, f"{rule.key}/{RACE_PERIOD}/v1")
    ]
    assert [(r.outcome, r.name) for r in worker_releases] == [
        (Outcome.BY_ANOTHER, f"{rule.key}/{RACE_PERIOD}/v1"),
        (Outcome.PUBLISHED, f"{rule.key}/{RACE_PERIOD}/v2"),
    ]
    assert worker_releases[0].publisher == cli.me  # the worker names who published v1
    assert "by another `statistiek publiceer` on" in "\n".join(release_lines(worker_releases))
    first, second = _audited(settings, rule, RACE_PERIOD, LATE_CELL)
    assert sum(first["tellingen"].values()) == sum(RACE_CELLS.values())
    assert sum(second["tellingen"].values()) == sum(RACE_CELLS.values()) + 1
    assert second["vervangt"] == 1  # built on the CLI's v1, not beside it
    (lost,) = [r for r in worker.ledger.rejected if r.name.startswith(f"{rule.key}/{RACE_PERIOD}")]
    assert lost.verdict is Verdict.TAKEN and lost.body["uitgever"]["id"] == worker.me.id

    async def three_at_once() -> list:
        await _count(settings, rule, THREE_PERIOD, RACE_CELLS)
        publishers = [_publisher(settings, role) for role in (Role.CLI, Role.CLI, Role.WORKER)]
        for publisher in publishers:
            await publisher.start()
        try:
            return await asyncio.gather(
                *(p.publish_due(policy, grace, THREE_PERIOD) for p in publishers)
            )
        finally:
            for publisher in publishers:
                await publisher.stop()

    outcomes = asyncio.run(three_at_once())  # in whatever order the event loop runs them
    assert _one_table_per_name(settings, THREE_PERIOD) == [f"{rule.key}/{THREE_PERIOD}/v1"]
    assert sorted((r.outcome, r.name) for rs in outcomes for r in rs) == sorted(
        [(Outcome.PUBLISHED, f"{rule.key}/{THREE_PERIOD}/v1")]
        + [(Outcome.BY_ANOTHER, f"{rule.key}/{THREE_PERIOD}/v1")] * 2
    )


def test_a_claim_whose_publisher_died_is_sent_as_claimed_and_a_forged_one_never(
    cluster, registry, policy
):
    """A publisher killed between its claim and its records blocks nothing: the next one sends
    that claim exactly as claimed (after the takeover time), and when the first comes back to
    life (a paused process, not a dead one) it sends the same table again. A claim with a
    suppressed cell filled in (written with the router's rights: the ACLs let no one else
    write the claims topic) is never sent; the period goes on after it, audited against it."""
    settings = cluster.model_copy(update={"statistics_grace_days": 0.0})
    bootstrap = settings.require_bootstrap()
    prepare_cluster(settings, bootstrap, registry, policy)
    rule = policy.statistics[0]
    grace = dt.timedelta(0)
    crashed, forged_period = f"{rule.key}/{CRASH_PERIOD}", f"{rule.key}/{FORGED_PERIOD}"

    async def scenario() -> tuple[list, list]:
        await _count(settings, rule, CRASH_PERIOD, RACE_CELLS)
        await _count(settings, rule, FORGED_PERIOD, RACE_CELLS)
        dying, rescuer = _publisher(settings, Role.WORKER), _publisher(settings, Role.CLI, 0.0)
        await dying.start()
        await rescuer.start()
        try:
            # the dying worker decides and claims v1, then stops before any record is sent
            (body,) = dying._due(policy, grace, CRASH_PERIOD)
            out = outputs(claimed(body, dying.me), policy.store)
            await dying._producer.send_and_wait(out.claim.topic, out.claim.value, key=out.claim.key)
            rescued = await rescuer.publish_due(policy, grace, CRASH_PERIOD)
            await dying._release(out)  # it was only paused: it sends what it claimed

            (forged,) = dying._due(policy, grace, FORGED_PERIOD)
            cell = next(c for c in forged["cellen"] if c["onderdrukt"])
            cell |= {"aantal": 4, "onderdrukt": False}
            claim = outputs(forged, policy.store).claim
            await dying._producer.send_and_wait(claim.topic, claim.value, key=claim.key)
            return rescued, await rescuer.publish_due(policy, grace, FORGED_PERIOD)
        finally:
            await dying.stop()
            await rescuer.stop()

    rescued, after_forgery = asyncio.run(scenario())
    assert [(r.outcome, r.name) for r in rescued] == [(Outcome.RESENT, f"{crashed}/v1")]
    assert "stopped before sending all of it; sent it now, exactly as claimed" in "\n".join(
        release_lines(rescued)
    )
    # v1 twice (by the rescuer, then by its own publisher): one and the same table
    assert _one_table_per_name(settings, CRASH_PERIOD) == [f"{crashed}/v1"]
    assert [(r.outcome, r.name) for r in after_forgery] == [
        (Outcome.REFUSED, f"{forged_period}/v1"),
        (Outcome.PUBLISHED, f"{forged_period}/v2"),
    ]
    assert _one_table_per_name(settings, FORGED_PERIOD) == [f"{forged_period}/v2"]
    env = settings_env(settings) | {"KETENSTROOM_STATISTICS_TAKEOVER_S": "0"}
    shown = run_cli("statistiek", "publiceer", "--periode", FORGED_PERIOD, env=env)
    assert shown.returncode == 4, shown.stdout + shown.stderr  # a refused claim is news
    assert f"{forged_period}/v1" in shown.stdout and "was NOT sent" in shown.stdout
