"""How the lag recordings here were made: real consumers on the embedded broker, sampled once a
second by the same reader `ketenstroom lag` uses. Run: python -m tests.data.lag.record

Each scenario writes <name>.jsonl (one GroupSample per line); tests/unit/test_lag.py replays them
through the evaluator. Not part of `make test` (it takes about a minute).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.broker.embedded import EmbeddedBroker
from pipeline.ops.lag_reading import LagReader
from pipeline.settings import Settings

HERE = Path(__file__).parent
SAMPLES, INTERVAL = 8, 1.0


def produce(
    bootstrap: str, topic: str, per_second: int, seconds: float, stop: threading.Event
) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    end = time.monotonic() + seconds
    while time.monotonic() < end and not stop.is_set():
        for _ in range(per_second // 10):
            producer.send(topic, b"x" * 100)
        producer.flush()
        time.sleep(0.1)
    producer.close()


def consume(
    bootstrap: str, topic: str, group: str, per_second: int, stop: threading.Event, mode: str
) -> None:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    deadline = time.monotonic() + 20
    while not consumer.poll(500, max_records=10) and time.monotonic() < deadline:
        pass  # joining the group
    consumer.commit()
    while not stop.is_set():
        if mode == "stall":
            time.sleep(0.1)  # a member (heartbeats continue) that never moves on
            continue
        if mode == "stop":
            break
        consumer.poll(200, max_records=max(per_second // 5, 1))
        consumer.commit()
        time.sleep(0.2)
    consumer.close()


async def sample(bootstrap: str, group: str, out: Path) -> None:
    async with LagReader(Settings(), bootstrap) as reader:
        with out.open("w") as file:
            for _ in range(SAMPLES):
                (reading,) = await reader.sample([group])
                file.write(json.dumps(reading.to_json()) + "\n")
                await asyncio.sleep(INTERVAL)


def scenario(
    bootstrap: str, name: str, produce_rate: int, backlog: int, consume_rate: int, mode: str
) -> None:
    topic, group = f"lag.{name}", f"group-{name}"
    KafkaAdminClient(bootstrap_servers=bootstrap).create_topics([NewTopic(topic, 1, 1)])
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    for _ in range(backlog):
        producer.send(topic, b"x" * 100)
    producer.flush()
    stop = threading.Event()
    threads = [
        threading.Thread(target=produce, args=(bootstrap, topic, produce_rate, 30, stop)),
        threading.Thread(target=consume, args=(bootstrap, topic, group, consume_rate, stop, mode)),
    ]
    for thread in threads:
        thread.start()
    time.sleep(3)  # the consumer joins and commits once
    asyncio.run(sample(bootstrap, group, HERE / f"{name}.jsonl"))
    stop.set()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    with EmbeddedBroker() as broker:
        servers = broker.bootstrap_servers
        scenario(servers, "bijgewerkt", produce_rate=50, backlog=0, consume_rate=1000, mode="run")
        scenario(servers, "inhalend", produce_rate=0, backlog=3000, consume_rate=200, mode="run")
        scenario(servers, "achterop", produce_rate=300, backlog=0, consume_rate=50, mode="run")
        scenario(servers, "vastgelopen", produce_rate=50, backlog=100, consume_rate=0, mode="stall")
        scenario(servers, "gestopt", produce_rate=50, backlog=100, consume_rate=0, mode="stop")
