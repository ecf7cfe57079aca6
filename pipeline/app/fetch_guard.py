"""Fetched record batches that aiokafka cannot parse become markers, never a crash loop.

aiokafka parses a fetched batch only when the consumer asks for its records, and an error
there (bad CRC, a payload that does not decompress, a record that runs past its batch, a
header key that is not UTF-8) is raised from every ``getmany`` at the same position: the
worker dies, restarts, fetches the same batch and dies again, and every signal behind it on
that partition waits. Apache Kafka refuses most of these at produce time; other brokers (the
embedded one among them) store them as sent, and the protocol allows any header bytes.

``guard(fetcher, unreadable)`` wraps one aiokafka Fetcher so that each batch is parsed whole
before any of its records is handed out, and:

- a batch whose only fault is a header key that is not valid UTF-8 is read record by record,
  the key kept with its bad bytes escaped (``\\xff``): the signal itself is routed as usual;
- any other batch that does not parse is skipped as a whole, and the consumer is handed one
  marker record (no key, no value) at the batch's first unread offset; ``unreadable`` maps that
  marker's (topic, partition, offset) to an Unreadable saying which offsets and why. The router
  turns it into a dead letter, so the offsets become committable only once that dead letter
  is acknowledged, like any other input.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiokafka.consumer.fetcher import READ_COMMITTED, FetchResult
from aiokafka.record.default_records import _DefaultRecordBatchPy
from aiokafka.record.util import decode_varint
from aiokafka.structs import ConsumerRecord

log = logging.getLogger("ketenstroom.fetch")

#: Position of a marker in the consumer's stream: (topic, partition, offset).
Position = tuple[str, int, int]


@dataclass(frozen=True)
class Unreadable:
    """Offsets ``first``..``last`` of a partition that the Kafka client could not parse."""

    topic: str
    partition: int
    first: int
    last: int
    error: str  # the exception's class name only: its message may quote record bytes


def guard(fetcher: Any, unreadable: MutableMapping[Position, Unreadable]) -> None:
    """Make ``fetcher`` (an aiokafka Fetcher) hand out markers instead of raising parse errors.

    Wraps its ``_proc_fetch_request``: every FetchResult it adds is guarded before anything can
    iterate it (no await lies between the two), so no batch is ever parsed unguarded. The
    fetcher's client is wrapped too, to keep each response's bytes for the fallback parser.
    """
    fetch = fetcher._proc_fetch_request
    fetcher._client = _KeepResponses(fetcher._client)

    async def guarded_fetch(assignment: Any, node_id: int, request: Any) -> bool:
        responses: list[Any] = []
        token = _responses.set(responses)
        try:
            needs_wakeup: bool = await fetch(assignment, node_id, request)
        finally:
            _responses.reset(token)
        raw = {
            (topic, partition): part[-1]
            for response in responses
            for topic, partitions in response.topics
            for partition, *part in partitions
        }
        for tp, result in list(fetcher._records.items()):
            records = getattr(result, "_partition_records", None)
            if type(result) is FetchResult and records is not None:
                guard_records(records, raw.get((tp.topic, tp.partition), b""), unreadable)
        return needs_wakeup

    fetcher._proc_fetch_request = guarded_fetch


#: The responses of the fetch request running in this task (set by guarded_fetch).
_responses: ContextVar[list[Any] | None] = ContextVar("ketenstroom_fetch_responses", default=None)


class _KeepResponses:
    """A fetcher's client that also hands each response to the fetch that asked for it."""

    def __init__(self, client: Any) -> None:
        self._client = client

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        response = await self._client.send(*args, **kwargs)
        kept = _responses.get()
        if kept is not None:
            kept.append(response)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def guard_records(
    records: Any, raw: bytes, unreadable: MutableMapping[Position, Unreadable]
) -> None:
    """Make one aiokafka PartitionRecords (not yet iterated) parse whole batches and hand out
    markers; ``raw`` is the fetched message set it was made from."""
    if getattr(records, "_ketenstroom_guarded", False):
        return
    if records._isolation_level == READ_COMMITTED:  # skipping aborted transactions: aiokafka's
        return
    records._ketenstroom_guarded = True
    records._records_iterator = _unpack(records, raw, unreadable)


def _unpack(
    records: Any, raw: bytes, unreadable: MutableMapping[Position, Unreadable]
) -> Iterator[Any]:
    """aiokafka's PartitionRecords._unpack_records, one whole batch at a time."""
    tp = records._tp
    batches = records._records
    while batches.has_next():
        start = records.next_fetch_offset
        try:
            batch = batches.next_batch()
        except Exception as exc:  # not even a batch header: its extent is unknown
            records.next_fetch_offset = start + 1
            yield _marker(tp, start, start, exc, unreadable)
            return  # the next fetch starts after this offset
        end = batch.next_offset
        try:
            decoded = _parse(batch, raw, records._check_crcs)
        except Exception as exc:
            records.next_fetch_offset = max(end, start + 1)
            yield _marker(tp, start, records.next_fetch_offset - 1, exc, unreadable)
            continue
        for record in decoded:
            if record.offset < records.next_fetch_offset:
                continue  # an earlier part of a batch that was fetched again
            records.next_fetch_offset = record.offset + 1
            yield records._consumer_record(tp, record)
        records.next_fetch_offset = max(end, records.next_fetch_offset)


