"""Faust's aiokafka transport with the consumer's fetch wait set by us (Faust fixes it at 1.5 s).

A fetch returns when ``fetch.min.bytes`` (1) is there or after ``fetch.max.wait.ms``. Apache
Kafka answers as soon as data arrives, so the wait only bounds an idle poll; a broker that holds
every fetch to its full wait (the embedded test broker does: shared/TANSU.md) makes that wait the
floor of routing latency. ``KETENSTROOM_FETCH_MAX_WAIT_MS`` sets it; Faust's own subclass hooks
(App._new_transport, Consumer._new_consumer_thread) carry it to aiokafka.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka has no setter; the value is only read when the fetcher starts, after this.
        consumer._fetch_max_wait_ms = getattr(self.app, "fetch_max_wait_ms", 1500)
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class RouterApp(faust.App):
    """A Faust app whose consumer waits at most ``fetch_max_wait_ms`` for a fetch."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int, **kwargs: Any) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
