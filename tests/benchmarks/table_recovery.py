"""What goes wrong with Faust tables on the embedded broker, measured (not part of make test).

A Faust app writes N keys into a table (one per input event) with a given producer batch size,
flushes and stops; a second run of the same app recovers the table from its changelog and
reports how many keys it holds. Faust reads a changelog during recovery up to the end offset
that ListOffsets(latest) reports (faust/tables/recovery.py, ``_build_highwaters``:
``consumer.highwaters`` -> aiokafka ``end_offsets``). The embedded broker under-reports that
offset while producers batch (docs/embedded-broker.md): it answers the first offset of the last batch
plus one. Recovery then stops before the rest of the last batch, and those keys are gone.

    python -m tests.benchmarks.table_recovery        # prints one line per batch size

Each line: keys written, ListOffsets(latest) of the changelog, its fetch high watermark, keys
recovered. A separate broker per run; the machine may be shared (timings are not the point).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid

KEYS = 2000
BATCH_SIZES = tuple(int(b) for b in os.environ.get("BATCH_SIZES", "1,16384,524288").split(","))


def _app(bootstrap: str, app_id: str, batch_bytes: int):  # type: ignore[no-untyped-def]
    import faust

    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=1,
        producer_max_batch_size=batch_bytes,
        producer_linger=0.05,
        broker_session_timeout=3,
        broker_heartbeat_interval=0.5,
        broker_rebalance_timeout=3,
        web_enabled=False,
        datadir=f"/tmp/table-recovery-{app_id}",
    )
    source = app.topic("table-recovery-in", key_type=bytes, value_type=bytes)
    table = app.Table("keys", default=None, partitions=1, key_type=bytes, value_type=bytes)
    return app, source, table


def _fill(bootstrap: str, app_id: str, batch_bytes: int) -> None:
    app, source, table = _app(bootstrap, app_id, batch_bytes)
    seen = 0

    @app.agent(source)
    async def keep(stream):  # type: ignore[no-untyped-def]
        nonlocal seen
        async for event in stream.events():
            table[event.key] = event.value
            seen += 1
            if seen == KEYS:
                await app.producer.flush()
                await asyncio.sleep(1)
                print("FILLED", flush=True)
                os._exit(0)

    app.main()


def _count(bootstrap: str, app_id: str, batch_bytes: int) -> None:
    app, source, table = _app(bootstrap, app_id, batch_bytes)

    @app.agent(source)
    async def keep(stream):  # type: ignore[no-untyped-def]
        async for _ in stream:
            pass

    @app.timer(0.5)
    async def report() -> None:
        print(f"TABLE {len(table)} recovered={app.tables.recovery.completed.is_set()}", flush=True)
        if app.tables.recovery.completed.is_set():
            print(f"RECOVERED {len(table)}", flush=True)
            os._exit(0)

    app.main()


def _offsets(bootstrap: str, topic: str) -> tuple[int, int]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    latest = consumer.end_offsets([tp])[tp]
    consumer.seek_to_beginning(tp)
    high = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        consumer.poll(timeout_ms=200)
        high = consumer.highwater(tp)
        if high is not None and consumer.position(tp) >= high:
            break
    consumer.close()
    return latest, high or -1


def _run(bootstrap: str, app_id: str, batch_bytes: int, mode: str) -> str:
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.benchmarks.table_recovery",
                mode,
                bootstrap,
                app_id,
                str(batch_bytes),
                "worker",
                "--without-web",
                "-l",
                "warn",
            ],
            capture_output=True,
            text=True,
            timeout=45,
        )
    except subprocess.TimeoutExpired as exc:
        return f"TIMEOUT after 45 s: {(exc.stdout or b'')[-300:]!r} {(exc.stderr or b'')[-600:]!r}"
    return out.stdout + out.stderr


def measure(batch_bytes: int) -> str:
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    from pipeline.broker.embedded import EmbeddedBroker

    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        app_id = f"tr-{uuid.uuid4().hex[:6]}"
        changelog = f"{app_id}-keys-changelog"
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic("table-recovery-in", 1, 1), NewTopic(changelog, 1, 1)])
        admin.close()
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        for i in range(KEYS):
            producer.send("table-recovery-in", key=f"k{i}".encode(), value=b"v")
        producer.flush()
        producer.close()
        filled = _run(bootstrap, app_id, batch_bytes, "fill")
        if "FILLED" not in filled:
            return f"{batch_bytes:>7} B batches: fill failed:\n{filled[-1500:]}"
        latest, high = _offsets(bootstrap, changelog)
        counted = _run(bootstrap, app_id, batch_bytes, "count")
        found = re.search(r"RECOVERED (\d+)", counted)
        recovered = found.group(1) if found else f"? ({counted[-1500:]})"
        return (
            f"{batch_bytes:>7} B batches: {KEYS} keys written; changelog ListOffsets(latest) "
            f"{latest}, fetch high watermark {high}; keys recovered {recovered}"
        )


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] in ("fill", "count"):
        mode, bootstrap, app_id, batch = sys.argv[1:5]
        sys.argv = [sys.argv[0], *sys.argv[5:]]
        (_fill if mode == "fill" else _count)(bootstrap, app_id, int(batch))
    else:
        for size in BATCH_SIZES:
            print(measure(size), flush=True)
