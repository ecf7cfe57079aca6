"""Fetched batches aiokafka cannot parse: markers and dead letters, never an exception.

aiokafka's own PartitionRecords and MemoryRecords (its C parser) over message sets written
byte by byte (tests/record_batches.py), as a fetch response would carry them.
"""

from __future__ import annotations

import pytest
from aiokafka.consumer.fetcher import READ_UNCOMMITTED, PartitionRecords
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.app.fetch_guard import Unreadable, guard_records
from pipeline.router.dead_letter import (
    DETAIL_HEADER,
    ORIGIN_OFFSET_HEADER,
    REASON_HEADER,
    Reason,
    header,
    unreadable_dead_letter,
)
from tests.record_batches import CODECS, RawBatch, RawRecord

TP = TopicPartition("signalen.politie", 0)


def _records(raw: bytes, fetch_offset: int = 0) -> PartitionRecords:
    return PartitionRecords(
        TP, MemoryRecords(raw), [], fetch_offset, None, None, True, READ_UNCOMMITTED
    )


def _read(batches: list[RawBatch], fetch_offset: int = 0) -> tuple[list, dict]:
    raw = b"".join(b.to_bytes() for b in batches)
    unreadable: dict = {}
    records = _records(raw, fetch_offset)
    guard_records(records, raw, unreadable)
    return list(records), unreadable


def _ok(offset: int, tag: bytes) -> RawBatch:
    return RawBatch([RawRecord(tag, b"value " + tag)], base_offset=offset)


def _bad(kind: str, offset: int, n: int = 1) -> RawBatch:
    records = [RawRecord(b"bad%d" % i, b"v") for i in range(n)]
    if kind == "crc":
        return RawBatch(records, base_offset=offset, bad_crc=True)
    if kind == "zstd":
        return RawBatch(records, base_offset=offset, codec=CODECS["zstd"], payload=b"no zstd")
    if kind == "gzip":
        return RawBatch(records, base_offset=offset, codec=CODECS["gzip"], payload=b"no gzip")
    if kind == "lz4":
        return RawBatch(records, base_offset=offset, codec=CODECS["lz4"], payload=b"no lz4 frame")
    if kind == "snappy":
        return RawBatch(records, base_offset=offset, codec=CODECS["snappy"], payload=b"\x00" * 9)
    if kind == "count":
        return RawBatch(records, base_offset=offset, extra={"record_count": n + 2})
    if kind == "truncated":
        return RawBatch(records, base_offset=offset, payload=b"\x10\x00\x00")
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["crc", "zstd", "gzip", "lz4", "snappy", "count", "truncated"])
def test_what_the_unguarded_client_raises_on_is_reproduced(kind):
    """The failure being guarded against: aiokafka raises at the same offset every time."""
    raw = b"".join(b.to_bytes() for b in [_ok(0, b"a"), _bad(kind, 1), _ok(2, b"b")])
    with pytest.raises(Exception):  # noqa: B017 - CorruptRecordException, codec errors, ...
        list(_records(raw))


@pytest.mark.parametrize("kind", ["crc", "zstd", "gzip", "lz4", "snappy", "count", "truncated"])
def test_an_unparseable_batch_becomes_one_marker_and_reading_goes_on(kind):
    records, unreadable = _read([_ok(0, b"a"), _bad(kind, 1, n=3), _ok(4, b"b")])
    assert [(r.offset, r.key) for r in records] == [(0, b"a"), (1, None), (4, b"b")]
    marker = records[1]
    assert marker.value is None and marker.headers == ()
    entry = unreadable[(TP.topic, TP.partition, 1)]
    assert (entry.first, entry.last) == (1, 3)
    assert entry.error and " " not in entry.error  # a class name, never a message


def test_a_batch_fetched_from_its_middle_is_marked_from_the_first_unread_offset():
    records, unreadable = _read([_bad("crc", 10, n=5), _ok(15, b"after")], fetch_offset=12)
    assert [r.offset for r in records] == [12, 15]
    assert (unreadable[(TP.topic, 0, 12)].first, unreadable[(TP.topic, 0, 12)].last) == (12, 14)


