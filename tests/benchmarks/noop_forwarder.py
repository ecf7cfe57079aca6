"""The baseline: an aiokafka consumer that forwards every record unchanged, then commits.

Run as a child process by run.py: ``python -m tests.benchmarks.noop_forwarder BOOTSTRAP IN OUT``.
The hand-written peer (peer_aiokafka.py) is the same loop with its work in ``send``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

#: Sends a batch's outputs; returns the futures of their acknowledgements.
Send = Callable[[AIOKafkaProducer, list[ConsumerRecord]], Awaitable[list[asyncio.Future]]]


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


async def forward_batches(bootstrap: str, source: str, group: str, send: Send) -> None:
    """Read ``source`` batch by batch; ``send`` each batch's outputs; commit the batch once
    every output is acknowledged (a failed one stops the loop, nothing committed)."""
    consumer, producer = clients(bootstrap, source, group)
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            records = [r for part in batches.values() for r in part]
            if records:
                await asyncio.gather(*await send(producer, records))
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


async def forward(bootstrap: str, source: str, target: str) -> None:
    async def send(
        producer: AIOKafkaProducer, records: list[ConsumerRecord]
    ) -> list[asyncio.Future]:
        return [
            await producer.send(target, key=r.key, value=r.value, headers=r.headers)
            for r in records
        ]

    await forward_batches(bootstrap, source, f"noop-{source}", send)


if __name__ == "__main__":
    asyncio.run(forward(*sys.argv[1:4]))
