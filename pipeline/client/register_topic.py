"""The register of processing activities on its compacted topic (key: the activity's id).

Published with the covenants (by a starting worker and by `convenant publish`), before any
disclosure-log line can refer to it; read by the FG's `verantwoording` commands. Entries of
earlier covenant versions stay (other keys): a log line of five years ago still finds its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.client.schema_topic import publish_schemas
from pipeline.codec.framing import decode, encode
from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.policy import Policy
from pipeline.covenant.register import REGISTER_SCHEMA, Activity
from pipeline.errors import BrokerError, CodecError
from pipeline.settings import Settings


def publish_register(
    settings: Settings, bootstrap: str, activities: Iterable[Activity], store: SchemaStore
) -> int:
    """Publish register entries (idempotent: same key, same value); returns how many."""
    entry = store.current(REGISTER_SCHEMA)
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    try:
        futures = [
            producer.send(topics.REGISTER, key=a.id.encode(), value=encode(entry, dict(a.record)))
            for a in activities
        ]
        for future in futures:
            future.get(timeout=settings.request_timeout_s)
        return len(futures)
    except KafkaError as exc:
        raise BrokerError(f"the register was not acknowledged by Kafka: {exc}") from exc
    finally:
        producer.close()


def read_register(settings: Settings, bootstrap: str, store: SchemaStore) -> dict[str, Activity]:
    """Every register entry on the topic, by activity id (the latest value of each key)."""
    register: dict[str, Activity] = {}
    for record in read_to_end(settings, bootstrap, topics.REGISTER):
        if not record.value or not record.key:
            continue
        try:
            _, body = decode(record.value, store)
        except CodecError:
            continue  # not a register entry this store can read: it names no activity
        register[record.key.decode()] = Activity(body)
    return register


def publish_policy(settings: Settings, bootstrap: str, policy: Policy) -> None:
    """A policy's schemas (views decodable before their first use) and its register entries
    (every activity a log line may name), both before anything is routed under it."""
    publish_schemas(settings, bootstrap, list(policy.store))
    publish_register(settings, bootstrap, policy.register.values(), policy.store)
