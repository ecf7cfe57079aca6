"""The hand-written peer on librdkafka: confluent-kafka + fastavro, four views and a log record
per signal (``peer_job``), committed once a batch's outputs are acknowledged.

Run as a child process: ``python -m tests.benchmarks.peer_confluent BOOTSTRAP SOURCE PREFIX``
(its outputs go to PREFIX + ``inbox.<recipient>`` and PREFIX + ``log``).
"""

from __future__ import annotations

import sys

from tests.benchmarks.noop_forwarder_confluent import clients, take
from tests.benchmarks.peer_job import PeerJob


def run(bootstrap: str, source: str, prefix: str) -> None:
    job = PeerJob(prefix)
    consumer, producer = clients(bootstrap, source, f"peer-{source}")
    failed: list[object] = []

    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failed.append(err)

    try:
        while True:
            records = take(consumer)
            for r in records:
                key = r.key()
                for topic, value in job.outputs(r.value()):
                    producer.produce(topic, value, key, on_delivery=delivered)
            if records:
                producer.flush()
                if failed:
                    raise RuntimeError(f"not acknowledged: {failed[0]}")
                consumer.commit(asynchronous=False)
    finally:
        producer.flush(10)
        consumer.close()


if __name__ == "__main__":
    run(*sys.argv[1:4])
