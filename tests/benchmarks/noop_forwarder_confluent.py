"""The baseline on librdkafka: a confluent-kafka consumer that forwards every record unchanged,
waits for the acknowledgements, then commits (read -> send -> commit, no work).

Run as a child process: ``python -m tests.benchmarks.noop_forwarder_confluent BOOTSTRAP IN OUT``.
The hand-written peer (peer_confluent.py) is the same loop with its work in ``send``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import confluent_kafka

#: Produces a batch's outputs, each with the given delivery callback.
Send = Callable[
    [confluent_kafka.Producer, list[confluent_kafka.Message], Callable[[object, object], None]],
    None,
]


def clients(
    bootstrap: str, source: str, group: str
) -> tuple[confluent_kafka.Consumer, confluent_kafka.Producer]:
    """The consumer of ``source`` (manual commits) and the producer of every confluent-kafka
    contender (murmur2, so that a key lands on the partition aiokafka would choose)."""
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 3000,
            "heartbeat.interval.ms": 500,
        }
    )
    consumer.subscribe([source])
    producer = confluent_kafka.Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 5,
            "partitioner": "murmur2_random",
        }
    )
    return consumer, producer


def take(
    consumer: confluent_kafka.Consumer, limit: int = 2000, timeout: float = 0.5
) -> list[confluent_kafka.Message]:
    """Up to ``limit`` records, waiting at most ``timeout`` s for the first (as aiokafka's
    getmany does). ``consume(limit, timeout)`` alone waits the whole timeout whenever fewer
    than ``limit`` records are fetched: at the end of every backlog, 0.5 s that would count."""
    first = consumer.poll(timeout)
    if first is None:
        return []
    return [m for m in (first, *consumer.consume(limit - 1, 0)) if m.error() is None]


def forward_batches(
    bootstrap: str, source: str, group: str, send: Send, targets: list[str]
) -> None:
    """Read ``source`` batch by batch; ``send`` each batch's outputs; commit the batch once
    every output is acknowledged (a failed one stops the loop, nothing committed)."""
    consumer, producer = clients(bootstrap, source, group)
    for topic in targets:
        # librdkafka stamps a record's CreateTime when it is produced, also while it waits for
        # its topic's metadata: fetched here, so that the wait is not counted as throughput
        producer.list_topics(topic, timeout=10)
    failed: list[object] = []

    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failed.append(err)

    try:
        while True:
            records = take(consumer)
            if records:
                send(producer, records, delivered)
                producer.flush()
                if failed:
                    raise RuntimeError(f"not acknowledged: {failed[0]}")
                consumer.commit(asynchronous=False)
    finally:
        producer.flush(10)
        consumer.close()


def forward(bootstrap: str, source: str, target: str) -> None:
    def send(
        producer: confluent_kafka.Producer,
        records: list[confluent_kafka.Message],
        delivered: Callable[[object, object], None],
    ) -> None:
        for r in records:
            producer.produce(target, r.value(), r.key(), headers=r.headers(), on_delivery=delivered)

    forward_batches(bootstrap, source, f"noop-{source}", send, [target])


if __name__ == "__main__":
    forward(*sys.argv[1:4])
