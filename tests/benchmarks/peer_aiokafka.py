"""The hand-written peer on aiokafka: the same job as ``peer_confluent`` (``peer_job``: four
views and a log record per signal), in the no-op forwarder's loop: committed once a batch's
outputs are acknowledged.

Run as a child process: ``python -m tests.benchmarks.peer_aiokafka BOOTSTRAP SOURCE PREFIX``.
"""

from __future__ import annotations

import asyncio
import sys

from aiokafka import AIOKafkaProducer, ConsumerRecord

from tests.benchmarks.noop_forwarder import forward_batches
from tests.benchmarks.peer_job import PeerJob


async def run(bootstrap: str, source: str, prefix: str) -> None:
    job = PeerJob(prefix)

    async def send(
        producer: AIOKafkaProducer, records: list[ConsumerRecord]
    ) -> list[asyncio.Future]:
        return [
            await producer.send(topic, value, key=r.key)
            for r in records
            for topic, value in job.outputs(r.value)
        ]

    await forward_batches(bootstrap, source, f"peer-{source}", send)


if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:4]))
