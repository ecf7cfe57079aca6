"""Which Kafka client for the router, measured side by side in one run on one embedded broker.

``python -m tests.benchmarks.transports`` (not part of make test; a few minutes). Prints a table
and writes transports-results.json. Medians of BENCH_REPEATS (3) interleaved rounds:

- no-op forwarders (read -> send -> commit), aiokafka and confluent-kafka: records/s;
- the pipeline's real outputs (route() of BENCH_SIGNALS politie signals: views, log records,
  claims) produced by an aiokafka producer and by a confluent-kafka producer: CPU µs per signal
  (the whole process, librdkafka's threads included) and signals/s;
- the pipeline itself (one worker, as shipped): signals/s and CPU µs per signal;
- the event-id index: bytes of memory per million ids, µs per lookup, restart (reopen) time,
  bytes on disk per id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import confluent_kafka
from aiokafka import AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.app.worker import load_policy
from pipeline.router.core import route
from pipeline.router.records import Outbound
from tests.benchmarks.cluster import PARTITIONS, fresh_cluster
from tests.benchmarks.run import make_inputs
from tests.benchmarks.throughput import bench_noop, bench_workers

SIGNALS = int(os.environ.get("BENCH_SIGNALS", "5000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
IDS = int(os.environ.get("BENCH_INDEX_IDS", "1000000"))
ROOT = Path(__file__).resolve().parents[2]


def _outputs_topics(bootstrap: str, outputs: list[Outbound]) -> dict[str, str]:
    """A fresh copy of every output topic, so rounds do not share partitions' tails."""
    suffix = uuid.uuid4().hex[:6]
    names = {o.topic: f"bench.{o.topic}.{suffix}" for o in outputs}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names.values()])
    admin.close()
    return names


async def _aiokafka_produce(bootstrap: str, outputs: list[Outbound], names: dict[str, str]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        futures = [
            await producer.send(names[o.topic], o.value, key=o.key, headers=list(o.headers))
            for o in outputs
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _confluent_produce(bootstrap: str, outputs: list[Outbound], names: dict[str, str]) -> None:
    producer = confluent_kafka.Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 5,
            "batch.size": 512 * 1024,
            "partitioner": "murmur2_random",  # the same partitions as aiokafka's
        }
    )
    failed: list[object] = []
    for o in outputs:
        while True:
            try:
                producer.produce(
                    names[o.topic],
                    o.value,
                    o.key,
                    headers=list(o.headers),
                    on_delivery=lambda err, _m: failed.append(err) if err else None,
                )
                break
            except BufferError:  # local queue full: let deliveries drain
                producer.poll(0.01)
        producer.poll(0)
    assert producer.flush(60) == 0 and not failed, failed[:1]


def bench_producers(bootstrap: str, outputs: list[Outbound], signals: int) -> dict[str, Any]:
    """CPU µs per signal and signals/s of producing ``outputs`` with each client."""
    rounds: dict[str, list[tuple[float, float]]] = {"aiokafka": [], "confluent-kafka": []}
    for _ in range(REPEATS):
        for client in rounds:
            names = _outputs_topics(bootstrap, outputs)
            cpu, wall = time.process_time(), time.perf_counter()
            if client == "aiokafka":
                asyncio.run(_aiokafka_produce(bootstrap, outputs, names))
            else:
                _confluent_produce(bootstrap, outputs, names)
            rounds[client].append(
                (
                    (time.process_time() - cpu) / signals * 1e6,
                    signals / (time.perf_counter() - wall),
                )
            )
    return {
        client: {
            "cpu_us_per_signal": statistics.median(r[0] for r in values),
            "signals_per_s": statistics.median(r[1] for r in values),
        }
        for client, values in rounds.items()
    }


_INDEX_PROBE = """
import datetime as dt, os, random, resource, sys, time, uuid
from pathlib import Path
from pipeline.router.event_index import Claim, EventIndex
path, n = Path(sys.argv[1]), int(sys.argv[2])
def rss(): return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
index = EventIndex(path, dt.timedelta(days=90))
ids = [str(uuid.UUID(int=random.getrandbits(128))) for _ in range(n)]
base = rss()
for i, event_id in enumerate(ids):
    index.learn(event_id, Claim(f"signalen.politie/{i % 6}/{i}", "ab" * 32))
    if i % 500 == 499:
        index.flush()
index.flush()
grown = rss() - base
probe = random.sample(ids, 20000)
started = time.perf_counter()
assert all(index.get(e) is not None for e in probe)
hit_us = (time.perf_counter() - started) / len(probe) * 1e6
started = time.perf_counter()
misses = [str(uuid.uuid4()) for _ in range(20000)]
assert all(index.get(e) is None for e in misses)
miss_us = (time.perf_counter() - started) / len(misses) * 1e6
index.close()
started = time.perf_counter()
again = EventIndex(path, dt.timedelta(days=90))
assert again.get(probe[0]) is not None
reopen_s = time.perf_counter() - started
disk = sum(p.stat().st_size for p in path.parent.iterdir())
print(grown, hit_us, miss_us, reopen_s, disk)
"""


def bench_index(ids: int) -> dict[str, float]:
    """The on-disk event-id index with ``ids`` claims, in a process of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", _INDEX_PROBE, str(Path(tmp) / "ids.sqlite"), str(ids)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.split()
    grown, hit_us, miss_us, reopen_s, disk = map(float, out)
    return {
        "ids": ids,
        "memory_bytes_per_million_ids": grown / ids * 1e6,
        "lookup_hit_us": hit_us,
        "lookup_miss_us": miss_us,
        "reopen_s": reopen_s,
        "disk_bytes_per_id": disk / ids,
    }


def main() -> None:
    """Run every contender and print and write the results."""
    results: dict[str, Any] = {"signals": SIGNALS, "repeats": REPEATS, "machine": "shared, 2 cores"}
    with tempfile.TemporaryDirectory() as tmp, fresh_cluster(Path(tmp)) as cluster:
        bootstrap, settings, broker_pid = cluster
        _, policy = load_policy(settings)
        inputs, logs = make_inputs(policy, SIGNALS)
        now = dt.datetime.now(dt.UTC)
        outputs = [o for i in inputs for o in route(i, policy, now).outputs]
        results["outputs_per_signal"] = len(outputs) / SIGNALS
        noop: dict[str, list[float]] = {"aiokafka": [], "confluent-kafka": []}
        for _ in range(REPEATS):
            for client in noop:
                noop[client].append(
                    bench_noop(bootstrap, broker_pid, inputs * 4, PARTITIONS, client)
                )
        results["noop_forwarder_records_per_s"] = {c: statistics.median(v) for c, v in noop.items()}
        results["producing_pipeline_outputs"] = bench_producers(bootstrap, outputs, SIGNALS)
    with tempfile.TemporaryDirectory() as tmp, fresh_cluster(Path(tmp)) as cluster:
        worker = bench_workers(cluster, inputs, logs, Path(tmp), 1).measured
        results["pipeline_signals_per_s"] = worker.rate
        results["pipeline_cpu_us_per_signal"] = worker.cpu_us
    results["event_index"] = bench_index(IDS)
    results["max_rss_of_this_process_mb"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    print(json.dumps(results, indent=2))
    (ROOT / "transports-results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    random.seed(21)
    main()
