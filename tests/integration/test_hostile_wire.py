"""Whatever bytes a producer can put on an inbound topic, the worker accounts for them and runs on.

One bounded stream on the real broker, next to valid signals: random header bytes (keys that
are not UTF-8 among them), every compression codec, records near Kafka's size limit, many and
huge headers, extreme timestamps, null keys and values, batches no client can parse (bad
CRC, a payload that does not decompress, records that run past their batch), and a committed
and an aborted transaction (their control batches are no input). Produced by three real
clients: confluent-kafka (librdkafka) where its API can express the bytes, kafka-python's
transactional producer, and raw Produce requests over aiokafka's connection
(tests/record_batches.py) where no client API can.
Afterwards every input is a view, a no-recipient entry or a dead letter (an unreadable batch's
dead letter stands for all its offsets), and signals sent after all of it are still delivered.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import confluent_kafka
import pytest
from kafka import KafkaProducer

from pipeline import topics
from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.client.publisher import Publisher
from pipeline.ops.accounting import Ledger, read_ledger
from pipeline.router.dead_letter import ORIGIN_LAST_OFFSET_HEADER, header
from pipeline.synthetic.generator import SignalFactory
from tests.record_batches import CODECS, RawBatch, RawRecord, produce_raw

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: what it puts on signalen.politie stays out of other tests
    (kafka-python, which they read with, has no snappy, lz4 or zstd of its own)."""
    with EmbeddedBroker() as running:
        yield running


TOPIC = topics.inbound("politie")
#: Apache Kafka's default max.message.bytes: the largest record a partner's broker accepts.
KAFKA_MAX_MESSAGE_BYTES = 1_048_588


def _origin(partition: int, offset: int) -> str:
    return f"{TOPIC}/{partition}/{offset}"


class Sent:
    """Where each input landed (topic/partition/offset), and which were valid signals."""

    def __init__(self) -> None:
        self.origins: set[str] = set()
        self.signals: dict[str, str] = {}  # origin -> event id

    def add(self, partition: int, offset: int, event_id: str | None = None) -> None:
        origin = _origin(partition, offset)
        self.origins.add(origin)
        if event_id is not None:
            self.signals[origin] = event_id


def _confluent_inputs(bootstrap: str, politie: Publisher, factory: SignalFactory, rng, sent: Sent):
    """Per codec one producer and one batch: valid signals with random header values, garbage
    values, a null key and value, and values near Kafka's size limit."""
    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        producer = confluent_kafka.Producer(
            {
                "bootstrap.servers": bootstrap,
                "compression.type": codec,
                "linger.ms": 50,
                "message.max.bytes": 2 * KAFKA_MAX_MESSAGE_BYTES,
                "partitioner": "murmur2_random",  # keys land where aiokafka's would
            }
        )
        reports: list[tuple[int, int, str | None]] = []

        def delivered(err, msg, event_id=None, reports=reports):
            assert err is None, err
            reports.append((msg.partition(), msg.offset(), event_id))

        for _ in range(3):
            encoded = politie.encode(factory.make("politie", "Signaal").document)
            noise = [
                (f"x-{rng.randrange(999)}", rng.randbytes(rng.randrange(40))) for _ in range(3)
            ]
            event_id = encoded.key.decode()
            producer.produce(
                TOPIC,
                encoded.value,
                encoded.key,
                headers=[*encoded.headers, *noise],
                on_delivery=lambda e, m, i=event_id: delivered(e, m, i),
            )
        producer.produce(
            TOPIC, rng.randbytes(300), b"garbage-" + codec.encode(), on_delivery=delivered
        )
        producer.produce(TOPIC, None, None, on_delivery=delivered)
        producer.produce(
            TOPIC, b"\xc3\x01" + rng.randbytes(64), None, timestamp=1, on_delivery=delivered
        )
        assert producer.flush(30) == 0
        for partition, offset, event_id in reports:
            sent.add(partition, offset, event_id)
    big = confluent_kafka.Producer(
        {"bootstrap.servers": bootstrap, "message.max.bytes": 2 * KAFKA_MAX_MESSAGE_BYTES}
    )
    near_limit = [1_000_500, KAFKA_MAX_MESSAGE_BYTES - 200]
    for size in near_limit:
        big.produce(
            TOPIC,
            rng.randbytes(size),
            b"big-%d" % size,
            on_delivery=lambda e, m: sent.add(m.partition(), m.offset()),
        )
    assert big.flush(30) == 0


