"""`make bench`: pipeline throughput against a no-op forwarder on the same broker, and route() cost.

Prints a table and writes JSON (bench-results.json). Measured, never asserted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer
from rich.console import Console
from rich.table import Table

from pipeline import topics
from pipeline.app.process import WorkerProcess
from pipeline.app.worker import load_policy, prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker
from pipeline.codec.framing import encode
from pipeline.demo import EMBEDDED_TIMINGS, with_dev_keys
from pipeline.router.core import route
from pipeline.router.records import Inbound
from pipeline.settings import Settings
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory

RECORDS = 20_000
REPEATS = 3
ROOT = Path(__file__).resolve().parents[2]
console = Console()


def make_inputs(policy, count: int) -> tuple[list[Inbound], int]:
    """Encoded politie signals (three or more views each) and how many log records they yield."""
    now = dt.datetime.now(dt.UTC)
    factory = SignalFactory(seed=99, now=now)
    inputs = []
    for _ in range(count):
        entry, datum = prepare(
            factory.make("politie", "Signaal").document, "politie", policy.store, now
        )
        inputs.append(
            Inbound(
                topics.inbound("politie"),
                0,
                0,
                str(datum["envelope"]["event_id"]).encode(),
                encode(entry, datum),
            )
        )
    logs = sum(len(route(i, policy, now).log) for i in inputs)
    return inputs, logs


def bench_route(policy, inputs: list[Inbound]) -> dict[str, float]:
    now = dt.datetime.now(dt.UTC)
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for record in inputs:
            route(record, policy, now)
        runs.append((time.perf_counter() - started) / len(inputs) * 1e6)
    views = Counter(len(route(i, policy, now).deliveries) for i in inputs[:100])
    return {"us_per_signal": statistics.median(runs), "views_per_signal": max(views)}


def produce(bootstrap: str, topic: str, inputs: list[Inbound]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256_000
    )
    for record in inputs:
        producer.send(topic, key=record.key, value=record.value)
    producer.flush()
    producer.close()


async def _count(
    bootstrap: str, topic: str, expected: int, timeout: float, alive: Callable[[], bool]
) -> float:
    """Seconds between the first and the last of ``expected`` records appearing on ``topic``;
    fails at once if the process producing them (``alive``) has died."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen, first = 0, None
    deadline = time.monotonic() + timeout
    try:
        while seen < expected:
            if not alive():
                raise RuntimeError(f"the process writing {topic} died after {seen} records")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"only {seen} of {expected} records on {topic} after {timeout:.0f} s"
                )
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            got = sum(len(b) for b in batches.values())
            if got and first is None:
                first = time.monotonic()
            seen += got
        return time.monotonic() - (first or time.monotonic())
    finally:
        await consumer.stop()


def count(
    bootstrap: str, topic: str, expected: int, alive: Callable[[], bool], timeout: float = 600
) -> float:
    return asyncio.run(_count(bootstrap, topic, expected, timeout, alive))


def bench_noop(bootstrap: str, inputs: list[Inbound]) -> float:
    source, target = f"bench.in.{uuid.uuid4().hex[:6]}", f"bench.out.{uuid.uuid4().hex[:6]}"
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(source, 3, 1), NewTopic(target, 3, 1)])
    admin.close()
    produce(bootstrap, source, inputs)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.noop_forwarder", bootstrap, source, target],
        cwd=ROOT,
    )
    try:
        seconds = count(bootstrap, target, len(inputs), lambda: child.poll() is None)
    finally:
        child.terminate()
        child.wait(20)
    return (len(inputs) - 1) / seconds


def bench_pipeline(
    bootstrap: str, inputs: list[Inbound], logs: int, settings: Settings, workdir: Path
) -> float:
    produce(bootstrap, topics.inbound("politie"), inputs)
    worker = WorkerProcess(settings, workdir / "worker.log", loglevel="warning").start()
    try:
        seconds = count(bootstrap, topics.DISCLOSURE_LOG, logs, lambda: worker.alive)
    finally:
        worker.stop()
    return (len(inputs) - 1) / seconds


def one_round(inputs: list[Inbound], logs: int, workdir: Path) -> tuple[float, float]:
    """Baseline and pipeline on one fresh broker, so both start from empty topics."""
    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        settings = with_dev_keys(
            Settings(broker="external", bootstrap_servers=bootstrap, **EMBEDDED_TIMINGS), workdir
        )
        registry, policy = load_policy(settings)
        prepare_cluster(settings, bootstrap, registry, policy)
        return bench_noop(bootstrap, inputs), bench_pipeline(
            bootstrap, inputs, logs, settings, workdir
        )


def main() -> None:
    noop, pipeline = [], []
    with tempfile.TemporaryDirectory() as tmp:
        _, policy = load_policy(with_dev_keys(Settings(), Path(tmp)))
        console.print(f"Preparing {RECORDS} signals ...")
        inputs, logs = make_inputs(policy, RECORDS)
        core = bench_route(policy, inputs[:5000])
        for round_no in range(REPEATS):
            a, b = one_round(inputs, logs, Path(tmp))
            console.print(f"round {round_no + 1}: no-op {a:,.0f} rec/s, pipeline {b:,.0f} rec/s")
            noop.append(a)
            pipeline.append(b)
    results = {
        "records": RECORDS,
        "repeats": REPEATS,
        "noop_forwarder_records_per_s": statistics.median(noop),
        "pipeline_records_per_s": statistics.median(pipeline),
        "ratio": statistics.median(pipeline) / statistics.median(noop),
        "route_us_per_signal": core["us_per_signal"],
        "views_per_signal": core["views_per_signal"],
        "runs": {"noop": noop, "pipeline": pipeline},
    }
    table = Table(
        title=f"ketenstroom benchmark ({RECORDS} politie signals, median of {REPEATS}, embedded broker)"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("per record", justify="right")
    table.add_row(
        "(a) no-op aiokafka forwarder (baseline)",
        f"{results['noop_forwarder_records_per_s']:,.0f} rec/s",
        f"{1e6 / results['noop_forwarder_records_per_s']:,.1f} µs",
    )
    table.add_row(
        "(b) full pipeline (Faust worker, route, views, log, commit)",
        f"{results['pipeline_records_per_s']:,.0f} rec/s",
        f"{1e6 / results['pipeline_records_per_s']:,.1f} µs",
    )
    table.add_row("    ratio b/a", f"{results['ratio']:.1%}", "")
    table.add_row(
        f"(c) pure route() core, {results['views_per_signal']} views",
        "",
        f"{results['route_us_per_signal']:,.1f} µs",
    )
    console.print(table)
    out = ROOT / "bench-results.json"
    out.write_text(json.dumps(results, indent=2))
    console.print(f"JSON: {out}")


if __name__ == "__main__":
    main()
