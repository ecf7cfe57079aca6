"""Avro single-object encoding: 0xC3 0x01, 8-byte CRC-64-AVRO fingerprint, then the body."""

from __future__ import annotations

import io
from typing import Any

import fastavro

from pipeline.codec.generated import Encoder, generate_encoder
from pipeline.codec.schema_store import SchemaEntry, SchemaStore
from pipeline.errors import CodecError

MAGIC = b"\xc3\x01"
HEADER_SIZE = 10


#: Generated encoders by schema fingerprint (codec.generated); None where a schema has a type
#: the generator does not write, so fastavro writes it. Bounded by the schemas a process meets.
_ENCODERS: dict[bytes, Encoder | None] = {}


def encode(entry: SchemaEntry, datum: dict[str, Any]) -> bytes:
    """Encode ``datum`` with ``entry``'s schema as one single-object-encoded record."""
    if entry.fingerprint not in _ENCODERS:
        _ENCODERS[entry.fingerprint] = generated_encoder(entry.expanded)
    encoder = _ENCODERS[entry.fingerprint]
    if encoder is None:
        return MAGIC + entry.fingerprint + encode_body(entry.parsed, datum, entry.name)
    return MAGIC + entry.fingerprint + encoder(datum)


def generated_encoder(schema: dict[str, Any]) -> Encoder | None:
    """The generated encoder of a record schema, or None if it has a type the generator does
    not write (fastavro writes those)."""
    try:
        return generate_encoder(schema)
    except CodecError:
        return None


def encode_body(parsed: Any, datum: dict[str, Any], name: str) -> bytes:
    """The Avro body of ``datum`` under a parsed schema; a misfit is a CodecError naming ``name``."""
    buf = io.BytesIO()
    try:
        fastavro.schemaless_writer(buf, parsed, datum, strict=True)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CodecError("encode_failed", f"record does not fit schema {name}: {exc}") from exc
    return buf.getvalue()


def read_fingerprint(raw: bytes) -> bytes:
    """The fingerprint of a single-object-encoded record, or a CodecError saying why not."""
    if len(raw) >= 5 and raw[0] == 0:  # what most Kafka stacks' Avro serializers write
        raise CodecError(
            "not_single_object",
            f"Confluent Schema Registry framing (magic byte 0, schema id "
            f"{int.from_bytes(raw[1:5], 'big')}), not Avro single-object encoding: send C3 01, "
            "the 8-byte schema fingerprint and the body (see the partner guide)",
        )
    if len(raw) < HEADER_SIZE or raw[:2] != MAGIC:
        raise CodecError(
            "not_single_object",
            f"not Avro single-object encoding: expected C3 01 and an 8-byte fingerprint, "
            f"got {len(raw)} bytes starting {raw[:2].hex() or 'nothing'}",
        )
    return raw[2:HEADER_SIZE]


def decode(raw: bytes, store: SchemaStore) -> tuple[SchemaEntry, dict[str, Any]]:
    """Decode one record; errors carry a dead-letter reason and no record content."""
    fp = read_fingerprint(raw)
    entry = store.get(fp)
    if entry is None:
        raise CodecError("unknown_fingerprint", f"no known schema has fingerprint {fp.hex()}")
    buf = io.BytesIO(raw)
    buf.seek(HEADER_SIZE)
    reader = store.reader_for(entry)
    try:
        datum = fastavro.schemaless_reader(buf, entry.parsed, reader.parsed if reader else None)
    except Exception as exc:
        raise CodecError(
            "undecodable_body",
            f"body does not decode as {entry.name} ({type(exc).__name__})",
        ) from exc
    if buf.tell() != len(raw):
        raise CodecError(
            "undecodable_body",
            f"{len(raw) - buf.tell()} trailing bytes after a {entry.name} record",
        )
    if not isinstance(datum, dict):
        raise CodecError("undecodable_body", f"{entry.name} is not a record schema")
    return reader or entry, datum
