"""(a) the no-op forwarders and (b) the full pipeline, in records per second; the producing,
counting and child-process helpers every contender's measure uses (peers.py too)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline import topics
from pipeline.app.process import WorkerProcess
from pipeline.broker.embedded import free_port
from pipeline.ops.metrics import PHASES, Sample, scrape
from pipeline.router.records import Inbound
from pipeline.settings import Settings
from tests.benchmarks.cluster import ready_workers
from tests.benchmarks.memory import MemorySampler

ROOT = Path(__file__).resolve().parents[2]
#: The no-op forwarder of each client: read -> send -> commit, no work.
NOOP_FORWARDERS = {
    "aiokafka": "tests.benchmarks.noop_forwarder",
    "confluent-kafka": "tests.benchmarks.noop_forwarder_confluent",
}


def produce(bootstrap: str, topic: str, inputs: list[Inbound]) -> None:
    """Append ``inputs`` to ``topic`` (kafka-python, batched) and wait for every acknowledgement."""
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
    """Seconds between the first and the last of ``expected`` records on ``topic``, by their
    CreateTime (when the process writing them sent them; independent of how this reader's
    fetches batch them). Fails at once if that process (``alive``) has died."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen, first, last = 0, float("inf"), 0.0
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
            for records in batches.values():
                seen += len(records)
                first = min([first, *(r.timestamp for r in records)])
                last = max([last, *(r.timestamp for r in records)])
        return max(last - first, 1) / 1000  # CreateTime is in ms
    finally:
        await consumer.stop()


def count(
    bootstrap: str, topic: str, expected: int, alive: Callable[[], bool], timeout: float = 600
) -> float:
    """Seconds between the first and the last of ``expected`` records on ``topic`` (CreateTime)."""
    return asyncio.run(_count(bootstrap, topic, expected, timeout, alive))


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    """Create ``names`` with ``partitions`` partitions each (never rely on auto-creation)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    admin.close()


def run_child(module: str, args: list[str], bootstrap: str, topic: str, expected: int) -> float:
    """Seconds that ``python -m module BOOTSTRAP *args`` takes to write ``expected`` records
    to ``topic`` (see ``count``); the child is stopped afterwards."""
    child = subprocess.Popen([sys.executable, "-m", module, bootstrap, *args], cwd=ROOT)
    try:
        return count(bootstrap, topic, expected, lambda: child.poll() is None)
    finally:
        child.terminate()
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def bench_noop(
    bootstrap: str, inputs: list[Inbound], partitions: int, client: str = "aiokafka"
) -> float:
    """Records/s of a no-op forwarder (``client``: aiokafka or confluent-kafka)."""
    source, target = f"bench.in.{uuid.uuid4().hex[:6]}", f"bench.out.{uuid.uuid4().hex[:6]}"
    create_topics(bootstrap, [source, target], partitions)
    produce(bootstrap, source, inputs)
    seconds = run_child(NOOP_FORWARDERS[client], [source, target], bootstrap, target, len(inputs))
    return (len(inputs) - 1) / seconds


def bench_pipeline(
    bootstrap: str, inputs: list[Inbound], logs: int, settings: Settings, workdir: Path
) -> tuple[float, MemorySampler, dict[str, float]]:
    """Records/s of a worker routing a backlog of ``inputs``, its memory meanwhile, and where
    its batch loop's time went (phase_shares)."""
    produce(bootstrap, topics.inbound("politie"), inputs)
    port = free_port()
    worker = WorkerProcess(
        settings.model_copy(update={"metrics_port": port}), workdir / "worker.log", "warning"
    ).start()
    assert worker.process is not None
    try:
        with MemorySampler(worker.process.pid) as memory:
            seconds = count(bootstrap, topics.DISCLOSURE_LOG, logs, lambda: worker.alive)
        phases = phase_shares(scrape(f"http://127.0.0.1:{port}/metrics"))
    finally:
        worker.stop()
    return (len(inputs) - 1) / seconds, memory, phases


def phase_shares(samples: dict[Sample, float]) -> dict[str, float]:
    """From a worker's /metrics: each phase's share of the batch loop's wall time, and
    ``busy``, the share of that wall time its event loop's thread spent on the CPU."""
    wall, cpu = (
        {p: samples[(f"ketenstroom_batch_phase_{kind}_total", (("phase", p),))] for p in PHASES}
        for kind in ("seconds", "cpu_seconds")
    )
    total = sum(wall.values()) or 1.0
    return {**{p: s / total for p, s in wall.items()}, "busy": sum(cpu.values()) / total}


def bench_scaled(
    bootstrap: str, inputs: list[Inbound], logs: int, settings: Settings, workdir: Path, n: int
) -> float:
    """Records/s of ``n`` workers in one consumer group, as a deployment scales the router.

    The workers start first and the inputs follow once every worker is consuming, so that
    the group's rebalancing as workers join is not measured (needs a broker without these
    inputs: a second copy of an event is a duplicate, not a disclosure).
    """
    with ready_workers(settings, workdir, n, "scaled-worker") as workers:
        produce(bootstrap, topics.inbound("politie"), inputs)
        seconds = count(
            bootstrap, topics.DISCLOSURE_LOG, logs, lambda: all(w.alive for w in workers)
        )
    return (len(inputs) - 1) / seconds
