"""The baseline on librdkafka: a confluent-kafka consumer that forwards every record unchanged,
waits for the acknowledgements, then commits (read -> send -> commit, no work).

Run as a child process: ``python -m tests.benchmarks.noop_forwarder_confluent BOOTSTRAP IN OUT``.
"""

from __future__ import annotations

import sys

import confluent_kafka


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


def forward(bootstrap: str, source: str, target: str) -> None:
    consumer, producer = clients(bootstrap, source, f"noop-{source}")
    failed: list[object] = []

    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failed.append(err)

    try:
        while True:
            records = take(consumer)
            for r in records:
                producer.produce(
                    target, r.value(), r.key(), headers=r.headers(), on_delivery=delivered
                )
            if records:
                producer.flush()
                if failed:
                    raise RuntimeError(f"not acknowledged: {failed[0]}")
                consumer.commit(asynchronous=False)
    finally:
        producer.flush(10)
        consumer.close()


if __name__ == "__main__":
    forward(*sys.argv[1:4])