def _raw_inputs(bootstrap: str, politie: Publisher, factory: SignalFactory, rng, sent: Sent):
    """What no client API writes: header keys of random bytes, many and huge headers,
    timestamps at the ends of 64 bits, and batches that do not parse."""

    def signal() -> tuple[bytes, bytes, str]:
        encoded = politie.encode(factory.make("politie", "Signaal").document)
        return encoded.key, encoded.value, encoded.key.decode()

    readable: list[tuple[RawBatch, list[str | None]]] = []
    for _ in range(6):  # valid signals whose header keys are random bytes (mostly not UTF-8)
        key, value, event_id = signal()
        headers = tuple((rng.randbytes(rng.randrange(1, 12)), rng.randbytes(8)) for _ in range(3))
        codec = rng.choice(list(CODECS.values()))
        readable.append((RawBatch([RawRecord(key, value, headers)], codec=codec), [event_id]))
    key, value, _ = signal()
    many = tuple((b"h%d" % i, b"v") for i in range(500))
    huge = ((b"huge", rng.randbytes(200_000)),)
    readable += [
        (RawBatch([RawRecord(key, value, many)]), [None]),  # headers_too_large, not delivered
        (RawBatch([RawRecord(b"huge-header", value, huge)]), [None]),
        (RawBatch([RawRecord(None, None, ((b"\xff", None),))]), [None]),
    ]
    for stamp in (2**63 - 1, -(2**63), 0):
        key, value, event_id = signal()
        readable.append((RawBatch([RawRecord(key, value)], first_timestamp=stamp), [event_id]))
    unreadable = [
        RawBatch([RawRecord(b"crc%d" % i, b"v") for i in range(3)], bad_crc=True),
        RawBatch([RawRecord(b"z", b"v")], codec=CODECS["zstd"], payload=rng.randbytes(40)),
        RawBatch([RawRecord(b"g", b"v")], codec=CODECS["gzip"], payload=rng.randbytes(40)),
        RawBatch([RawRecord(b"t1", b"v"), RawRecord(b"t2", b"v")], payload=b"\x10\x00\x00"),
        # flagged transactional + control (a transaction marker), yet holding a signal: the
        # embedded broker stores it; skipped as a marker, the signal would vanish unaccounted
        RawBatch([RawRecord(*signal()[:2])], codec=0x30),
    ]
    batches = [b for b, _ in readable] + unreadable
    rng.shuffle(batches)
    ids = {id(b): ids for b, ids in readable}
    partition = 0
    before = _end_offset(bootstrap, partition)
    assert produce_raw(bootstrap, TOPIC, partition, batches) == [0] * len(batches)
    offset = before
    for batch in batches:
        for i in range(len(batch.records)):
            event_ids = ids.get(id(batch), [None] * len(batch.records))
            sent.add(partition, offset + i, event_ids[i] if i < len(event_ids) else None)
        offset += len(batch.records)


