"""The baseline on librdkafka: a confluent-kafka consumer that forwards every record unchanged,
waits for the acknowledgements, then commits (read -> send -> commit, no work).

Run as a child process: ``python -m tests.benchmarks.noop_forwarder_confluent BOOTSTRAP IN OUT``.
"""

from __future__ import annotations

import sys

import confluent_kafka


def forward(bootstrap: str, source: str, target: str) -> None:
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"noop-{source}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 3000,
            "heartbeat.interval.ms": 500,
        }
    )
    producer = confluent_kafka.Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "linger.ms": 5,
            "partitioner": "murmur2_random",
        }
    )
    consumer.subscribe([source])
    failed: list[object] = []

    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failed.append(err)

    try:
        while True:
            records = [m for m in consumer.consume(2000, 0.5) if m.error() is None]
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
