"""The worker's consumer of the inbound topics: librdkafka (confluent-kafka), in one consumer group.

Faust's own aiokafka consumer cost about a third of a worker's CPU per signal (issue 32); this
one is librdkafka's C consumer, owned by the router (app.router_service), with the guarantees
the router had:

- **Commit only what was acknowledged.** Offsets are stored (``store_offsets``) only after every
  output of a batch was acknowledged (``done``); librdkafka commits stored offsets every
  KETENSTROOM_COMMIT_INTERVAL_S, when partitions are revoked and when the consumer closes.
  Nothing else is ever committed (``enable.auto.offset.store`` is off).
- **Rebalances.** Eager rebalancing with the ``range`` assignor: a member holds the same
  partition numbers of every inbound topic (claims are co-partitioned with them:
  app.claims_reader). The batch loop is sequential and librdkafka calls the rebalance callbacks
  only inside ``consume``: when partitions are revoked, every batch fetched before is delivered
  and its offsets are stored, and the callback commits them before the partitions go. A record
  of a revoked partition fetched in the same call is dropped unrouted: the next owner reads it.
- **Nothing a partner writes stops the worker or vanishes.** The next offset of each partition
  is known; whenever librdkafka hands out something else (an error at an offset, a gap, an end
  of partition beyond it, a header it cannot decode, or silence while records wait), those
  offsets are read with the guarded aiokafka fetcher instead (app.wire_reader) and librdkafka
  moves past them. Unparseable batches become markers, then dead letters naming their offsets.
"""

from __future__ import annotations

import asyncio
import logging
import operator
import time
from collections.abc import Callable
from typing import Any

import confluent_kafka
from confluent_kafka import KafkaError, TopicPartition

from pipeline.app.wire_reader import WireReader, plausible_seconds
from pipeline.broker.connection import librdkafka_config
from pipeline.router.records import Inbound
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.inbound")

#: (topic, partition)
Partition = tuple[str, int]
#: Seconds a partition with records waiting may hand out nothing before its next offsets are
#: read by the wire reader (librdkafka stays silent on a batch whose records run past it).
STALL_AFTER_S = 3.0
#: confluent-kafka's ``headers()`` through a call that checks the result: for a header key that
#: is not UTF-8 it returns a half-built list with an exception set, which a direct method call
#: would leave pending (the next unrelated line raises it); this way it raises SystemError here.
_headers = operator.methodcaller("headers")


def consumer_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """librdkafka's configuration of the inbound consumer (see the module)."""
    return {
        **librdkafka_config(settings, bootstrap),
        "group.id": settings.router_group_id,
        "partition.assignment.strategy": "range",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": int(settings.commit_interval_s * 1000),
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        "check.crcs": True,
        "isolation.level": "read_uncommitted",
        "fetch.wait.max.ms": settings.fetch_max_wait_ms,
        "session.timeout.ms": int(settings.session_timeout_s * 1000),
        "heartbeat.interval.ms": int(settings.heartbeat_interval_s * 1000),
        # a batch may wait this long for Kafka's acknowledgements before the worker gives up
        # on it; librdkafka leaves the group after this long without a poll
        "max.poll.interval.ms": int(
            max(settings.rebalance_timeout_s, 3 * settings.request_timeout_s) * 1000
        ),
        # fetched records held locally: a few batches' worth, not librdkafka's 64 MiB
        "queued.max.messages.kbytes": 8192,
    }