def _transactional_inputs(bootstrap: str, politie: Publisher, factory: SignalFactory, sent: Sent):
    """Signals in a committed and in an aborted transaction (kafka-python), on partition 1:
    each transaction ends in a control batch, a marker librdkafka skips without a word. The
    signals are routed (read_uncommitted: docs/garanties.md); the markers are no input and
    become no dead letter. Returns the markers' offsets."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"tx-{uuid.uuid4()}")
    producer.init_transactions()
    markers = []
    for commit in (True, False):
        producer.begin_transaction()
        futures = []
        for _ in range(2):
            encoded = politie.encode(factory.make("politie", "Signaal").document)
            sending = producer.send(TOPIC, encoded.value, encoded.key, partition=1)
            futures.append((sending, encoded.key.decode()))
        producer.flush()
        for future, event_id in futures:
            metadata = future.get(timeout=10)
            sent.add(metadata.partition, metadata.offset, event_id)
        (producer.commit_transaction if commit else producer.abort_transaction)()
        markers.append(metadata.offset + 1)
    producer.close()
    return markers


def _end_offset(bootstrap: str, partition: int) -> int:
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": "probe"})
    try:
        _, high = consumer.get_watermark_offsets(
            confluent_kafka.TopicPartition(TOPIC, partition), timeout=10
        )
        return int(high)
    finally:
        consumer.close()


def _accounted(ledger: Ledger, sent: Sent) -> set[str]:
    """Origins of the inputs that ended as a view, a no-recipient entry or a dead letter."""
    routed = ledger.delivered_events() | set(ledger.no_recipient)
    done = {origin for origin, event_id in sent.signals.items() if event_id in routed}
    for letter in ledger.dead_letters.values():
        if letter.origin_topic != TOPIC:
            continue
        last = header(letter.headers, ORIGIN_LAST_OFFSET_HEADER)
        first = letter.origin_offset or 0
        for offset in range(first, int(last) + 1 if last is not None else first + 1):
            done.add(_origin(letter.origin_partition or 0, offset))
    return done


def test_any_bytes_on_the_wire_are_accounted_for_and_routing_goes_on(
    cluster, registry, store, policy, tmp_path
):
    settings = cluster.model_copy(
        update={"router_group_id": f"wire-{uuid.uuid4().hex[:8]}", "metrics_port": free_port()}
    )
    bootstrap = settings.require_bootstrap()
    prepare_cluster(settings, bootstrap, registry, policy)
    rng = random.Random(16)
    factory = SignalFactory(seed=16)
    sent = Sent()
    worker = WorkerProcess(settings, Path(tmp_path) / "worker.log").start()
    try:
        worker.wait_ready()
        with Publisher(settings, bootstrap, "politie", store) as politie:
            politie.publish_many([factory.make("politie", "Signaal").document for _ in range(5)])
            _confluent_inputs(bootstrap, politie, factory, rng, sent)
            _raw_inputs(bootstrap, politie, factory, rng, sent)
            markers = _transactional_inputs(bootstrap, politie, factory, sent)
            later = [
                p.event_id
                for p in politie.publish_many(
                    [factory.make("politie", "Signaal").document for _ in range(5)]
                )
            ]
        deadline = time.monotonic() + 60
        while True:
            ledger = read_ledger(settings, bootstrap, policy.store)
            missing = sent.origins - _accounted(ledger, sent)
            late = set(later) - ledger.delivered_events()
            if not missing and not late:
                break
            assert worker.alive, worker.output()[-3000:]
            assert time.monotonic() < deadline, f"not accounted for: {sorted(missing)}, {late}"
            time.sleep(0.5)
        assert worker.alive, worker.output()[-3000:]
    finally:
        code = worker.stop()
    assert code == 0, worker.output()[-3000:]

    # the valid signals among the hostile records were delivered, whatever their headers/codec
    assert set(sent.signals.values()) - ledger.no_recipient.keys() <= ledger.delivered_events()
    # a transaction's marker is no input: no dead letter names its offset
    named: set[int] = set()
    for letter in ledger.dead_letters.values():
        if letter.origin_topic == TOPIC and letter.origin_partition == 1:
            last = header(letter.headers, ORIGIN_LAST_OFFSET_HEADER)
            first = letter.origin_offset or 0
            named |= set(range(first, int(last) + 1 if last is not None else first + 1))
    assert not named & set(markers), sorted(named & set(markers))
    reasons = {d.reason for d in ledger.dead_letters.values() if d.origin_topic == TOPIC}
    assert {"unreadable_batch", "headers_too_large", "record_too_large", "empty_value"} <= reasons
    assert "Traceback" not in worker.output()
