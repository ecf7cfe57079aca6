"""The hand-written peer on librdkafka: confluent-kafka + fastavro, four views and a log record
per signal (``peer_job``), in the no-op forwarder's loop: committed once a batch's outputs are
acknowledged.

Run as a child process: ``python -m tests.benchmarks.peer_confluent BOOTSTRAP SOURCE PREFIX``
(its outputs go to PREFIX + ``inbox.<recipient>`` and PREFIX + ``log``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import confluent_kafka

from tests.benchmarks.noop_forwarder_confluent import forward_batches
from tests.benchmarks.peer_job import PeerJob


def run(bootstrap: str, source: str, prefix: str) -> None:
    job = PeerJob(prefix)

    def send(
        producer: confluent_kafka.Producer,
        records: list[confluent_kafka.Message],
        delivered: Callable[[object, object], None],
    ) -> None:
        for r in records:
            key = r.key()
            for topic, value in job.outputs(r.value()):
                producer.produce(topic, value, key, on_delivery=delivered)

    forward_batches(bootstrap, source, f"peer-{source}", send, job.topics)


if __name__ == "__main__":
    run(*sys.argv[1:4])
