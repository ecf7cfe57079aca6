"""Avro's binary encoding of its primitive types, as the specification writes them: what the
generated encoders (codec.generated) and the encoding plans (codec.plans) both write with."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from typing import Any

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
pack_double = struct.Struct("<d").pack
pack_float = struct.Struct("<f").pack


def _varint(n: int) -> bytes:
    """A long as Avro writes it: zig-zag, then base-128 little-endian."""
    z = (n << 1) ^ (n >> 63)
    if z < 0x80:
        return bytes((z,))
    out = bytearray()
    while z >= 0x80:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


#: Precomputed encodings of small longs (lengths, array counts, enum indexes ...).
SMALL = [_varint(n) for n in range(256)]


def encode_long(n: int) -> bytes:
    """A long (or int): zig-zag, base-128; small ones precomputed."""
    if 0 <= n < 256:
        return SMALL[n]
    if not -(2**63) <= n < 2**63:
        raise ValueError(f"{n} does not fit an Avro long")
    return _varint(n)


def encode_text(value: str) -> bytes:
    """A string: its UTF-8 length, then its UTF-8 bytes."""
    raw = value.encode()
    return encode_long(len(raw)) + raw


def encode_bytes(value: bytes) -> bytes:
    """Bytes: their length, then themselves."""
    return encode_long(len(value)) + value


def _since_epoch(value: dt.datetime) -> dt.timedelta:
    # as fastavro does: a moment without a time zone is read as UTC
    return value - (_EPOCH if value.tzinfo is not None else _EPOCH.replace(tzinfo=None))


def millis(value: Any) -> int:
    """A timestamp-millis: a moment (or already a number) as milliseconds since the epoch."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    delta = _since_epoch(value)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def micros(value: Any) -> int:
    """A timestamp-micros: a moment (or already a number) as microseconds since the epoch."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    delta = _since_epoch(value)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def days(value: Any) -> int:
    """A date: a day (or already a number) as days since the epoch; a moment is refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        raise ValueError("a date, not a moment")
    days: int = (value - _EPOCH_DATE).days
    return days


def encode_uuid(value: Any) -> bytes:
    """A uuid string: a UUID (or its text, checked) as its canonical text."""
    return encode_text(str(value) if isinstance(value, uuid.UUID) else str(uuid.UUID(value)))
