"""Follow the event-id topic, so a worker knows every id routed before its next batch."""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import logging
import os
import re
from pathlib import Path
from typing import IO, Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline import topics
from pipeline.covenant.policy import Policy
from pipeline.errors import BrokerError, ConfigurationError
from pipeline.ops.retention import claims_horizon_ms
from pipeline.router.event_index import EventIndex, Resume
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.event_ids")


#: Index files one machine may hold per consumer group (workers of one group on one machine).
_SLOTS = 16
#: The Kafka cluster id every embedded broker (Tansu) reports: its address tells them apart.
EMBEDDED_CLUSTER_ID = "tansu_cluster"


def state_directory(settings: Settings, cluster_id: str, bootstrap: str) -> Path:
    """``<KETENSTROOM_STATE_DIR>/<cluster>/<group>``: where this worker keeps its files, apart
    from every other cluster's and consumer group's (several deployments may share a host or a
    volume; an index is only good for the claims topic it was read from)."""
    cluster = cluster_id if cluster_id != EMBEDDED_CLUSTER_ID else f"{cluster_id}-{bootstrap}"
    return settings.state_dir / _name(cluster) / _name(settings.router_group_id)


def _name(text: str) -> str:
    """``text`` as one directory name: no separator, no leading dot (so never ``..``)."""
    return re.sub(r"^\.", "_", re.sub(r"[^A-Za-z0-9._-]", "_", text)) or "_"


def open_event_index(settings: Settings, directory: Path) -> tuple[EventIndex, IO[bytes] | None]:
    """This worker's on-disk event-id index in ``directory``, and the lock that keeps it its own.

    ``event-ids-<n>.sqlite``: the first slot no other running worker holds, so a restarted
    worker finds the file its predecessor left (and reads only the claims since), and two
    workers of one group on one machine never share one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    horizon = dt.timedelta(days=settings.event_id_horizon_days)
    for slot in range(_SLOTS):
        path = directory / f"event-ids-{slot}.sqlite"
        lock = _lock(path.with_suffix(".lock"))
        if lock is not None:
            return EventIndex(path, horizon), lock
    log.warning(
        "all %d event-id index slots in %s are in use; indexing in memory", _SLOTS, directory
    )
    return EventIndex(None, horizon), None


def horizon(settings: Settings, policy: Policy) -> dt.timedelta:
    """How long this worker remembers event ids under ``policy``: the setting, or as long as
    the disclosure log keeps lines of the policy's rules if longer (ops.retention)."""
    ms = claims_horizon_ms(policy.register.values(), settings.event_id_horizon_ms)
    return dt.timedelta(milliseconds=ms)


def _lock(path: Path) -> IO[bytes] | None:
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    os.set_inheritable(handle.fileno(), False)
    return handle


#: How long a restart waits for the claim its index read last (a record that exists comes at
#: once; one beyond the topic's end never does).
_PROBE_MS = 2000
#: What an index file's resume point says about the claims topic (EventIdFollower._same_topic).
SAME, GONE, OTHER = "same", "gone", "other"


