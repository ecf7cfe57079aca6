"""Read ``ketenstroom.gebeurtenis-ids`` into a worker's event-id index: only what its batches need.

A claim lies on the partition its event id's hash gives (Kafka's murmur2, as every client
places keys: app.partitioner), and the claims topic has as many partitions as the inbound
topics. A partner's signal is keyed by its event id (the partner guide), so a signal on inbound
partition p is claimed on claims partition p, and the worker that holds partition p of the
inbound topics is the only one that needs claims partition p: before each batch it reads the
claims partitions of the inbound partitions it holds, and no other. Its own claims it learnt
while routing; the producer's delivery reports say where each landed (``written``), so reading
past them costs nothing. What another worker claimed there (a record keyed otherwise, or a
partition taken over in a rebalance) it reads and learns.

A record whose id or references lie on another partition (keyed otherwise, or a follow-up
about another worker's event) is not guessed at: the index says which partition it needs
(EventIndex.missing), ``read_missing`` reads that partition to its end, and the record is
routed again (app.batch_routing). So every id the old design (every worker reads every claim)
would have known before routing a record, this one knows too.

**A changed layout.** Claims placed under one partition count lie elsewhere under another.
When the claims topic's partition count differs from the one the index was read under (a new
index, one of an older version, or partitions added), the worker reads every partition before
routing; while claims placed by another count may still come (``LAYOUT_GRACE_MS`` after the
last misplaced claim seen or the change noticed), it reads every partition before each batch,
as every worker did before. When the inbound topics' partition count differs from the claims
topic's, it reads every partition before each batch, for as long as that lasts.

A worker that finds an index file resumes after the last claim it read, once that claim is
still on the topic at the same offset. When that claim is gone by retention, it reads the index
afresh. When the file is of another topic (another record at that offset, or an offset beyond
the topic's end: the topic was made anew, or the file is another cluster's), it refuses to
start rather than wipe what may be another deployment's index.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Iterable
from functools import partial
from typing import Any, NamedTuple

import confluent_kafka
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from pipeline import topics
from pipeline.app.partitioner import partitioner
from pipeline.broker.connection import librdkafka_config
from pipeline.errors import BrokerError, ConfigurationError
from pipeline.router.event_index import EventIndex, Resume
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.event_ids")

#: How long after a claim placed by another partition count (or a count change noticed) every
#: claims partition is read before each batch: twice the time a librdkafka producer takes to
#: learn a new partition count (topic.metadata.refresh.interval.ms, 5 minutes by default).
LAYOUT_GRACE_MS = 10 * 60 * 1000
#: What the index keeps besides claims: the claims topic's partition count it was read under,
#: and until when every partition is read before each batch.
PARTITIONS_META = "claims_partitions"
READ_ALL_UNTIL_META = "read_all_until_ms"
#: How long a restart waits for the claim its index read last (a record that exists comes at
#: once; one beyond the topic's end never does).
_PROBE_S = 2.0
#: What an index file's resume point says about the claims topic (ClaimsReader._same_topic).
SAME, GONE, OTHER = "same", "gone", "other"
#: What librdkafka says when a fetch position lies beyond a partition's end (no reset).
_BEYOND_END = frozenset(
    {confluent_kafka.KafkaError._PARTITION_EOF, confluent_kafka.KafkaError._AUTO_OFFSET_RESET}
)
#: Own claims remembered per partition until read past (more are read as anyone's would be).
_OWN_KEPT = 20_000


class Written(NamedTuple):
    """A claim this worker's producer wrote, as its delivery report said."""

    partition: int
    offset: int
    key: bytes
    timestamp_ms: int


