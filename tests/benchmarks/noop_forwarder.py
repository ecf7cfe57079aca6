"""The baseline: an aiokafka consumer that forwards every record unchanged, then commits.

Run as a child process by run.py: ``python -m tests.benchmarks.noop_forwarder BOOTSTRAP IN OUT``.
"""

from __future__ import annotations

import asyncio
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def clients(bootstrap: str, source: str, group: str) -> tuple[AIOKafkaConsumer, AIOKafkaProducer]:
    """The consumer of ``source`` (manual commits) and the producer of every aiokafka contender."""
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=3000,
        heartbeat_interval_ms=500,
    )
    return consumer, AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)


async def forward(bootstrap: str, source: str, target: str) -> None:
    consumer, producer = clients(bootstrap, source, f"noop-{source}")
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            futures = [
                await producer.send(target, key=r.key, value=r.value, headers=r.headers)
                for records in batches.values()
                for r in records
            ]
            if futures:
                await asyncio.gather(*futures)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(forward(*sys.argv[1:4]))
