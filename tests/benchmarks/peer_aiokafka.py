"""The hand-written peer on aiokafka: the same job as ``peer_confluent`` (``peer_job``: four
views and a log record per signal), committed once a batch's outputs are acknowledged.

Run as a child process: ``python -m tests.benchmarks.peer_aiokafka BOOTSTRAP SOURCE PREFIX``.
"""

from __future__ import annotations

import asyncio
import sys

from tests.benchmarks.noop_forwarder import clients
from tests.benchmarks.peer_job import PeerJob


async def run(bootstrap: str, source: str, prefix: str) -> None:
    job = PeerJob(prefix)
    consumer, producer = clients(bootstrap, source, f"peer-{source}")
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            futures = [
                await producer.send(topic, value, key=r.key)
                for records in batches.values()
                for r in records
                for topic, value in job.outputs(r.value)
            ]
            if futures:
                await asyncio.gather(*futures)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:4]))
