"""The worker's producer of outputs: librdkafka (confluent-kafka), whose producer is C.

Faust stays the application framework (consumer group, batches, commits); only the outputs of a
batch go through librdkafka instead of Faust's aiokafka producer, which measured four times the
CPU per signal for the same records (tests/benchmarks/transports.py: 346 against 86 µs). The
partitioner is Kafka's Java one (murmur2), as aiokafka, kafka-python and the Java client use, so
a key lands on the partition every other client would choose. A batch's outputs are all queued,
then flushed: the call returns only when Kafka acknowledged every one of them (acks=all), or
raises, and the batch's offsets become committable only after it returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import confluent_kafka

from pipeline.broker.connection import librdkafka_config
from pipeline.errors import BrokerError
from pipeline.router.records import Outbound
from pipeline.settings import Settings


class OutputProducer:
    """Sends a batch's outputs and waits until Kafka acknowledged each of them."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        max_request_bytes: int,
        reported: str | None = None,
    ) -> None:
        """``reported``: a topic whose records' places (partition, offset, key, timestamp)
        are kept in ``delivered`` as Kafka acknowledges them (the worker's event-id claims)."""
        self.timeout = 2 * settings.request_timeout_s
        self.reported = reported
        self.delivered: list[tuple[int, int, bytes, int]] = []
        self._producer = confluent_kafka.Producer(
            {
                **librdkafka_config(settings, bootstrap),
                "acks": "all",
                "partitioner": "murmur2_random",
                "linger.ms": settings.producer_linger_ms,
                "batch.size": settings.producer_batch_bytes,
                "message.max.bytes": max_request_bytes,
                # a record not acknowledged by then fails the batch: exit without commit
                "message.timeout.ms": int(self.timeout * 1000),
                "enable.idempotence": False,  # at-least-once with deterministic outputs
            }
        )

    async def send_all(self, outputs: Iterable[Outbound]) -> int:
        """Queue every output, then wait for Kafka's acknowledgement of each; raises BrokerError
        if any was not acknowledged. Returns how many were sent."""
        failed: list[Any] = []

        def report(error: Any, message: Any) -> None:
            if error is not None:
                failed.append(error)
            elif message.topic() == self.reported:
                place = (message.partition(), message.offset(), message.key())
                self.delivered.append((*place, message.timestamp()[1]))

        sent = 0
        for out in outputs:
            while True:
                try:
                    self._producer.produce(
                        out.topic,
                        out.value,
                        out.key,
                        headers=list(out.headers),
                        on_delivery=report,
                        # 0 is librdkafka's "now"; a view carries its own (router.delivery)
                        timestamp=out.timestamp_ms or 0,
                    )
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    await asyncio.get_running_loop().run_in_executor(None, self._producer.poll, 0.1)
            sent += 1
        left = await asyncio.get_running_loop().run_in_executor(
            None, self._producer.flush, self.timeout + 5
        )
        if left or failed:
            raise BrokerError(
                f"{len(failed) + left} of {sent} outputs not acknowledged by Kafka"
                + (f": {failed[0]}" if failed else "")
            )
        return sent

    def poll(self) -> None:
        """Serve delivery reports and hand librdkafka's queued log lines to Python logging."""
        self._producer.poll(0)

    def close(self) -> None:
        """Deliver what is still queued (bounded) and release the client."""
        self._producer.flush(self.timeout)
