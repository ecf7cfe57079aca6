"""Follow the event-id topic, so a worker knows every id routed before its next batch."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline import topics
from pipeline.errors import BrokerError
from pipeline.router.event_index import EventIndex

log = logging.getLogger("ketenstroom.event_ids")


class EventIdFollower:
    """Reads ``ketenstroom.gebeurtenis-ids`` from the beginning into an EventIndex.

    Every worker reads all of it (no consumer group): an id may come back on any partition of
    any inbound topic. Claims made by this worker are learnt at once by route_batch; claims by
    other workers are learnt before each batch by ``catch_up``.
    """

    def __init__(self, client: dict[str, Any], index: EventIndex, timeout: float) -> None:
        """``client``: the aiokafka connection settings (broker.connection.aiokafka_config)."""
        self.index = index
        self.timeout = timeout
        self._consumer = AIOKafkaConsumer(
            **client,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
        )
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        """Connect and read every claim made so far."""
        await self._consumer.start()
        numbers = self._consumer.partitions_for_topic(topics.EVENT_IDS)
        if not numbers:
            await self._consumer.stop()
            raise BrokerError(f"topic {topics.EVENT_IDS!r} does not exist")
        self._partitions = [TopicPartition(topics.EVENT_IDS, p) for p in sorted(numbers)]
        self._consumer.assign(self._partitions)
        await self._consumer.seek_to_beginning(*self._partitions)
        await self.catch_up()
        log.info("event-id index loaded: %d ids", len(self.index))

    async def catch_up(self) -> None:
        """Read until the end offsets as they are now; raises BrokerError on timeout."""
        end = await self._consumer.end_offsets(self._partitions)
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            self._learn(await self._consumer.getmany(*self._partitions, timeout_ms=0))
            behind = [tp for tp in self._partitions if await self._consumer.position(tp) < end[tp]]
            if not behind:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise BrokerError(f"event-id topic not read to its end within {self.timeout} s")
            self._learn(await self._consumer.getmany(*behind, timeout_ms=100))

    def _learn(self, batches: dict[TopicPartition, list]) -> None:  # type: ignore[type-arg]
        for records in batches.values():
            for record in records:
                if not self.index.learn_record(record.key, record.value):
                    log.error(
                        "event id %s was routed from two records at once (first claim kept: %s)",
                        (record.key or b"?").decode(errors="replace"),
                        self.index.get((record.key or b"").decode(errors="replace")),
                    )

    async def stop(self) -> None:
        await self._consumer.stop()
