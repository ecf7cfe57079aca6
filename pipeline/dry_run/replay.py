"""The dry run's shell: the policy in force (the newest trusted bundle, as a worker adopts it),
the proposed covenant files, the event-id index read from the claims topic (as a worker reads
it), and the inbound topics of a period, read once and routed twice, in memory.

Nothing is produced: ``route`` is the router's pure function, its outputs are counted and
dropped. Memory stays bounded: the event-id index lives in a temporary SQLite file, records are
fetched in batches, and the tally keeps counters only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import confluent_kafka
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.app.claims_reader import ClaimsReader
from pipeline.app.event_ids import horizon
from pipeline.app.worker import load_keyring, newest_policy
from pipeline.broker.connection import client_config
from pipeline.codec.schema_store import SchemaStore, load_store, with_history
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import LoadedCovenant, load_covenant, load_covenants
from pipeline.covenant.policy import Policy
from pipeline.dry_run.tally import Tally, outcome_of
from pipeline.errors import BrokerError
from pipeline.messages import dry_run as msg
from pipeline.privacy.keyring import Keyring, ephemeral_keyring
from pipeline.registry import Registry, load_registry
from pipeline.router.core import route
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound
from pipeline.settings import Settings

#: Records fetched per poll: bounds what one batch holds in memory.
MAX_POLL_RECORDS = 200
#: Claims learnt while replaying go to the index file this often (an index keeps the claims
#: learnt since its last flush in memory: without flushing they would grow with the backlog).
FLUSH_EVERY = 500


@dataclass(frozen=True)
class Policies:
    """The two policies a dry run compares, and what it needs to say about them."""

    in_force: Policy
    version: int
    proposed: Policy
    router_keys: bool


def needed_topics(registry: Registry) -> list[str]:
    """Every topic the dry run reads: the router's inputs and its control state."""
    own = [topics.EVENT_IDS, topics.COVENANTS, topics.COVENANT_STATUS, topics.SCHEMAS]
    return [*registry.inbound_topics(), *own]


def check_rights(settings: Settings, bootstrap: str, registry: Registry) -> None:
    """Refuse, in the officer's words, when a topic the dry run reads is not visible: Kafka
    shows a user only the topics it may describe."""
    consumer = _consumer(settings, bootstrap)
    try:
        visible = consumer.topics()
    except KafkaError as exc:
        raise BrokerError(str(msg.refused_by_kafka("de lijst van topics", str(exc)))) from exc
    finally:
        consumer.close()
    missing = [t for t in needed_topics(registry) if t not in visible]
    if missing:
        raise BrokerError(str(msg.lacks_rights(missing)))