class InboundConsumer:
    """Fetches batches of inbound records in offset order per partition, and stores the
    offsets of delivered ones."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        inbound_topics: list[str],
        reader: WireReader,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.topics = inbound_topics
        self.group = settings.router_group_id
        self.reader = reader
        self.timeout = settings.request_timeout_s
        self._clock = clock
        self._consumer = confluent_kafka.Consumer(consumer_config(settings, bootstrap))
        self._assigned: frozenset[Partition] = frozenset()
        self._counts: dict[str, int] = {}
        self._next: dict[Partition, int] = {}  # the next offset to route, per partition
        self._progress: dict[Partition, float] = {}
        self._touched: set[Partition] = set()
        #: High watermarks of the latest fetches, read between fetches (librdkafka's call
        #: waits for a consume under way in another thread): for lag and stuck partitions.
        self._high: dict[Partition, int] = {}
        self._high_read = 0.0

    @property
    def assigned(self) -> frozenset[Partition]:
        """The (topic, partition) pairs this worker holds now."""
        return self._assigned

    def partition_counts(self) -> dict[str, int]:
        """Partitions of each inbound topic, as of the latest assignment."""
        return dict(self._counts)

    def subscribe(self) -> None:
        """Join the group (in the background: the first ``fetch`` takes part)."""
        self._consumer.subscribe(
            self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._lost
        )

    def _on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        committed = consumer.committed(partitions, timeout=self.timeout)
        now = self._clock()
        start = []
        for tp in committed:
            offset = tp.offset
            if offset < 0:  # nothing committed: from the first offset the partition holds
                offset = consumer.get_watermark_offsets(tp, timeout=self.timeout)[0]
            key = (tp.topic, tp.partition)
            self._next[key] = offset
            self._progress[key] = now
            start.append(TopicPartition(tp.topic, tp.partition, offset))
        consumer.assign(start)
        metadata = consumer.list_topics(timeout=self.timeout)
        self._counts = {
            t: len(metadata.topics[t].partitions) for t in self.topics if t in metadata.topics
        }
        self._assigned = frozenset((tp.topic, tp.partition) for tp in partitions)
        log.info("assigned %s", _names(self._assigned))

    def _on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        try:  # what was delivered before goes with the partitions, not routed again
            consumer.commit(asynchronous=False)
        except confluent_kafka.KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:
                log.warning("offsets not committed at revocation: %s", exc)
        self._lost(consumer, partitions)

    def _lost(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        gone = {(tp.topic, tp.partition) for tp in partitions}
        self._assigned = self._assigned - gone
        for key in gone:
            self._next.pop(key, None)
            self._touched.discard(key)
        log.info("revoked %s", _names(gone))

    async def fetch(self, most: int, idle: float) -> list[Inbound]:
        """Up to ``most`` records that are there now; if none, the first to come within
        ``idle`` seconds and what came with it. In offset order per partition, every offset
        accounted for (markers for what cannot be parsed)."""
        messages = self._consumer.consume(most, 0)
        if not messages:
            loop = asyncio.get_running_loop()
            messages = await loop.run_in_executor(None, self._consumer.consume, 1, idle)
            if messages:
                messages += self._consumer.consume(most - 1, 0)
        out: list[Inbound] = []
        for message in messages:
            await self._admit(message, out)
        if self._clock() - self._high_read >= 1.0:
            self._read_high_watermarks()
            if len(messages) < most:  # librdkafka's queue is empty: is a partition stuck?
                await self._unstick(out)
        return out

    def _read_high_watermarks(self) -> None:
        high = {}
        for key in self._assigned:
            _, found = self._consumer.get_watermark_offsets(TopicPartition(*key), cached=True)
            if found is not None and found >= 0:
                high[key] = found
        self._high = high
        self._high_read = self._clock()

    async def _admit(self, message: Any, out: list[Inbound]) -> None:
        error = message.error()
        key = (message.topic(), message.partition())
        expected = self._next.get(key)
        if expected is None:  # revoked in the same fetch, or an error about no partition
            if error is not None and error.code() == KafkaError.INCONSISTENT_GROUP_PROTOCOL:
                log.error(
                    "consumer group %r has members that assign partitions another way: workers "
                    "of a version before 2026-12 (Faust's own consumer). Stop them; this worker "
                    "joins once they are gone (docs/operations.md: upgrading)",
                    self.group,
                )
            elif error is not None and error.code() != KafkaError._PARTITION_EOF:
                log.warning("inbound consumer: %s", error.str())
            return
        offset = message.offset()
        self._progress[key] = self._clock()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                if offset > expected:  # control batches at the end: what were they?
                    await self._read(key, expected, out, stop=offset)
            elif offset is not None and offset >= expected:
                # a batch librdkafka cannot parse: it would report it for ever
                log.debug("inbound consumer at %s/%d:%d: %s", *key, offset, error.str())
                await self._read(key, expected, out, past=offset)
                self._seek(key)
            elif offset is None or offset < 0:
                log.warning("inbound consumer: %s", error.str())
            return
        if offset < expected:
            return  # routed already (fetched again after a seek)
        if offset > expected:  # librdkafka skipped offsets: control batches, or worse
            await self._read(key, expected, out, stop=offset)
        try:
            headers = _headers(message)
        except SystemError:  # a header key that is not UTF-8: the guarded fetcher escapes it
            await self._read(key, offset, out, stop=offset + 1)
            return
        out.append(
            Inbound(
                topic=key[0],
                partition=key[1],
                offset=offset,
                key=message.key(),
                value=message.value(),
                headers=tuple((k, v if v is not None else b"") for k, v in headers or ()),
                timestamp=plausible_seconds(message.timestamp()[1]),
            )
        )
        self._next[key] = offset + 1
        self._touched.add(key)

    async def _read(
        self,
        key: Partition,
        start: int,
        out: list[Inbound],
        stop: int | None = None,
        past: int = -1,
    ) -> None:
        records, self._next[key] = await self.reader.read(*key, start, stop=stop, past=past)
        out.extend(records)
        self._touched.add(key)
        self._progress[key] = self._clock()

    def _seek(self, key: Partition) -> None:
        self._consumer.seek(TopicPartition(key[0], key[1], self._next[key]))

    async def _unstick(self, out: list[Inbound]) -> None:
        """A partition with records beyond its next offset that handed out nothing for
        STALL_AFTER_S: librdkafka is stuck on a batch it does not report; read past it."""
        now = self._clock()
        for key in sorted(self._assigned):
            expected = self._next.get(key)
            if expected is None or now - self._progress.get(key, now) < STALL_AFTER_S:
                continue
            high = self._high.get(key)
            if high is not None and high > expected:
                log.debug("inbound %s/%d stuck at %d (high watermark %d)", *key, expected, high)
                await self._read(key, expected, out)
                self._seek(key)
            else:
                self._progress[key] = now

    def done(self) -> None:
        """Every record fetched so far was delivered: store their offsets for the next commit
        (only partitions still held; the others' records are routed again by their owner)."""
        for key in self._touched:
            if key not in self._assigned:
                continue
            try:
                self._consumer.store_offsets(offsets=[TopicPartition(*key, self._next[key])])
            except confluent_kafka.KafkaException as exc:  # revoked meanwhile: not ours now
                log.debug("offset of %s/%d not stored: %s", *key, exc)
        self._touched.clear()

    def lag(self) -> dict[Partition, int]:
        """Per held partition: the high watermark of a fetch in the last second or so minus the
        next offset to route (any thread)."""
        lag = {}
        high, expected = self._high, self._next  # replaced, not changed, by the loop
        for key in self._assigned:
            top, next_offset = high.get(key), expected.get(key)
            if top is not None and next_offset is not None:
                lag[key] = max(top - next_offset, 0)
        return lag

    async def close(self) -> None:
        """Commit what was stored and leave the group (the next owner starts there)."""
        await asyncio.get_running_loop().run_in_executor(None, self._consumer.close)
        await self.reader.stop()


def _names(partitions: frozenset[Partition] | set[Partition]) -> str:
    return ", ".join(f"{t}/{p}" for t, p in sorted(partitions)) or "nothing"
