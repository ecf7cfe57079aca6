"""Offsets librdkafka does not hand out, read with the guarded aiokafka fetcher.

The worker consumes through librdkafka (app.inbound). librdkafka stops at a batch it cannot
parse (bad CRC, a payload that does not decompress: an error at that offset, for ever; records
that run past their batch: silence), skips control batches without a word (a "transaction
marker" batch holding signals would make them vanish), and its Python binding cannot hand out a
header key that is not UTF-8. Whenever the next offset of a partition is not what librdkafka
hands out, app.inbound has these offsets read here instead: aiokafka's fetcher, guarded by
app.fetch_guard, parses each batch whole and gives records (header keys escaped), nothing for a
batch of genuine transaction markers, and one marker for a batch nothing can parse; the router
makes that marker a dead letter naming its offsets. Offsets that retention deleted before they
were routed become such a marker too (``DELETED``): accounted for, never silently skipped.

Rare by design: a partner that follows the guide never sends what takes this path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError

from pipeline.app.fetch_guard import Position, Unreadable, guard
from pipeline.errors import BrokerError
from pipeline.router.records import Inbound

log = logging.getLogger("ketenstroom.fetch")

#: The error an Unreadable names for offsets deleted by retention before they were routed.
DELETED = "DeletedBeforeRouted"


class _GuardedConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """An AIOKafkaConsumer whose fetcher is guarded the moment ``start`` makes it."""

    unreadable: dict[Position, Unreadable]

    @property
    def _fetcher(self) -> Any:
        return self.__dict__.get("_guarded_fetcher")

    @_fetcher.setter
    def _fetcher(self, fetcher: Any) -> None:
        if fetcher is not None:
            guard(fetcher, self.unreadable)
        self.__dict__["_guarded_fetcher"] = fetcher


class WireReader:
    """Reads given offsets of inbound partitions, never raising on what a partner wrote."""

    def __init__(
        self, client: dict[str, Any], unreadable: dict[Position, Unreadable], timeout: float
    ) -> None:
        """``client``: aiokafka connection settings (broker.connection.aiokafka_config);
        ``unreadable``: where markers of unparseable batches are listed (app.batch_routing)."""
        self.client = client
        self.unreadable = unreadable
        self.timeout = timeout
        self._consumer: _GuardedConsumer | None = None

    async def read(
        self, topic: str, partition: int, start: int, stop: int | None = None, past: int = -1
    ) -> tuple[list[Inbound], int]:
        """The records from ``start`` up to ``stop`` (exclusive), or, without ``stop``, up to
        and including the batch that holds offset ``past`` (at least one batch); markers stand
        for what cannot be parsed. Also the next offset to read. BrokerError when the broker
        does not answer within the timeout."""
        consumer = await self._started()
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, start)
        out: list[Inbound] = []
        position = start
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        past = max(past, start)
        while (position < stop) if stop is not None else (position <= past):
            if loop.time() > deadline:
                raise BrokerError(f"offsets {start}- of {topic}/{partition} not read in time")
            try:
                fetched = await consumer.getmany(tp, timeout_ms=200)
            except OffsetOutOfRangeError:
                low = (await consumer.beginning_offsets([tp]))[tp]
                if position >= low:
                    raise BrokerError(
                        f"offset {position} of {topic}/{partition} is beyond its end"
                    ) from None
                end = low if stop is None else min(low, stop)
                out.append(self._deleted(topic, partition, position, end - 1))
                position = end
                consumer.seek(tp, position)
                continue
            for record in fetched.get(tp, []):
                if stop is not None and record.offset >= stop:
                    break
                out.append(inbound_of(record))
                position = record.offset + 1
            # the fetch position also moves past skipped transaction markers and markers'
            # batches: what lies before it has been accounted for
            fetched_to = await consumer.position(tp)
            position = max(position, fetched_to if stop is None else min(fetched_to, stop))
        for stale in [
            k for k in self.unreadable if k[:2] == (topic, partition) and k[2] >= position
        ]:
            del self.unreadable[stale]  # parsed with the fetch, not handed out: read again later
        return out, position

    def _deleted(self, topic: str, partition: int, first: int, last: int) -> Inbound:
        entry = Unreadable(topic, partition, first, last, DELETED)
        self.unreadable[(topic, partition, first)] = entry
        log.error(
            "offsets %d-%d of %s/%d were deleted by retention before they were routed; they "
            "become a dead letter",
            first,
            last,
            topic,
            partition,
        )
        return Inbound(topic, partition, first, None, None)

    async def _started(self) -> _GuardedConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                **self.client,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="none",
                fetch_max_wait_ms=50,
            )
            # before it starts (so before any fetch), it gets the guarded class
            consumer.__class__ = _GuardedConsumer
            consumer.unreadable = self.unreadable
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def stop(self) -> None:
        """Disconnect (if ever connected)."""
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


#: 2100-01-01 in milliseconds since the epoch: later record timestamps are taken as unset.
LATEST_TIMESTAMP_MS = 4_102_444_800_000


def plausible_seconds(timestamp_ms: int | None) -> float | None:
    """A record's timestamp in seconds, if plausible: Kafka's "no timestamp" is -1, and a
    producer may set any 64-bit value (it times routing latency, nothing else)."""
    if timestamp_ms is None or not 0 < timestamp_ms < LATEST_TIMESTAMP_MS:
        return None
    return timestamp_ms / 1000


def inbound_of(record: Any) -> Inbound:
    """An aiokafka ConsumerRecord (or a fetch guard's marker) as the router takes it."""
    headers = tuple((str(k), bytes(v) if v is not None else b"") for k, v in record.headers or ())
    return Inbound(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=headers,
        timestamp=plausible_seconds(record.timestamp),
    )
