"""The compacted schema topic: every signal, view and log schema, keyed by fingerprint.

A fingerprint names one schema for ever. Writers publish only fingerprints the topic does not
hold yet, and refuse a schema whose fingerprint the topic holds with other logical types (Avro's
fingerprint does not see them). Readers take the first schema of each fingerprint and pass over
any later, different one: a record is always decoded with the schema it was written with.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.codec.schema_store import SchemaEntry, SchemaStore, clashes, make_entry
from pipeline.errors import BrokerError, SchemaError
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.schemas")


def schema_message(entry: SchemaEntry) -> bytes:
    """The value published for a schema: its kind and full JSON (docs included)."""
    return json.dumps({"kind": entry.kind, "schema": entry.expanded}, sort_keys=True).encode()


def publish_schemas(
    settings: Settings,
    bootstrap: str,
    entries: Iterable[SchemaEntry],
    published: SchemaStore | None = None,
) -> int:
    """Publish the schemas the topic does not hold yet (``published``: what it holds; read
    here when not given); returns how many were sent. A SchemaError, with nothing sent, when
    one would redefine a fingerprint the topic holds."""
    wanted = list(entries)
    on_topic = published if published is not None else load_schema_topic(settings, bootstrap)
    problems = clashes(wanted, on_topic)
    if problems:
        raise SchemaError("; ".join(problems))
    new = [e for e in wanted if on_topic.get(e.fingerprint) is None]
    if not new:
        return 0
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    try:
        futures = [
            producer.send(topics.SCHEMAS, key=e.fingerprint_hex.encode(), value=schema_message(e))
            for e in new
        ]
        for future in futures:
            future.get(timeout=settings.request_timeout_s)
        return len(futures)
    except KafkaError as exc:
        raise BrokerError(f"schemas were not acknowledged by Kafka: {exc}") from exc
    finally:
        producer.close()


def load_schema_topic(settings: Settings, bootstrap: str) -> SchemaStore:
    """A store of every schema on the schema topic: the first per fingerprint; each checked
    against its fingerprint key. Records that are no schema, or a later, different schema
    under a known fingerprint, are passed over (and logged): they decode nothing."""
    store = SchemaStore()
    for record in read_to_end(settings, bootstrap, topics.SCHEMAS):
        if record.value is None:
            continue
        try:
            body = json.loads(record.value)
            entry = make_entry(body["schema"], body["kind"])
        except (ValueError, KeyError, TypeError, SchemaError) as exc:
            log.warning("schema topic record %r is no schema, passed over: %s", record.key, exc)
            continue
        if record.key is None or entry.fingerprint_hex != record.key.decode(errors="replace"):
            raise SchemaError(
                f"schema topic record {record.key!r} does not match its schema's fingerprint"
            )
        try:
            store.add(entry)
        except SchemaError as exc:
            log.warning("schema topic offset %d passed over: %s", record.offset, exc)
    return store