def _parse(batch: Any, raw: bytes, check_crcs: bool) -> list[Any]:
    if check_crcs and not batch.validate_crc():
        raise CorruptBatch("invalid CRC")
    if batch.is_control_batch:
        # A transaction marker carries no signal and is skipped, as aiokafka does. But the
        # control flag is one bit a producer sets: a "control" batch whose records are not
        # markers would make signals vanish unaccounted. Apache Kafka refuses control batches
        # from clients; the embedded broker stores them.
        if not all(_is_transaction_marker(r) for r in batch):
            raise CorruptBatch("control batch with records that are not transaction markers")
        return []
    try:
        return list(batch)
    except UnicodeDecodeError:
        return _with_escaped_header_keys(_python_batch(raw, batch.base_offset))


class CorruptBatch(Exception):
    """A batch whose CRC does not match its bytes, or a control batch that holds data."""


#: A control record's key: version 0, then type 0 (abort) or 1 (commit), both int16.
_MARKER_KEYS = frozenset({b"\x00\x00\x00\x00", b"\x00\x00\x00\x01"})


def _is_transaction_marker(record: Any) -> bool:
    return record.key in _MARKER_KEYS and record.value is not None and len(record.value) == 6


@dataclass(frozen=True)
class _Record:
    offset: int
    timestamp: int
    timestamp_type: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    checksum: None = None


def _python_batch(raw: bytes, base_offset: int) -> Any:
    """The batch at ``base_offset`` of a fetched message set, as aiokafka's pure-Python batch."""
    pos = 0
    while pos + _LOG_OVERHEAD <= len(raw):
        offset, length = _OFFSET_AND_LENGTH.unpack_from(raw, pos)
        end = pos + _LOG_OVERHEAD + length
        if offset == base_offset and end <= len(raw):
            return _DefaultRecordBatchPy(raw[pos:end])
        pos = end
    raise CorruptBatch("batch not found in the fetched bytes")


#: A batch starts with its base offset and its length (the bytes after these two fields).
_OFFSET_AND_LENGTH = struct.Struct(">qi")
_LOG_OVERHEAD = _OFFSET_AND_LENGTH.size


def _with_escaped_header_keys(raw: Any) -> list[_Record]:
    """The records of a v2 batch whose header keys are not all UTF-8 (the protocol allows any
    bytes; aiokafka's parser refuses them). aiokafka's pure-Python batch decompresses it; the
    records are read here, and a bad key's bytes are escaped. Raises on any other fault."""
    raw._maybe_uncompress()
    buffer, pos = raw._buffer, raw._pos
    out = []
    for _ in range(raw._num_records):
        length, pos = decode_varint(buffer, pos)
        end = pos + length
        _, pos = decode_varint(buffer, pos)  # attributes: unused in v2
        delta, pos = decode_varint(buffer, pos)
        offset_delta, pos = decode_varint(buffer, pos)
        key, pos = _nullable(buffer, pos)
        value, pos = _nullable(buffer, pos)
        count, pos = decode_varint(buffer, pos)
        if count < 0:
            raise CorruptBatch("negative header count")
        headers: list[tuple[str, bytes | None]] = []
        for _ in range(count):
            name, pos = _nullable(buffer, pos)
            if name is None:
                raise CorruptBatch("null header key")
            header_value, pos = _nullable(buffer, pos)
            headers.append((name.decode("utf-8", "backslashreplace"), header_value))
        if pos != end or end > len(buffer):
            raise CorruptBatch("record length does not match its fields")
        timestamp = raw.max_timestamp if raw.timestamp_type == 1 else raw.first_timestamp + delta
        out.append(
            _Record(
                raw.base_offset + offset_delta, timestamp, raw.timestamp_type, key, value, headers
            )
        )
    if pos != len(buffer):
        raise CorruptBatch("bytes after the last record")
    return out


def _nullable(buffer: bytearray, pos: int) -> tuple[bytes | None, int]:
    length, pos = decode_varint(buffer, pos)
    if length < 0:
        return None, pos
    if pos + length > len(buffer):
        raise CorruptBatch("field runs past the batch")
    return bytes(buffer[pos : pos + length]), pos + length


def _marker(
    tp: Any, first: int, last: int, exc: Exception, unreadable: MutableMapping[Position, Unreadable]
) -> ConsumerRecord[bytes, bytes]:
    entry = Unreadable(tp.topic, tp.partition, first, last, type(exc).__name__)
    unreadable[(tp.topic, tp.partition, first)] = entry
    log.error(
        "offsets %d-%d of %s/%d cannot be parsed by the Kafka client (%s); they become a dead letter",
        first,
        last,
        tp.topic,
        tp.partition,
        entry.error,
    )
    return ConsumerRecord(
        topic=tp.topic,
        partition=tp.partition,
        offset=first,
        timestamp=-1,
        timestamp_type=0,
        key=None,
        value=None,
        checksum=None,
        serialized_key_size=-1,
        serialized_value_size=-1,
        headers=(),
    )