def test_a_header_key_that_is_not_utf8_is_read_with_its_bytes_escaped():
    hostile = RawBatch(
        [
            RawRecord(b"k1", b"v1", headers=((b"\xff\xfe", b"\x00\xff"), (b"ok", None))),
            RawRecord(b"k2", b"v2", headers=((b"trace", b"1"),), timestamp_delta=5),
        ],
        base_offset=1,
        codec=CODECS["zstd"],
        first_timestamp=1_700_000_000_000,
    )
    with pytest.raises(UnicodeDecodeError):
        list(_records(hostile.to_bytes(), 1))
    records, unreadable = _read([_ok(0, b"a"), hostile, _ok(3, b"b")])
    assert not unreadable
    assert [(r.offset, r.key, r.value) for r in records] == [
        (0, b"a", b"value a"),
        (1, b"k1", b"v1"),
        (2, b"k2", b"v2"),
        (3, b"b", b"value b"),
    ]
    assert records[1].headers == (("\\xff\\xfe", b"\x00\xff"), ("ok", None))
    assert records[2].headers == (("trace", b"1"),)
    assert records[2].timestamp == 1_700_000_000_005


@pytest.mark.parametrize("codec", list(CODECS))
def test_every_codec_kafka_has_is_read(codec):
    batch = RawBatch(
        [RawRecord(b"k%d" % i, b"x" * 1000) for i in range(3)], base_offset=0, codec=CODECS[codec]
    )
    records, unreadable = _read([batch])
    assert not unreadable and [r.offset for r in records] == [0, 1, 2]


def test_null_keys_values_and_extreme_timestamps_pass_through():
    records, unreadable = _read(
        [
            RawBatch([RawRecord(None, None)], base_offset=0),
            RawBatch([RawRecord(b"t", b"v")], base_offset=1, first_timestamp=2**63 - 1),
            RawBatch([RawRecord(b"n", b"v")], base_offset=2, first_timestamp=-5),
        ]
    )
    assert not unreadable
    assert [(r.key, r.value, r.timestamp) for r in records] == [
        (None, None, 0),
        (b"t", b"v", 2**63 - 1),
        (b"n", b"v", -5),
    ]


@settings(max_examples=300, deadline=None)
@given(
    position=st.integers(0, 200),
    garbage=st.binary(min_size=1, max_size=16),
    codec=st.sampled_from(list(CODECS.values())),
)
def test_any_corruption_of_a_fetched_message_set_never_raises(position, garbage, codec):
    """Bytes overwritten anywhere in a message set of three batches: reading never raises,
    offsets only increase, and every offset read is a record or covered by a marker."""
    batches = [
        RawBatch(
            [RawRecord(b"k%d" % (3 * b + i), b"v" * 20) for i in range(3)],
            base_offset=3 * b,
            codec=codec,
        )
        for b in range(3)
    ]
    raw = bytearray(b"".join(b.to_bytes() for b in batches))
    at = position % len(raw)
    raw[at : at + len(garbage)] = garbage
    unreadable: dict[tuple[str, int, int], Unreadable] = {}
    records = _records(bytes(raw))
    guard_records(records, bytes(raw), unreadable)
    offsets = [r.offset for r in records]
    assert offsets == sorted(set(offsets))
    for marker in unreadable.values():
        assert marker.first <= marker.last
        assert marker.first in offsets


def test_the_dead_letter_of_unread_offsets_names_them_and_holds_nothing_else():
    letter = unreadable_dead_letter("signalen.politie", 2, 17, 40, "CorruptRecordException", "v7")
    assert letter.value == b""
    assert letter.key == b"signalen.politie/2/17"
    assert header(letter.headers, REASON_HEADER) == Reason.UNREADABLE_BATCH
    assert header(letter.headers, ORIGIN_OFFSET_HEADER) == "17"
    assert "17-40" in (header(letter.headers, DETAIL_HEADER) or "")