def _consumer(settings: Settings, bootstrap: str) -> KafkaConsumer:
    try:
        return KafkaConsumer(
            **client_config(settings, bootstrap),
            group_id=None,
            enable_auto_commit=False,
            max_poll_records=MAX_POLL_RECORDS,
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc


def policies(
    settings: Settings, bootstrap: str, proposed: Path
) -> tuple[Policies, Registry, SchemaStore, Keyring]:
    """The policy in force (as a starting worker adopts it) and the proposed files, compiled
    with the router's keyring when there is one (then references open as they do live)."""
    registry = load_registry(settings.convenanten_dir)
    from pipeline.client.schema_topic import load_schema_topic

    store = with_history(load_store(settings.schemas_dir), load_schema_topic(settings, bootstrap))
    keyring = load_keyring(settings)
    router_keys = keyring is not None
    keys = keyring or ephemeral_keyring(registry.ids)
    disk = compile_policy(load_covenants(settings.convenanten_dir), registry, store, keys)
    holder = newest_policy(settings, bootstrap, disk, registry, store, keys)
    directory = proposed if proposed.is_dir() else proposed.parent
    proposed_registry = (
        load_registry(directory) if (directory / "deelnemers.yaml").exists() else registry
    )
    new = compile_policy(_proposed(proposed, settings), proposed_registry, store, keys)
    return Policies(holder.policy, holder.version, new, router_keys), registry, store, keys


def _proposed(path: Path, settings: Settings) -> list[LoadedCovenant]:
    """The proposed covenants: a directory as it is; one file in place of the covenant with its
    id among the configured ones (the others stay as they are, not withdrawn)."""
    if path.is_dir():
        return load_covenants(path)
    changed = load_covenant(path)
    cid = changed.model.convenant.id
    others = [c for c in load_covenants(settings.convenanten_dir) if c.model.convenant.id != cid]
    return [*others, changed]


def load_index(settings: Settings, bootstrap: str, policy: Policy, folder: Path) -> EventIndex:
    """The event-id index as a worker builds it from the claims topic, in a file of its own."""
    path = folder / "event-ids.sqlite"
    remembered = horizon(settings, policy)

    async def follow() -> None:
        reader = ClaimsReader(
            settings, bootstrap, EventIndex(path, remembered), settings.request_timeout_s
        )
        try:
            await reader.start(read_all=True)
        finally:
            await reader.stop()

    try:
        asyncio.run(follow())
    except (BrokerError, confluent_kafka.KafkaException) as exc:
        raise BrokerError(str(msg.refused_by_kafka(topics.EVENT_IDS, str(exc)))) from exc
    return EventIndex(path, remembered)


def read_period(
    settings: Settings,
    bootstrap: str,
    registry: Registry,
    start: dt.datetime,
    end: dt.datetime,
    progress: Callable[[int, int], None],
) -> Iterator[Inbound]:
    """Every inbound record whose timestamp lies in [start, end), partition by partition, in
    offset order; ``progress(done, total)`` as it goes. Reads from the first offset at ``start``
    to the fetch high watermark (not ListOffsets: see docs/embedded-broker.md), all of it:
    a record's timestamp is its producer's, so a later one may still lie in the period."""
    consumer = _consumer(settings, bootstrap)
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    try:
        tps = [
            TopicPartition(t, p)
            for t in registry.inbound_topics()
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(tps)
        firsts = consumer.offsets_for_times({tp: start_ms for tp in tps})
        ends = consumer.end_offsets(tps)
        pending = set()
        total = 0
        for tp in tps:
            found = firsts.get(tp)
            if found is None:
                continue  # nothing appended since the start
            consumer.seek(tp, found.offset)
            pending.add(tp)
            total += max(ends.get(tp, found.offset) - found.offset, 0)
        done = 0
        progress(0, total)
        while pending:
            batches = consumer.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    done += 1
                    if start_ms <= record.timestamp < end_ms:
                        yield Inbound(
                            record.topic,
                            record.partition,
                            record.offset,
                            record.key,
                            record.value,
                            tuple((k, v or b"") for k, v in record.headers or ()),
                            record.timestamp / 1000,
                        )
            progress(done, max(total, done))
            for tp in list(pending):
                high = consumer.highwater(tp)
                if high is not None and consumer.position(tp) >= high:
                    pending.discard(tp)
    except KafkaError as exc:
        raise BrokerError(str(msg.refused_by_kafka("signalen.*", str(exc)))) from exc
    finally:
        consumer.close()


def dry_run(
    settings: Settings,
    bootstrap: str,
    proposed: Path,
    start: dt.datetime,
    end: dt.datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[Tally, Policies]:
    """Replay [start, end) through the policy in force and the proposed files; the counts."""
    registry = load_registry(settings.convenanten_dir)
    check_rights(settings, bootstrap, registry)
    chosen, registry, _, _ = policies(settings, bootstrap, proposed)
    tally = Tally()
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="ketenstroom-proef-") as folder:
        index = load_index(settings, bootstrap, chosen.in_force, Path(folder))
        try:
            for count, record in enumerate(
                read_period(settings, bootstrap, registry, start, end, progress), 1
            ):
                before = route(record, chosen.in_force, now, index)
                if before.claim is not None:  # as route_batch: later records know this one
                    index.learn_record(before.claim.key, before.claim.value)
                if count % FLUSH_EVERY == 0:
                    index.flush()
                after = route(record, chosen.proposed, now, index)
                tally.add(outcome_of(before, chosen.in_force), outcome_of(after, chosen.proposed))
        finally:
            index.close()
    return tally, chosen
