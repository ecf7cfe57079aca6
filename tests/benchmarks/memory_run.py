"""(f) over a long run: one worker routes BENCH_MEMORY_SIGNALS signals while its resident set
size is sampled against how many it has routed (its own /metrics).

The inputs are the benchmark's signals again and again, each time with a fresh event id (the
same id twice would be a duplicate, not a new signal). They are produced as fast as the broker
takes them, so the worker always has a backlog.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from pipeline import topics
from pipeline.codec.framing import decode, encode
from pipeline.codec.schema_store import SchemaStore
from pipeline.ops.metrics import scrape, total
from pipeline.router.records import Inbound
from tests.benchmarks.cluster import fresh_cluster, ready_workers
from tests.benchmarks.memory import rss

SAMPLE_EVERY_S = 2.0


def rekeyed(pool: list[Inbound], store: SchemaStore, count: int) -> Iterator[tuple[bytes, bytes]]:
    """``count`` (key, value) inputs: the pool's signals in turn, each with a new event id."""
    decoded = [decode(r.value or b"", store) for r in pool]
    rng = random.Random(20261123)
    for n in range(count):
        entry, datum = decoded[n % len(decoded)]
        event_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        datum["envelope"]["event_id"] = event_id
        yield str(event_id).encode(), encode(entry, datum)


def _produce(bootstrap: str, inputs: Iterator[tuple[bytes, bytes]], failed: list[str]) -> None:
    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256_000
        )
        for key, value in inputs:
            producer.send(topics.inbound("politie"), key=key, value=value)
        producer.flush()
        producer.close()
    except Exception as exc:  # reported by the main thread, which stops waiting
        failed.append(f"{type(exc).__name__}: {exc}")


def bench_memory_run(
    pool: list[Inbound], store: SchemaStore, count: int, workdir: Path
) -> dict[str, Any]:
    """Peak RSS, RSS at 10/50/100% of ``count`` signals, and bytes gained per signal over the
    second half of the run (the steady state)."""
    with (
        fresh_cluster(workdir) as (bootstrap, settings, _),
        ready_workers(settings, workdir, 1, "memory-worker") as (worker,),
    ):
        assert worker.process is not None
        url = f"http://127.0.0.1:{worker.settings.metrics_port}/metrics"
        failed: list[str] = []
        producer = threading.Thread(
            target=_produce, args=(bootstrap, rekeyed(pool, store, count), failed), daemon=True
        )
        producer.start()
        points: list[tuple[int, int]] = []  # (signals routed, RSS bytes)
        peak, started = 0, time.monotonic()
        while not points or points[-1][0] < count:
            if failed or not worker.alive:
                raise RuntimeError(failed[0] if failed else worker.output()[-2000:])
            time.sleep(SAMPLE_EVERY_S)
            samples = scrape(url)
            current, peak_now = rss(worker.process.pid)
            points.append((int(total(samples, "ketenstroom_records_in_total")), current))
            peak = max(peak, peak_now)
        dead = int(total(samples, "ketenstroom_dead_letters_total"))
        producer.join(60)
    return {
        "signals": count,
        "seconds": time.monotonic() - started,
        "dead_letters": dead,
        "peak_mb": peak / 2**20,
        **{f"rss_mb_at_{p}pct": _at(points, count * p // 100) / 2**20 for p in (10, 50, 100)},
        "growth_b_per_signal_second_half": _slope(points, count // 2),
        "points": points,
    }


def _at(points: list[tuple[int, int]], routed: int) -> int:
    """RSS at the first sample with at least ``routed`` signals routed."""
    return next(r for n, r in points if n >= routed)


def _slope(points: list[tuple[int, int]], start: int) -> float:
    """Least-squares bytes of RSS per routed signal over the samples from ``start`` routed on."""
    tail = [(n, r) for n, r in points if n >= start]
    if len(tail) < 2:
        return 0.0
    mean_n = sum(n for n, _ in tail) / len(tail)
    mean_r = sum(r for _, r in tail) / len(tail)
    spread = sum((n - mean_n) ** 2 for n, _ in tail)
    return sum((n - mean_n) * (r - mean_r) for n, r in tail) / spread if spread else 0.0
