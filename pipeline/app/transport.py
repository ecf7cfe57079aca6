"""Faust's aiokafka transport: fetch wait set by us, and fetched batches parsed without crashing.

**Fetch wait.** Faust fixes the consumer's fetch wait at 1.5 s.

A fetch returns when ``fetch.min.bytes`` (1) is there or after ``fetch.max.wait.ms``. Apache
Kafka answers as soon as data arrives, so the wait only bounds an idle poll; a broker that holds
every fetch to its full wait (the embedded test broker does: docs/embedded-broker.md) makes that wait the
floor of routing latency. ``KETENSTROOM_FETCH_MAX_WAIT_MS`` sets it; Faust's own subclass hooks
(App._new_transport, Consumer._new_consumer_thread) carry it to aiokafka.

**Unparseable batches.** A fetched batch that aiokafka cannot parse would be raised from every
fetch at the same offset, for ever. The consumer's fetcher is guarded (``app.fetch_guard``):
such a batch becomes one marker record, listed in ``RouterApp.unreadable``, that the router
turns into a dead letter naming its offsets.
"""

from __future__ import annotations

from typing import Any

import faust
from aiokafka import AIOKafkaConsumer
from faust.transport.drivers import aiokafka as faust_aiokafka

from pipeline.app.fetch_guard import Position, Unreadable, guard


class _GuardedConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """An AIOKafkaConsumer whose fetcher is guarded the moment ``start`` makes it."""

    unreadable: dict[Position, Unreadable]

    @property
    def _fetcher(self) -> Any:
        return self.__dict__.get("_guarded_fetcher")

    @_fetcher.setter
    def _fetcher(self, fetcher: Any) -> None:
        if fetcher is not None:
            guard(fetcher, self.unreadable)
        self.__dict__["_guarded_fetcher"] = fetcher


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka has no setter; the value is only read when the fetcher starts, after this.
        consumer._fetch_max_wait_ms = getattr(self.app, "fetch_max_wait_ms", 1500)
        # Faust builds the consumer itself; before it starts (so before any fetch), it gets the
        # guarded class, which only adds the property above.
        consumer.__class__ = _GuardedConsumer
        consumer.unreadable = getattr(self.app, "unreadable", {})
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class RouterApp(faust.App):
    """A Faust app whose consumer waits at most ``fetch_max_wait_ms`` for a fetch, and hands
    out a marker for each batch it cannot parse."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int, **kwargs: Any) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        #: Markers of batches the consumer could not parse, by (topic, partition, offset).
        #: Written by the consumer's thread, read (and emptied) by the router's batches.
        self.unreadable: dict[Position, Unreadable] = {}
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
