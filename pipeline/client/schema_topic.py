"""The compacted schema topic: every signal, view and log schema, keyed by fingerprint."""

from __future__ import annotations

import json
from collections.abc import Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.codec.schema_store import SchemaEntry, SchemaStore, make_entry
from pipeline.errors import BrokerError, SchemaError
from pipeline.settings import Settings


def schema_message(entry: SchemaEntry) -> bytes:
    """The value published for a schema: its kind and full JSON (docs included)."""
    return json.dumps({"kind": entry.kind, "schema": entry.expanded}, sort_keys=True).encode()


def publish_schemas(settings: Settings, bootstrap: str, entries: Iterable[SchemaEntry]) -> int:
    """Publish schemas (idempotent: same key, same value); returns how many were sent."""
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    try:
        futures = [
            producer.send(topics.SCHEMAS, key=e.fingerprint_hex.encode(), value=schema_message(e))
            for e in entries
        ]
        for future in futures:
            future.get(timeout=settings.request_timeout_s)
        return len(futures)
    except KafkaError as exc:
        raise BrokerError(f"schemas were not acknowledged by Kafka: {exc}") from exc
    finally:
        producer.close()


def load_schema_topic(settings: Settings, bootstrap: str) -> SchemaStore:
    """A store of every schema on the schema topic; each is checked against its fingerprint key."""
    store = SchemaStore()
    for record in read_to_end(settings, bootstrap, topics.SCHEMAS):
        if record.value is None:
            continue
        body = json.loads(record.value)
        entry = make_entry(body["schema"], body["kind"])
        if entry.fingerprint_hex != record.key.decode():
            raise SchemaError(
                f"schema topic record {record.key!r} does not match its schema's fingerprint"
            )
        store.add(entry)
    return store
