"""The partners' contract as an AsyncAPI 3.0 document, generated from the registry and the
signal schemas. Pure apart from reading the schema and registry files; ``ketenstroom deploy
asyncapi`` prints it and ``deploy write`` keeps ``docs/asyncapi.yaml`` in step."""

from __future__ import annotations

from typing import Any, get_args

import yaml

from pipeline import topics
from pipeline.codec.schema_store import SchemaKind, SchemaStore, load_store
from pipeline.registry import Registry, load_registry
from pipeline.router.core import (
    EVENT_ID_HEADER,
    EVENT_REF_HEADER,
    SCHEMA_HEADER,
    TRACEPARENT_HEADER,
)
from pipeline.settings import Settings

ASYNCAPI_VERSION = "3.0.0"
#: How AsyncAPI names an Avro payload (the Avro specification version of the schemas).
AVRO_FORMAT = "application/vnd.apache.avro;version=1.9.0"
#: Avro single-object encoding: C3 01, the 8-byte CRC-64-AVRO fingerprint, then the body.
CONTENT_TYPE = "application/vnd.apache.avro+binary"
SINGLE_OBJECT = (
    "Avro single-object encoding: the two bytes C3 01, the schema's 8-byte CRC-64-AVRO "
    "fingerprint (little-endian), then the Avro binary body. Not Confluent Schema Registry "
    "framing (a zero byte and a 4-byte id): such a record becomes a dead letter "
    "(`not_single_object`)."
)
#: Every kind of schema the schema topic holds (the enum of its ``kind`` field).
SCHEMA_KINDS: tuple[str, ...] = get_args(SchemaKind)
SCHEMA_TOPIC = (
    "Key: the fingerprint as 16 lowercase hex characters (the wire's byte order). Value: JSON "
    '{"kind": ..., "schema": the schema with every named type expanded}; kind is signal (a '
    "signal type a partner sends), view (a recipient's view), log (the router's own records: "
    "disclosure log, register, figures) or common (a shared type: envelope, person, address; "
    "never a record on its own). Read it from the beginning up to the end offset it has when "
    "you start (the high watermark of your fetch responses: librdkafka's "
    "get_watermark_offsets, Java's endOffsets, kafkajs' fetchTopicOffsets). A fingerprint names "
    "one schema for ever: ketenstroom writes each once and never another under it; if a later "
    "record under a known key differs, keep the first. A view whose fingerprint you do not "
    "have yet was published after you read: read on from where you stopped."
)