class ClaimsReader:
    """Reads the claims topic into an EventIndex, partition by partition, as batches need it."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        index: EventIndex,
        timeout: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``timeout``: how long a read may go without progress before it fails."""
        self.index = index
        self.timeout = timeout
        self._clock = clock
        config = librdkafka_config(settings, bootstrap)
        # assign() only: the group id is never joined nor committed to (librdkafka wants one)
        self._config = {
            **config,
            "group.id": settings.router_group_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 10,
        }
        self._consumer = confluent_kafka.Consumer({**self._config, "auto.offset.reset": "earliest"})
        self._admin = AdminClient(config)
        self._partition = partitioner()
        self.partitions = 0  # the claims topic's, as this reader reads it
        #: How often the claims topic's partition count is asked for (before a batch).
        self.check_every = settings.health_interval_s
        self._checked = 0.0
        self._resume: Resume = {}
        #: The next offset to read per partition (also where no claim was read yet: empty).
        self._next: dict[int, int] = {}
        self._own: dict[int, dict[int, tuple[bytes, int]]] = {}
        self._read_all_until = 0
        self._reading: frozenset[int] | None = None  # partitions read before the last batch

    def placement(self, event_id: str) -> int:
        """The claims partition of ``event_id``'s claim."""
        return self._partition(event_id.encode(), self.partitions)

    def reads_all(self) -> bool:
        """True while every partition is read before each batch (the layout is settling)."""
        return self._clock() * 1000 < self._read_all_until

    async def start(self, read_all: bool = False) -> None:
        """Connect, check the index file against the topic, and read every partition if the
        index was read under another layout (or ``read_all``: a dry run's full index)."""
        count = await self._topic_partitions()
        self.partitions = count
        self._checked = self._clock()
        resume = self.index.resume()
        verdict = await self._same_topic(resume) if resume else GONE
        if verdict == OTHER:
            raise ConfigurationError(
                f"the event-id index {self.index.path} was read from another claims topic than "
                f"this cluster's {topics.EVENT_IDS!r} (the topic was made anew, or the file is "
                "another deployment's): not starting, so as not to wipe it. If this worker's "
                "cluster and consumer group own that directory, delete the file (the worker reads "
                "the index again from the topic); otherwise give this worker a "
                "KETENSTROOM_STATE_DIR of its own"
            )
        if verdict == SAME:
            self._resume = dict(resume)
            self._next = {p: offset for p, (offset, _, _) in resume.items()}
        else:
            if resume:
                log.info(
                    "event-id index %s: its last claim is gone by retention; reading the index "
                    "again from the topic",
                    self.index.path,
                )
            self.index.clear()
            self._resume, self._next = {}, {}
        self._read_all_until = self.index.meta(READ_ALL_UNTIL_META) or 0
        known = self.index.meta(PARTITIONS_META)
        if known is not None and known != count:
            self._layout_changed(known, count)
        if read_all or known != count:
            await self.catch_up(None)
            self.index.set_meta(PARTITIONS_META, count)
            self.index.flush(self._resume)
        log.debug("event-id index loaded: %d partitions of %d read", len(self._resume), count)

    async def before_batch(self, held: Collection[int] | None) -> None:
        """Make the claims of the batches before durable, read the claims partitions a batch
        on inbound partitions ``held`` needs (None: all) to their end, and tell the index
        which ones it may answer for."""
        if self._clock() - self._checked > self.check_every:
            self._checked = self._clock()
            count = await self._topic_partitions()
            if count > self.partitions:  # partitions are only ever added
                self._layout_changed(self.partitions, count)
                self.partitions = count
                self.index.set_meta(PARTITIONS_META, count)
        wanted = None if held is None or self.reads_all() else frozenset(held)
        if wanted is not None and len(wanted) >= self.partitions:
            wanted = None
        self._reading = wanted
        self.index.flush(self._resume)
        await self.catch_up(wanted)
        self.index.cover(wanted, None if wanted is None else self.placement)

    async def read_missing(self) -> None:
        """Read to their end the partitions lookups of the batch under way missed (the index
        stays as it is on disk until the next batch: its claims are not acknowledged yet)."""
        missing = frozenset(p for p in self.index.missing if 0 <= p < self.partitions)
        covered = self.index.covered
        await self.catch_up(missing)
        if covered is not None:
            self.index.cover(covered | missing, self.placement)

    def written(self, claims: Iterable[Written]) -> None:
        """Claims this worker's producer wrote: reading them back is skipped (on the
        partitions it reads before each batch; one on another is read as anyone's would be)."""
        reading = self._reading
        for claim in claims:
            if reading is not None and claim.partition not in reading:
                continue
            own = self._own.setdefault(claim.partition, {})
            own[claim.offset] = (claim.key, claim.timestamp_ms)
            if len(own) > _OWN_KEPT:
                del own[next(iter(own))]

    async def catch_up(self, partitions: Collection[int] | None) -> None:
        """Read ``partitions`` (None: all) to their end as of now; BrokerError when reading
        makes no progress for ``timeout`` seconds."""
        wanted = sorted(range(self.partitions) if partitions is None else set(partitions))
        if not wanted:
            return
        ends = await self._ends(wanted)
        reads = {}
        for partition in wanted:
            start = self._past_own(partition)
            if start is None or ends[partition] > start:
                reads[partition] = (start, ends[partition])
        if reads:
            await self._read(reads)

    def _past_own(self, partition: int) -> int | None:
        """The next offset to read on ``partition``, after the run of own claims it starts
        with (None: never read)."""
        offset = self._next.get(partition)
        own = self._own.get(partition)
        if offset is None or not own or offset not in own:
            return offset
        while offset in own:
            key, stamp = own.pop(offset)
            offset += 1
        self._resume[partition] = (offset, key, stamp)
        self._next[partition] = offset
        return offset

    async def _read(self, reads: dict[int, tuple[int | None, int]]) -> None:
        loop = asyncio.get_running_loop()
        begin = confluent_kafka.OFFSET_BEGINNING
        self._consumer.assign(
            [
                TopicPartition(topics.EVENT_IDS, p, begin if start is None else start)
                for p, (start, _) in reads.items()
            ]
        )
        left = {p: end for p, (_, end) in reads.items()}
        progress = loop.time()
        try:
            while left:
                messages = await loop.run_in_executor(None, self._consumer.consume, 1000, 0.1)
                if messages:
                    progress = loop.time()
                elif loop.time() - progress > self.timeout:
                    raise BrokerError(
                        f"event-id topic not read to its end: no progress in {self.timeout} s"
                    )
                for message in messages:
                    self._take(message, left)
        finally:
            self._consumer.unassign()  # no fetching between batches: own claims are skipped

    def _take(self, message: Any, left: dict[int, int]) -> None:
        partition = message.partition()
        error = message.error()
        if error is not None:
            if error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
                self._next[partition] = max(self._next.get(partition, 0), message.offset())
                if message.offset() >= left.get(partition, 0):
                    left.pop(partition, None)
                return
            raise BrokerError(f"reading {topics.EVENT_IDS}: {error.str()}")
        offset, key, value = message.offset(), message.key() or b"", message.value()
        stamp = message.timestamp()[1]
        self._resume[partition] = (offset + 1, key, stamp)
        self._next[partition] = offset + 1
        own = self._own.get(partition)
        if own is not None and own.pop(offset, None) is not None:
            return  # learnt when it was routed
        if key and self._partition(key, self.partitions) != partition:
            self._misplaced(stamp)
        if not self.index.learn_record(key, value, stamp):
            log.error(
                "event id %s was routed from two records at once (first claim kept: %s)",
                key.decode(errors="replace") or "?",
                self.index.get(key.decode(errors="replace")),
            )

    def _misplaced(self, stamp_ms: int) -> None:
        """A claim lies where another partition count put it: read every partition until no
        such claim can come any more."""
        until = max(stamp_ms, 0) + LAYOUT_GRACE_MS
        if until > self._read_all_until:
            if not self.reads_all() and until > self._clock() * 1000:
                log.warning(
                    "a claim on %s lies where another partition count put it: every partition "
                    "is read before each batch for the next %.0f minutes",
                    topics.EVENT_IDS,
                    (until - self._clock() * 1000) / 60_000,
                )
            self._read_all_until = until
            self.index.set_meta(READ_ALL_UNTIL_META, until)

    def _layout_changed(self, before: int, now: int) -> None:
        log.warning(
            "%s has %d partitions, its event-id index was read under %d: every partition is "
            "read (as before each batch for the next %d minutes), claims placed by either count "
            "are found",
            topics.EVENT_IDS,
            now,
            before,
            LAYOUT_GRACE_MS // 60_000,
        )
        self._misplaced(int(self._clock() * 1000))

    async def _ends(self, partitions: list[int]) -> dict[int, int]:
        """Each partition's end offset now (ListOffsets; the embedded broker may report the
        first offset of the last batch + 1, which is enough: reading fetches whole batches)."""
        futures = self._admin.list_offsets(
            {
                TopicPartition(topics.EVENT_IDS, p): OffsetSpec.latest()  # type: ignore[no-untyped-call]
                for p in partitions
            },
            request_timeout=self.timeout,
        )
        ends = {}
        for tp, future in futures.items():
            try:
                ends[tp.partition] = (await asyncio.wrap_future(future)).offset
            except confluent_kafka.KafkaException as exc:
                raise BrokerError(f"end offsets of {topics.EVENT_IDS}: {exc}") from exc
        return ends

    async def _topic_partitions(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            metadata: Any = await loop.run_in_executor(
                None, partial(self._admin.list_topics, topics.EVENT_IDS, timeout=self.timeout)
            )
        except confluent_kafka.KafkaException as exc:
            raise BrokerError(f"no metadata for {topics.EVENT_IDS}: {exc}") from exc
        found = metadata.topics.get(topics.EVENT_IDS)
        if found is None or found.error is not None or not found.partitions:
            raise BrokerError(f"topic {topics.EVENT_IDS!r} does not exist")
        return len(found.partitions)

    async def _same_topic(self, resume: Resume) -> str:
        """SAME if the last claim the index read is still where it was, with the same key and
        timestamp; GONE when it is no longer on the topic (retention: cannot tell); OTHER when
        another record is there, or the topic ends before it (a topic made anew, or the file
        is another cluster's)."""
        loop = asyncio.get_running_loop()
        verdict = SAME
        for partition, (offset, key, stamp) in sorted(resume.items()):
            tp = TopicPartition(topics.EVENT_IDS, partition)
            if partition >= self.partitions:
                return OTHER  # partitions are never removed: another topic
            watermarks: Any = await loop.run_in_executor(
                None, partial(self._consumer.get_watermark_offsets, tp, self.timeout)
            )
            low = watermarks[0]
            if offset - 1 < low:
                verdict = GONE
                continue
            # Fetch that record. Not the end offset first: ListOffsets can under-report it
            # (the embedded broker while producers batch); a fetch's high watermark is right.
            found = await self._probe(partition, offset - 1)
            if found is None:
                verdict = GONE  # no answer in time: cannot tell, read it all again
            elif found == "end":
                return OTHER  # the topic ends before it: another (newer, shorter) topic
            elif found != (offset - 1, key, stamp):
                return OTHER
        return verdict

    async def _probe(self, partition: int, offset: int) -> tuple[int, bytes, int] | str | None:
        """The offset, key and timestamp of the first record at or after ``offset``; "end"
        when the partition ends before it; None when nothing came in time."""
        loop = asyncio.get_running_loop()
        # a consumer of its own: an offset beyond the end must be reported, not reset
        probe = confluent_kafka.Consumer({**self._config, "auto.offset.reset": "error"})
        probe.assign([TopicPartition(topics.EVENT_IDS, partition, offset)])
        deadline = loop.time() + _PROBE_S
        try:
            while loop.time() < deadline:
                for message in await loop.run_in_executor(None, probe.consume, 10, 0.1):
                    error = message.error()
                    if error is None:
                        at: Any = message.offset()
                        return int(at), message.key() or b"", message.timestamp()[1]
                    if error.code() in _BEYOND_END:
                        return "end"
            return None
        finally:
            await loop.run_in_executor(None, probe.close)

    async def stop(self, delivered: bool = False) -> None:
        """Stop reading. Claims learnt since the last ``before_batch`` are kept only if
        ``delivered`` (every batch routed since was acknowledged)."""
        if delivered:
            self.index.flush(self._resume)
        await asyncio.get_running_loop().run_in_executor(None, self._consumer.close)
        self.index.close()
