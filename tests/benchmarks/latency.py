"""(e) End-to-end latency at a fixed offered rate: input appended → its last log record written.

Both timestamps are Kafka CreateTimes from producers on this machine (the benchmark's for the
input, the worker's for its outputs), so no clocks are compared across machines.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from kafka import KafkaProducer

from pipeline import topics
from pipeline.app.process import WorkerProcess
from pipeline.broker.reading import read_to_end
from pipeline.router.records import Inbound
from pipeline.settings import Settings
from tests.benchmarks.cluster import ready_workers


def _paced(bootstrap: str, topic: str, inputs: list[Inbound], rate: float) -> None:
    """Send ``inputs`` at ``rate`` per second (in 10 ms ticks), each on its own."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    started, sent = time.monotonic(), 0
    while sent < len(inputs):
        due = min(int((time.monotonic() - started) * rate) + 1, len(inputs))
        for record in inputs[sent:due]:
            producer.send(topic, key=record.key, value=record.value)
        sent = due
        time.sleep(0.01)
    producer.flush()
    producer.close()


def _percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def bench_latency(
    settings: Settings,
    workdir: Path,
    warmup: Inbound,
    inputs: list[Inbound],
    rate: float,
    workers: int = 1,
    source: Path | None = None,
) -> dict[str, float]:
    """p50/p99 latency (ms) of ``inputs`` offered at ``rate`` signals/s to ``workers`` warmed-up
    workers in one consumer group (of the code in ``source``, if given: tests.benchmarks.before)."""
    bootstrap = settings.require_bootstrap()
    topic = topics.inbound("politie")
    with ready_workers(settings, workdir, workers, "latency-worker", source) as group:
        _paced(bootstrap, topic, [warmup], rate)  # the group has joined once this is routed
        _wait_for_logs(settings, {warmup.key.decode()}, group)
        started = time.monotonic()
        _paced(bootstrap, topic, inputs, rate)
        offered_for = time.monotonic() - started
        wanted = {r.key.decode() for r in inputs}
        done = _wait_for_logs(settings, wanted, group)
    sent = {r.key.decode(): r.timestamp for r in read_to_end(settings, bootstrap, topic) if r.key}
    latencies = [done[k] - sent[k] for k in wanted]
    return {
        "offered_per_s": rate,
        "sent_per_s": len(inputs) / offered_for,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "max_ms": max(latencies),
    }


def _wait_for_logs(
    settings: Settings, wanted: set[str], group: list[WorkerProcess], timeout: float = 300
) -> dict[str, int]:
    """For each wanted event id, the CreateTime (ms) of its last log record, once all are there."""
    deadline = time.monotonic() + timeout
    while True:
        last: dict[str, int] = {}
        for record in read_to_end(settings, settings.require_bootstrap(), topics.DISCLOSURE_LOG):
            event_id = record.key.decode().split("/", 1)[0]
            if event_id in wanted:
                last[event_id] = max(last.get(event_id, 0), record.timestamp)
        if len(last) == len(wanted):
            return last
        for worker in group:
            if not worker.alive:
                raise RuntimeError(f"a worker died:\n{worker.output()[-2000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(wanted) - len(last)} signals not routed in {timeout:.0f} s")
        time.sleep(1)