class EventIdFollower:
    """Reads ``ketenstroom.gebeurtenis-ids`` into an EventIndex, from where it last stopped.

    Every worker reads all of it (no consumer group): an id may come back on any partition of
    any inbound topic. Claims made by this worker are learnt at once by route_batch; claims by
    other workers are learnt before each batch by ``catch_up``, which also makes the index
    durable up to where it read. A worker that finds an index file resumes after the last
    claim it holds, once that claim is still on the topic at the same offset. When that claim
    is gone by retention, it reads the index afresh from the topic (which keeps every claim of
    the horizon). When the file is of another topic (another record at that offset, or an
    offset beyond the topic's end: the topic was made anew, or the file is another cluster's),
    it refuses to start rather than wipe what may be another deployment's index.
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
        self._resume: Resume = {}

    async def start(self) -> None:
        """Connect and read every claim made so far."""
        await self._consumer.start()
        numbers = self._consumer.partitions_for_topic(topics.EVENT_IDS)
        if not numbers:
            await self._consumer.stop()
            raise BrokerError(f"topic {topics.EVENT_IDS!r} does not exist")
        self._partitions = [TopicPartition(topics.EVENT_IDS, p) for p in sorted(numbers)]
        self._consumer.assign(self._partitions)
        resume = self.index.resume()
        verdict = await self._same_topic(resume) if resume else GONE
        if verdict == OTHER:
            await self._consumer.stop()
            raise ConfigurationError(
                f"the event-id index {self.index.path} was read from another claims topic than "
                f"this cluster's {topics.EVENT_IDS!r} (the topic was made anew, or the file is "
                "another deployment's): not starting, so as not to wipe it. If this worker's "
                "cluster and consumer group own that directory, delete the file (the worker reads "
                "the index again from the topic); otherwise give this worker a "
                "KETENSTROOM_STATE_DIR of its own"
            )
        if verdict == SAME:
            for tp in self._partitions:
                if tp.partition in resume:
                    self._consumer.seek(tp, resume[tp.partition][0])
                else:
                    await self._consumer.seek_to_beginning(tp)
            self._resume = dict(resume)
        else:
            if resume:
                log.info(
                    "event-id index %s: its last claim is gone by retention; reading the index "
                    "again from the topic",
                    self.index.path,
                )
            self.index.clear()
            await self._consumer.seek_to_beginning(*self._partitions)
        await self.catch_up()
        log.debug("event-id index loaded: %d ids", len(self.index))

    async def _same_topic(self, resume: Resume) -> str:
        """SAME if the last claim the index read is still where it was, with the same key and
        timestamp; GONE when it is no longer on the topic (retention: cannot tell); OTHER when
        another record is there, or the topic ends before it (a topic made anew, or the file
        is another cluster's)."""
        verdict = SAME
        for tp in self._partitions:
            if tp.partition not in resume:
                continue
            offset, key, timestamp = resume[tp.partition]
            start = (await self._consumer.beginning_offsets([tp]))[tp]
            if offset - 1 < start:
                verdict = GONE
                continue
            # Fetch that record. Not the end offset first: ListOffsets can under-report it
            # (the embedded broker while producers batch); a fetch's high watermark is right.
            self._consumer.seek(tp, offset - 1)
            found = await self._consumer.getmany(tp, timeout_ms=_PROBE_MS)
            first = next(iter(found.get(tp, [])), None)
            if first is None:
                high = self._consumer.highwater(tp)
                if high is not None and high < offset:
                    return OTHER  # the topic ends before it: another (newer, shorter) topic
                verdict = GONE  # no answer in time: cannot tell, read it all again
            elif (first.offset, first.key or b"", first.timestamp) != (offset - 1, key, timestamp):
                return OTHER
        return verdict

    async def catch_up(self) -> None:
        """Read until the end offsets as they are now; raises BrokerError on timeout."""
        end = await self._consumer.end_offsets(self._partitions)
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            self._learn(await self._consumer.getmany(*self._partitions, timeout_ms=0))
            behind = [tp for tp in self._partitions if await self._consumer.position(tp) < end[tp]]
            if not behind:
                self.index.flush(self._resume)
                return
            if asyncio.get_running_loop().time() > deadline:
                raise BrokerError(f"event-id topic not read to its end within {self.timeout} s")
            self._learn(await self._consumer.getmany(*behind, timeout_ms=100))

    def _learn(self, batches: dict[TopicPartition, list]) -> None:  # type: ignore[type-arg]
        for tp, records in batches.items():
            if records:
                last = records[-1]
                self._resume[tp.partition] = (last.offset + 1, last.key or b"", last.timestamp)
            for record in records:
                if not self.index.learn_record(record.key, record.value, record.timestamp):
                    log.error(
                        "event id %s was routed from two records at once (first claim kept: %s)",
                        (record.key or b"?").decode(errors="replace"),
                        self.index.get((record.key or b"").decode(errors="replace")),
                    )

    async def stop(self) -> None:
        """Stop reading; claims learnt since the last catch-up are not kept (see EventIndex)."""
        await self._consumer.stop()
        self.index.close()
