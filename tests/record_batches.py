"""Kafka record batches (message format v2) written byte by byte, and a raw Produce request.

Client libraries only write what their APIs allow: str header keys, known codecs, honest
CRCs. The Kafka protocol carries any bytes, and a hostile or broken producer can send them.
These helpers let a test put such bytes on a real broker through a real client connection
(aiokafka's low-level client), to see what the router's consumer makes of them.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field

from aiokafka import codec
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record._crc32c import crc as crc32c
from aiokafka.structs import TopicPartition

#: Codec ids of the attributes field (bits 0-2); 5-7 are not assigned by Kafka.
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


@dataclass(frozen=True)
class RawRecord:
    """One record as the protocol allows it: any key, value and header bytes, or none."""

    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[bytes, bytes | None], ...] = ()
    timestamp_delta: int = 0


@dataclass
class RawBatch:
    """A v2 record batch. ``codec`` may be any 0-7; ``payload`` replaces the (compressed)
    records section when set, e.g. with bytes that do not decompress."""

    records: list[RawRecord]
    codec: int = 0
    base_offset: int = 0  # the broker sets it on produce; a fetched batch carries its own
    first_timestamp: int = 0
    payload: bytes | None = None
    bad_crc: bool = False
    extra: dict[str, int] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """The batch as it goes on the wire."""
        body = self.payload if self.payload is not None else _compress(self.codec, self._records())
        count = self.extra.get("record_count", len(self.records))
        after_crc = (
            struct.pack(
                ">hiqqqhii",
                self.codec,
                max(len(self.records) - 1, 0),
                self.first_timestamp,
                self.first_timestamp,
                -1,
                -1,
                -1,
                count,
            )
            + body
        )
        crc = crc32c(after_crc) ^ (0xFFFFFFFF if self.bad_crc else 0)
        tail = struct.pack(">ibI", 0, 2, crc) + after_crc  # partition leader epoch, magic, crc
        return struct.pack(">qi", self.base_offset, len(tail)) + tail

    def _records(self) -> bytes:
        return b"".join(_record(i, r) for i, r in enumerate(self.records))


def _record(delta: int, record: RawRecord) -> bytes:
    body = bytearray(b"\x00")  # attributes
    body += _varint(record.timestamp_delta) + _varint(delta)
    body += _bytes(record.key) + _bytes(record.value)
    body += _varint(len(record.headers))
    for key, value in record.headers:
        body += _bytes(key) + _bytes(value)
    return _varint(len(body)) + bytes(body)


def _bytes(data: bytes | None) -> bytes:
    return _varint(-1) if data is None else _varint(len(data)) + data


def _varint(value: int) -> bytes:
    zigzag = (value << 1) ^ (value >> 63)
    out = bytearray()
    while True:
        byte = zigzag & 0x7F
        zigzag >>= 7
        if zigzag:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _compress(codec_id: int, data: bytes) -> bytes:
    encode = _ENCODERS.get(codec_id)
    return bytes(encode(data)) if encode is not None else data


_ENCODERS = {
    CODECS["gzip"]: codec.gzip_encode,
    CODECS["snappy"]: codec.snappy_encode,  # xerial framing, as Kafka's Java client writes it
    CODECS["lz4"]: codec.lz4_encode,
    CODECS["zstd"]: codec.zstd_encode,
}


async def _produce(bootstrap: str, topic: str, partition: int, batches: list[bytes]) -> list[int]:
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        await client.force_metadata_update()
        node = client.cluster.leader_for_partition(TopicPartition(topic, partition))
        errors = []
        for batch in batches:
            request = ProduceRequest(
                transactional_id=None,
                required_acks=-1,
                timeout=10_000,
                topics=[(topic, [(partition, batch)])],
            )
            response = await client.send(node, request)
            errors += [p[1] for _, parts in response.topics for p in parts]
        return errors
    finally:
        await client.close()


def produce_raw(bootstrap: str, topic: str, partition: int, batches: list[RawBatch]) -> list[int]:
    """Send each batch in its own Produce request; the broker's error code for each."""
    return asyncio.run(_produce(bootstrap, topic, partition, [b.to_bytes() for b in batches]))
