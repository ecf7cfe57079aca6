"""Read a whole topic as it stands now (for schema state, inboxes, the log and dead letters)."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline.broker.connection import client_config
from pipeline.errors import BrokerError
from pipeline.settings import Settings


def read_to_end(settings: Settings, bootstrap: str, topic: str, timeout: float = 20.0) -> list[Any]:
    """Every record of ``topic`` from the beginning up to its high watermark, in partition order.

    Ends at the fetch high watermark, not ListOffsets(latest): some brokers under-report the
    latter while producers batch (see docs/embedded-broker.md).
    """
    consumer, tps = consumer_from_beginning(
        settings, bootstrap, topic, consumer_timeout_ms=int(timeout * 1000)
    )
    try:
        records: dict[int, list[Any]] = {tp.partition: [] for tp in tps}
        pending = set(tps)
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise BrokerError(f"reading {topic!r} did not reach its end within {timeout:.0f} s")
            for tp, batch in consumer.poll(timeout_ms=200).items():
                records[tp.partition].extend(batch)
            drop_read_to_end(consumer, pending)
        return [r for p in sorted(records) for r in records[p]]
    finally:
        consumer.close()


def consumer_from_beginning(
    settings: Settings, bootstrap: str, topic: str, **options: Any
) -> tuple[KafkaConsumer, list[TopicPartition]]:
    """A consumer without a group, assigned every partition of ``topic`` at its beginning, and
    those partitions; BrokerError if Kafka cannot be reached or the topic does not exist. The
    caller closes the consumer."""
    try:
        consumer = KafkaConsumer(
            **client_config(settings, bootstrap), enable_auto_commit=False, group_id=None, **options
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise BrokerError(f"topic {topic!r} does not exist; run `ketenstroom topics create`")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
    except KafkaError as exc:
        consumer.close()
        raise BrokerError(f"cannot read {topic!r}: {exc}") from exc
    except BaseException:
        consumer.close()
        raise
    return consumer, tps


def drop_read_to_end(consumer: KafkaConsumer, pending: set[TopicPartition]) -> None:
    """Remove from ``pending`` every partition read up to its fetch high watermark."""
    for tp in list(pending):
        high = consumer.highwater(tp)
        if high is not None and consumer.position(tp) >= high:
            pending.discard(tp)
