"""(a) the no-op forwarders and (b) the pipeline's workers: signals per second and CPU per
signal; the producing, counting and child-process helpers every contender's measure uses
(peers.py too)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline import topics
from pipeline.ops.metrics import PHASES, Sample, scrape
from pipeline.router.records import Inbound
from tests.benchmarks.cluster import Cluster, ready_workers
from tests.benchmarks.cpu import CpuSampler
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


async def _span(
    bootstrap: str, topic: str, expected: int, timeout: float, alive: Callable[[], bool]
) -> tuple[float, float]:
    """The CreateTime of the first and of the last of ``expected`` records on ``topic``, in
    seconds since the epoch (when the process writing them sent them; independent of how this
    reader's fetches batch them). Fails at once if that process (``alive``) has died."""
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
        return first / 1000, max(last, first + 1) / 1000  # CreateTime is in ms
    finally:
        await consumer.stop()


def span(
    bootstrap: str, topic: str, expected: int, alive: Callable[[], bool], timeout: float = 600
) -> tuple[float, float]:
    """When the first and the last of ``expected`` records on ``topic`` were written
    (CreateTime, seconds since the epoch)."""
    return asyncio.run(_span(bootstrap, topic, expected, timeout, alive))


def count(
    bootstrap: str, topic: str, expected: int, alive: Callable[[], bool], timeout: float = 600
) -> float:
    """Seconds between the first and the last of ``expected`` records on ``topic`` (CreateTime)."""
    first, last = span(bootstrap, topic, expected, alive, timeout)
    return last - first


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    """Create ``names`` with ``partitions`` partitions each (never rely on auto-creation)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    admin.close()


@dataclass(frozen=True)
class Measured:
    """A contender's signals/s and its CPU per signal over the span it is timed on."""

    rate: float  # signals per second
    cpu_us: float  # its process(es)' CPU µs per signal (every thread)
    broker_cpu_us: float  # the embedded broker's CPU µs per signal meanwhile

    def to_json(self) -> dict[str, float]:
        """As bench-results.json keeps it."""
        return {"rate": self.rate, "cpu_us": self.cpu_us, "broker_cpu_us": self.broker_cpu_us}


def measured(
    signals: int, first: float, last: float, cpu: CpuSampler, broker: CpuSampler
) -> Measured:
    """Rate and CPU per signal of ``signals`` whose outputs were written between first and last
    (seconds since the epoch); the first signal's output opens the span, so it is not counted."""
    counted = max(signals - 1, 1)
    return Measured(
        counted / (last - first),
        cpu.between(first, last) / counted * 1e6,
        broker.between(first, last) / counted * 1e6,
    )


def run_child(
    module: str, args: list[str], bootstrap: str, topic: str, expected: int, broker_pid: int
) -> Measured:
    """How fast, and at what CPU, ``python -m module BOOTSTRAP *args`` writes ``expected``
    records to ``topic`` (see ``span``); the child is stopped afterwards."""
    child = subprocess.Popen([sys.executable, "-m", module, bootstrap, *args], cwd=ROOT)
    try:
        with CpuSampler([child.pid]) as cpu, CpuSampler([broker_pid]) as broker:
            first, last = span(bootstrap, topic, expected, lambda: child.poll() is None)
        return measured(expected, first, last, cpu, broker)
    finally:
        child.terminate()
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def bench_noop(
    bootstrap: str, broker_pid: int, inputs: list[Inbound], partitions: int, client: str
) -> float:
    """Records/s of a no-op forwarder (``client``: aiokafka or confluent-kafka)."""
    source, target = f"bench.in.{uuid.uuid4().hex[:6]}", f"bench.out.{uuid.uuid4().hex[:6]}"
    create_topics(bootstrap, [source, target], partitions)
    produce(bootstrap, source, inputs)
    module = NOOP_FORWARDERS[client]
    return run_child(module, [source, target], bootstrap, target, len(inputs), broker_pid).rate


@dataclass(frozen=True)
class WorkersRun:
    """What ``bench_workers`` measured."""

    measured: Measured
    #: CPU µs per signal of reading other workers' claims before each batch (catch_up phase
    #: of the batch loop's own thread, summed over the workers)
    catch_up_us: float
    phases: dict[str, float]  # one worker's batch loop (phase_shares); empty for several
    peak_rss_mb: float  # the first worker's

    def to_json(self) -> dict[str, Any]:
        """As bench-results.json keeps it."""
        return {
            **self.measured.to_json(),
            "catch_up_us": self.catch_up_us,
            "phases": self.phases,
            "peak_rss_mb": self.peak_rss_mb,
        }


def bench_workers(
    cluster: Cluster,
    inputs: list[Inbound],
    logs: int,
    workdir: Path,
    n: int,
    source: Path | None = None,
) -> WorkersRun:
    """``n`` workers in one consumer group (the code in ``source`` instead of this checkout's,
    if given: tests.benchmarks.before) routing ``inputs``: rate, CPU per signal, and what
    reading other workers' claims cost them.

    The workers start first and the inputs follow once every worker is consuming, so that
    the group's rebalancing as workers join is not measured (needs a broker without these
    inputs: a second copy of an event is a duplicate, not a disclosure).
    """
    name = f"workers-{n}" if source is None else f"before-{n}"
    with ready_workers(cluster.settings, workdir, n, name, source) as workers:
        pids = [w.process.pid for w in workers if w.process is not None]
        urls = [f"http://127.0.0.1:{w.settings.metrics_port}/metrics" for w in workers]
        caught_up_before = sum(_phase_cpu(scrape(u), "catch_up") for u in urls)
        with (
            MemorySampler(pids[0]) as memory,
            CpuSampler(pids) as cpu,
            CpuSampler([cluster.broker_pid]) as broker,
        ):
            produce(cluster.bootstrap, topics.inbound("politie"), inputs)
            first, last = span(
                cluster.bootstrap,
                topics.DISCLOSURE_LOG,
                logs,
                lambda: all(w.alive for w in workers),
            )
        samples = [scrape(u) for u in urls]
    caught_up = sum(_phase_cpu(s, "catch_up") for s in samples) - caught_up_before
    return WorkersRun(
        measured(len(inputs), first, last, cpu, broker),
        caught_up / max(len(inputs) - 1, 1) * 1e6,
        phase_shares(samples[0]) if n == 1 else {},
        memory.peak / 2**20,
    )


def _phase_cpu(samples: dict[Sample, float], phase: str) -> float:
    return samples.get(("ketenstroom_batch_phase_cpu_seconds_total", (("phase", phase),)), 0.0)


def phase_shares(samples: dict[Sample, float]) -> dict[str, float]:
    """From a worker's /metrics: each phase's share of the batch loop's wall time, and
    ``busy``, the share of that wall time its event loop's thread spent on the CPU."""
    wall, cpu = (
        {p: samples[(f"ketenstroom_batch_phase_{kind}_total", (("phase", p),))] for p in PHASES}
        for kind in ("seconds", "cpu_seconds")
    )
    total = sum(wall.values()) or 1.0
    return {**{p: s / total for p, s in wall.items()}, "busy": sum(cpu.values()) / total}
