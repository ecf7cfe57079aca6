"""The router's batch loop, a service of the Faust app: consume, read claims, route, deliver, store.

One batch at a time: fetch what the inbound consumer has (app.inbound), read the claims
partitions the batch needs (app.claims_reader), route (app.batch_routing), count statistics
facts, send every output and wait until Kafka acknowledged each (app.output_producer), and only
then store the batch's offsets for the next commit. A batch that cannot be delivered ends the
process without committing anything more (exit 70): it is routed again on restart, with the
same output keys and event ids. On stop (SIGTERM) the batch under way is finished first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mode import Service

from pipeline import topics
from pipeline.app import statistics
from pipeline.app.batch_routing import route_records
from pipeline.app.claims_reader import ClaimsReader, Written
from pipeline.app.event_ids import horizon, open_event_index
from pipeline.app.fetch_guard import Position, Unreadable
from pipeline.app.inbound import InboundConsumer
from pipeline.app.output_producer import OutputProducer
from pipeline.app.shutdown import exit_without_commit
from pipeline.app.wire_reader import WireReader
from pipeline.broker.connection import aiokafka_config
from pipeline.errors import ConfigurationError
from pipeline.ops.health import Health
from pipeline.ops.metrics import BatchClock, RouterMetrics, reading
from pipeline.publication.adoption import PolicyHolder
from pipeline.router.dead_letter import REASON_HEADER
from pipeline.router.delivery import batch_outputs
from pipeline.router.event_index import origin_of
from pipeline.router.records import Inbound, RouteResult
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.router")

#: Exit status when the worker cannot start as configured (pipeline/cli/exit_codes.py: INVALID).
EXIT_INVALID = 1
UNDELIVERED = "outputs not acknowledged by Kafka"
UNFINISHED = "batch not finished at shutdown"
#: Seconds an idle fetch waits for a first record before the loop checks in again.
IDLE_WAIT_S = 0.5


class Router(Service):
    """The batch loop and the Kafka clients it owns; started and stopped by the Faust app."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        holder: PolicyHolder,
        metrics: RouterMetrics,
        health: Health,
        state_dir: Path,
        max_request_bytes: int,
        check_in: Callable[[], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.bootstrap = bootstrap
        self.holder = holder
        self.metrics = metrics
        self.health = health
        self.state_dir = state_dir
        self.check_in = check_in
        #: Markers of offsets the Kafka client could not parse, by (topic, partition, offset).
        self.unreadable: dict[Position, Unreadable] = {}
        client = aiokafka_config(settings, bootstrap)
        reader = WireReader(client, self.unreadable, settings.request_timeout_s)
        self.inbound = InboundConsumer(
            settings, bootstrap, holder.registry.inbound_topics(), reader
        )
        self.outputs = OutputProducer(
            settings, bootstrap, max_request_bytes, reported=topics.EVENT_IDS
        )
        self.claims: ClaimsReader | None = None
        self._lock: Any = None
        self._running: asyncio.Future[None] | None = None
        self._warned = False
        self._phases = BatchClock()

    async def on_start(self) -> None:
        """Open the event-id index, check it against the claims topic, join the group."""
        index, self._lock = open_event_index(self.settings, self.state_dir)
        index.horizon = horizon(self.settings, self.holder.policy)  # before claims are read
        self.claims = ClaimsReader(
            self.settings, self.bootstrap, index, self.settings.request_timeout_s
        )
        try:
            await self.claims.start()
        except ConfigurationError as exc:  # another cluster's or topic's index: never wiped
            log.critical("%s", exc)
            logging.shutdown()
            os._exit(EXIT_INVALID)
        except Exception:  # a worker that cannot tell duplicates must not route
            exit_without_commit("cannot read the event ids routed so far")
        steady_gc()
        self.health.event_ids_loaded = True
        self.inbound.subscribe()
        self._phases.restart()
        self._running = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        """Batches until the service stops; a stop lets the batch under way finish."""
        assert self.claims is not None
        settings = self.settings
        while not self.should_stop:
            try:
                records = await self.inbound.fetch(settings.batch_size, IDLE_WAIT_S)
            except Exception:  # the wire reader could not read what librdkafka would not
                exit_without_commit("inbound records not read")
            if self.should_stop:
                return  # fetched, not routed, not stored: the next owner routes them
            if records:
                await self._route_and_deliver(records, self.claims)
            else:
                self.inbound.done()  # offsets may have moved past transaction markers

    async def _route_and_deliver(self, records: list[Inbound], claims: ClaimsReader) -> None:
        """Route one batch and wait until Kafka acknowledged every output; exit if it cannot."""
        self.check_in()  # the first batch may come, and be done, before the next tick
        self.health.batch_started()
        started = reading()
        try:
            await claims.before_batch(self._held())
        except Exception:
            exit_without_commit("event ids not read to the end; cannot tell duplicates")
        caught_up = reading()
        now = dt.datetime.now(dt.UTC)
        policy = self.holder.policy  # one policy per batch, even if a new one arrives meanwhile
        claims.index.horizon = horizon(self.settings, policy)
        try:
            results = await route_records(
                records, policy, now, claims.index, self.unreadable, claims.read_missing
            )
        except Exception:
            exit_without_commit("event ids not read to the end; cannot tell duplicates")
        counted = statistics.facts_of(records, results, policy, now)  # acknowledged with the rest
        routed = reading()
        try:
            await self.outputs.send_all([*batch_outputs(results), *counted])
        except Exception:
            exit_without_commit(UNDELIVERED)
        claims.written(Written(*place) for place in self.outputs.delivered)
        self.outputs.delivered.clear()
        self.inbound.done()
        self.health.batch_done()
        try:  # counting must never stop routing
            self.metrics.time_phases(self._phases.lap(started, caught_up, routed, reading()))
            self.metrics.set_covenant(policy.version)
            self.metrics.count_batch(records, results, now.timestamp(), time.time())
        except Exception:
            log.exception("metrics not updated for a batch")
        _log_dead_letters(records, results)

    def _held(self) -> frozenset[int] | None:
        """The claims partitions co-partitioned with the inbound partitions held (None: all,
        when an inbound topic's partition count is not the claims topic's)."""
        assert self.claims is not None
        counts = self.inbound.partition_counts()
        other = {t: n for t, n in counts.items() if n != self.claims.partitions}
        if other and not self._warned:
            self._warned = True
            log.warning(
                "%s has %d partitions, the inbound topics %s: every worker reads every claim "
                "before each batch. Give the claims topic as many partitions as the inbound "
                "topics (docs/operations.md)",
                topics.EVENT_IDS,
                self.claims.partitions,
                ", ".join(sorted({str(n) for n in other.values()})),
            )
        if not counts or other:
            return None
        return frozenset(p for _, p in self.inbound.assigned)

    async def on_stop(self) -> None:
        """Finish the batch under way (or exit without commit), then close the clients:
        stored offsets are committed and the group is left."""
        self.health.event_ids_loaded = False
        if self._running is not None:
            try:  # the fetch under way ends within IDLE_WAIT_S, a batch within its timeouts
                await asyncio.wait_for(
                    asyncio.shield(self._running),
                    2 * self.settings.request_timeout_s + IDLE_WAIT_S,
                )
            except BaseException:
                exit_without_commit(UNFINISHED)
        self.outputs.close()
        await self.inbound.close()
        if self.claims is not None:
            await self.claims.stop(delivered=True)  # a batch not delivered exits above
        if self._lock is not None:
            self._lock.close()


def _log_dead_letters(records: list[Inbound], results: list[RouteResult]) -> None:
    for record, result in zip(records, results, strict=True):
        if result.dead_letter is not None:  # routine: a partner's bad record, counted too
            reason = dict(result.dead_letter.headers).get(REASON_HEADER, b"?").decode()
            log.info(
                "dead letter: %s (%s/%d at offset %d)",
                reason,
                record.topic,
                record.partition,
                record.offset,
                extra={"reason": reason, "origin": origin_of(record)},
            )


#: Allocations between two young-generation collections while routing (CPython's default: 700).
GC_YOUNG_THRESHOLD = 50_000


def steady_gc() -> None:
    """Tune the garbage collector for a steady stream once the worker has started.

    Everything made while starting (Faust, the compiled policy, its schemas and encoders)
    lives as long as the worker: frozen out of every collection. A batch of signals allocates
    many short-lived objects that reference counting frees; a larger young-generation threshold
    spares them most cycle searches (~14% of a worker's samples went to collections with the
    default, issue 21).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
