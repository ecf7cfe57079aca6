"""The register of processing activities on its compacted topic (key: the activity's id).

Published with the covenants (by a starting worker and by `convenant publish`), before any
disclosure-log line can refer to it; read by the FG's `verantwoording` commands. One entry per
id, written once: a writer publishes only ids the topic does not hold and refuses an entry that
would give a held id another content; a reader takes the first entry of each id and passes over
any later, different one. A log line of five years ago finds the entry it was written under.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.client.schema_topic import load_schema_topic, publish_schemas
from pipeline.codec.framing import decode, encode
from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.policy import Policy
from pipeline.covenant.register import REGISTER_SCHEMA, Activity, differing_parts, redefinitions
from pipeline.errors import BrokerError, CodecError, CovenantError
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.register")


@dataclass
class RegisterTopic:
    """What the register topic holds: the first entry of every id, and the ids under which a
    later record tried to say something else (passed over)."""

    entries: dict[str, Activity] = field(default_factory=dict)
    overwritten: dict[str, int] = field(default_factory=dict)


def publish_register(
    settings: Settings,
    bootstrap: str,
    activities: Iterable[Activity],
    store: SchemaStore,
    held: Mapping[str, Activity] | None = None,
) -> int:
    """Publish the entries the topic does not hold yet (``held``: what it holds; read here
    when not given); returns how many were sent. Raises CovenantError, with nothing sent, when
    an entry would give a held id another content."""
    wanted = list(activities)
    known = held if held is not None else read_register_topic(settings, bootstrap, store).entries
    changed = [
        f"{a.id}: {', '.join(differing_parts(known[a.id].record, a.record))}"
        for a in wanted
        if a.id in known and differing_parts(known[a.id].record, a.record)
    ]
    if changed:
        raise CovenantError(
            [f"register entry would change, which it never may: {c}" for c in changed]
        )
    new = [a for a in wanted if a.id not in known]
    if not new:
        return 0
    entry = store.current(REGISTER_SCHEMA)
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    try:
        futures = [
            producer.send(topics.REGISTER, key=a.id.encode(), value=encode(entry, dict(a.record)))
            for a in new
        ]
        for future in futures:
            future.get(timeout=settings.request_timeout_s)
        return len(futures)
    except KafkaError as exc:
        raise BrokerError(f"the register was not acknowledged by Kafka: {exc}") from exc
    finally:
        producer.close()


def read_register_topic(settings: Settings, bootstrap: str, store: SchemaStore) -> RegisterTopic:
    """The register topic: the first entry of every id, and how often an id was written again
    with another content (those records are passed over)."""
    found = RegisterTopic()
    for record in read_to_end(settings, bootstrap, topics.REGISTER):
        if not record.value or not record.key:
            continue
        try:
            _, body = decode(record.value, store)
        except CodecError:
            continue  # not a register entry this store can read: it names no activity
        key = record.key.decode(errors="replace")
        first = found.entries.get(key)
        if first is None:
            if body.get("id") == key:
                found.entries[key] = Activity(body)
            continue
        if differing_parts(first.record, body):
            log.warning("register entry %s written again with other content: passed over", key)
            found.overwritten[key] = found.overwritten.get(key, 0) + 1
    return found


def read_register(settings: Settings, bootstrap: str, store: SchemaStore) -> dict[str, Activity]:
    """Every register entry on the topic, by activity id (the first, immutable, entry of each)."""
    return read_register_topic(settings, bootstrap, store).entries


def publish_policy(
    settings: Settings,
    bootstrap: str,
    policy: Policy,
    schemas: SchemaStore | None = None,
    register: Mapping[str, Activity] | None = None,
) -> None:
    """A policy's schemas (views decodable before their first use) and its register entries
    (every activity a log line may name), both before anything is routed under it; only what
    the topics lack, and nothing when either would redefine what they hold."""
    on_topic = schemas if schemas is not None else load_schema_topic(settings, bootstrap)
    held = register
    if held is None:
        held = read_register_topic(settings, bootstrap, SchemaStore(policy.store)).entries
    changed = redefinitions(held, policy.register)
    if changed:  # checked before any schema is written: a refused policy leaves no trace
        raise CovenantError(
            [f"register entry {r.id} would change ({', '.join(r.parts)})" for r in changed]
        )
    publish_schemas(settings, bootstrap, list(policy.store), on_topic)
    publish_register(settings, bootstrap, policy.register.values(), policy.store, held)