def asyncapi_document(registry: Registry, store: SchemaStore) -> dict[str, Any]:
    """The AsyncAPI 3.0 document: a channel per partner's inbound topic and inbox, the schema
    topic, and one message per signal type with its Avro schema."""
    senders = [p.id for p in registry.deelnemers if p.publiceert]
    receivers = [p.id for p in registry.deelnemers if p.ontvangt]
    signal_messages = {
        name: {"$ref": f"#/components/messages/{name}"} for name in store.signal_types()
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "ketenstroom: signals and inboxes of the chain partners",
            "version": _version(store),
            "description": (
                "What a partner system sends and receives. Each partner writes only its own "
                "inbound topic and reads only its own inbox; the router applies the covenants "
                "in between. The partner guide (docs/partners.en.md, docs/partners.nl.md) "
                "explains every step. " + SINGLE_OBJECT
            ),
            "license": {"name": "EUPL-1.2"},
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka-secure",
                "protocolVersion": "4.2",
                "description": (
                    "The Strimzi external listener: TLS (the cluster CA certificate is handed "
                    "to each partner) with SASL/SCRAM-SHA-512; user name = partner id."
                ),
                "variables": {
                    "bootstrap": {
                        "description": "host:port of the external bootstrap address",
                        "default": "ketenstroom-kafka-bootstrap:9094",
                    }
                },
                "security": [{"$ref": "#/components/securitySchemes/scram"}],
            }
        },
        "channels": {
            "inbound": {
                "address": f"{topics.INBOUND_PREFIX}{{partner}}",
                "title": "A partner's inbound topic",
                "description": "Only this partner may write here; the router reads it.",
                "parameters": {"partner": {"$ref": "#/components/parameters/sender"}},
                "messages": signal_messages,
            },
            "inbox": {
                "address": f"{topics.INBOX_PREFIX}{{partner}}",
                "title": "A partner's inbox",
                "description": (
                    "Views of signals, as the covenant allows this partner to see them. Only "
                    "this partner may read it. Each view's schema is on the schema topic."
                ),
                "parameters": {"partner": {"$ref": "#/components/parameters/receiver"}},
                "messages": {"View": {"$ref": "#/components/messages/View"}},
            },
            "schemas": {
                "address": topics.SCHEMAS,
                "title": "The schema topic (compacted)",
                "messages": {"Schema": {"$ref": "#/components/messages/Schema"}},
            },
        },
        "operations": {
            "publishSignal": {
                "action": "send",
                "channel": {"$ref": "#/channels/inbound"},
                "summary": "Publish a signal on one's own inbound topic (acks=all).",
                "messages": [
                    {"$ref": f"#/channels/inbound/messages/{name}"} for name in signal_messages
                ],
            },
            "readInbox": {
                "action": "receive",
                "channel": {"$ref": "#/channels/inbox"},
                "summary": "Read one's views (consumer group id starting with '<partner>.').",
                "messages": [{"$ref": "#/channels/inbox/messages/View"}],
            },
            "readSchemas": {
                "action": "receive",
                "channel": {"$ref": "#/channels/schemas"},
                "summary": "Read every schema, to decode views by fingerprint.",
                "messages": [{"$ref": "#/channels/schemas/messages/Schema"}],
            },
        },
        "components": {
            "parameters": {
                "sender": {"enum": senders, "description": "Partner id (deelnemers.yaml)."},
                "receiver": {"enum": receivers, "description": "Partner id (deelnemers.yaml)."},
            },
            "securitySchemes": {
                "scram": {
                    "type": "scramSha512",
                    "description": "SASL/SCRAM-SHA-512 over TLS; the user name is the partner id.",
                }
            },
            "messages": {
                **{name: _signal_message(store, name) for name in signal_messages},
                "View": {
                    "name": "View",
                    "title": "A view of a signal for one recipient",
                    "summary": SINGLE_OBJECT,
                    "contentType": CONTENT_TYPE,
                    "description": (
                        "Decode each record with the schema whose fingerprint is in bytes 2-10 "
                        "(look it up on the schema topic, keep every one you have seen, and "
                        "read the topic again for an unknown one); never pick a schema by its "
                        "name or take the newest: a view of an earlier covenant version keeps "
                        "its own schema, and a date and a year are both an Avro int with one "
                        "fingerprint to Avro's rules. The record name "
                        "(nl.ketenstroom.view.<recipient>.<covenant>.v<versie>.<Type>) tells "
                        "which view and covenant version it is. Encrypted fields (ENC2...) open "
                        "with the recipient's private key as the partner guide specifies byte "
                        "for byte (section Encrypted fields)."
                    ),
                    "headers": {
                        "type": "object",
                        "properties": {
                            EVENT_REF_HEADER: {
                                "type": "string",
                                "description": "envelope.event_ref: your own reference to the "
                                "event (also the record's key)",
                            },
                            SCHEMA_HEADER: {
                                "type": "string",
                                "pattern": "^[0-9a-f]{16}$",
                                "description": "the view schema's fingerprint as 16 lowercase "
                                "hex characters: bytes 2-10 of the value, hex-encoded (the key "
                                "on the schema topic)",
                            },
                            TRACEPARENT_HEADER: {
                                "type": "string",
                                "description": "W3C traceparent of this disclosure: "
                                "00-<envelope.trace_id>-<envelope.span_id>-01",
                            },
                        },
                    },
                    "payload": {"type": "string", "format": "binary"},
                    "bindings": {
                        "kafka": {
                            "key": {"type": "string", "description": "envelope.event_ref"},
                            "bindingVersion": "0.5.0",
                        }
                    },
                },
                "Schema": {
                    "name": "Schema",
                    "title": "One Avro schema",
                    "contentType": "application/json",
                    "description": SCHEMA_TOPIC,
                    "payload": {
                        "type": "object",
                        "required": ["kind", "schema"],
                        "properties": {
                            "kind": {"type": "string", "enum": list(SCHEMA_KINDS)},
                            "schema": {"type": "object"},
                        },
                    },
                    "bindings": {
                        "kafka": {
                            "key": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                            "bindingVersion": "0.5.0",
                        }
                    },
                },
            },
        },
    }


def _signal_message(store: SchemaStore, name: str) -> dict[str, Any]:
    entry = store.current(name)
    return {
        "name": name,
        "title": f"Signal {name}",
        "summary": f"Schema fingerprint {entry.fingerprint_hex}. {SINGLE_OBJECT}",
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                EVENT_ID_HEADER: {"type": "string", "description": "envelope.event_id"},
                TRACEPARENT_HEADER: {
                    "type": "string",
                    "description": "W3C traceparent: 00-<envelope.trace_id>-<envelope.span_id>-01",
                },
            },
        },
        "payload": {"schemaFormat": AVRO_FORMAT, "schema": _short_names(entry.expanded)},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "envelope.event_id (UUID, UTF-8)"},
                "bindingVersion": "0.5.0",
            }
        },
    }


def _short_names(schema: Any) -> Any:
    """The same Avro schema with each full name split into name and namespace, the form
    AsyncAPI's Avro meta-schema accepts (the fingerprint is the same)."""
    if isinstance(schema, list):
        return [_short_names(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    # keys sorted: the same document whatever order a schema's keys were read in
    out = {k: _short_names(schema[k]) for k in sorted(schema)}
    name = out.get("name")
    if out.get("type") in ("record", "enum", "fixed") and isinstance(name, str) and "." in name:
        out["namespace"], _, out["name"] = name.rpartition(".")
    return out


def _version(store: SchemaStore) -> str:
    """Changes whenever a signal schema changes: the fingerprints of the current signal types."""
    return "+".join(store.current(n).fingerprint_hex[:8] for n in store.signal_types())


def asyncapi_yaml(settings: Settings) -> str:
    """The document as YAML, from the registry and schema files the settings name."""
    document = asyncapi_document(
        load_registry(settings.convenanten_dir), load_store(settings.schemas_dir)
    )
    header = "# Generated by `ketenstroom deploy asyncapi`; do not edit by hand.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
