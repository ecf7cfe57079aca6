"""A thin Faust app: every inbound topic in, route() in the middle, outputs acknowledged first."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import faust

from pipeline.app import statistics
from pipeline.app.covenant_watch import follow_covenants
from pipeline.app.event_ids import EventIdFollower, horizon, open_event_index
from pipeline.app.fetch_guard import Position, Unreadable
from pipeline.app.output_producer import OutputProducer
from pipeline.app.shutdown import EXIT_WITHOUT_COMMIT
from pipeline.app.transport import RouterApp
from pipeline.broker.connection import aiokafka_config, faust_credentials
from pipeline.covenant.policy import Policy
from pipeline.errors import ConfigurationError
from pipeline.ops.health import Health
from pipeline.ops.metrics import BatchClock, RouterMetrics, reading
from pipeline.publication.adoption import PolicyHolder
from pipeline.router.core import route_batch
from pipeline.router.dead_letter import REASON_HEADER, unreadable_dead_letter
from pipeline.router.delivery import batch_outputs
from pipeline.router.event_index import EventIndex, origin_of
from pipeline.router.records import Headers, Inbound, Outbound, RouteResult
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.router")

#: Largest produce request: room for a dead letter of the largest record Kafka accepts by default.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
#: Exit status when the worker cannot start as configured (pipeline/cli/exit_codes.py: INVALID).
EXIT_INVALID = 1


def _headers(raw: Any) -> Headers:
    if not raw:
        return ()
    items = raw.items() if isinstance(raw, Mapping) else raw
    return tuple((str(k), bytes(v) if v is not None else b"") for k, v in items)


def create_app(
    settings: Settings,
    bootstrap: str,
    holder: PolicyHolder,
    metrics: RouterMetrics,
    health: Health,
    state_dir: Path,
    on_ready: Callable[[], None] = lambda: None,
) -> faust.App:
    """The router app. One consumer group; scale out by starting more workers. It reports to
    ``health`` and ``metrics`` (served by the caller), keeps its event-id index in
    ``state_dir``, and calls ``on_ready`` once, when it first is ready."""
    app = RouterApp(
        settings.router_group_id,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        broker=[f"kafka://{server}" for server in bootstrap.split(",")],
        broker_credentials=faust_credentials(settings),
        store="memory://",
        # Faust wants a data directory even with in-memory tables: keep it out of the checkout
        datadir=str(Path(tempfile.gettempdir()) / f"ketenstroom-faust-{settings.router_group_id}"),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        broker_rebalance_timeout=settings.rebalance_timeout_s,
        broker_request_timeout=settings.request_timeout_s,
        broker_commit_interval=settings.commit_interval_s,
        producer_acks=-1,
        # A batch of signals becomes ~9 outputs each: large producer batches, a short linger
        producer_max_batch_size=settings.producer_batch_bytes,
        producer_linger=settings.producer_linger_ms / 1000,
        # Faust's default (1,000,000 bytes) is below Kafka's default record limit (1,048,588):
        # the client must never be what refuses an output; the broker's limit is the real one.
        producer_max_request_size=MAX_REQUEST_BYTES,
        web_enabled=False,
    )
    client = aiokafka_config(settings, bootstrap)
    metrics.set_covenant(holder.policy.version)
    positions: dict[tuple[str, int], int] = {}  # next offset to route, per partition
    inbound = app.topic(*holder.registry.inbound_topics(), key_type=bytes, value_type=bytes)

    outputs = OutputProducer(settings, bootstrap, MAX_REQUEST_BYTES)
    phases = BatchClock()

    async def produce(results: list[RouteResult], extra: list[Outbound]) -> None:
        """Send every output of a batch (views in an order that does not follow the signals:
        router.delivery), then wait for Kafka's acknowledgement of each."""
        await outputs.send_all([*batch_outputs(results), *extra])

    @app.agent(inbound, name="router")
    async def router(stream: Any) -> None:
        # the lock is held while this agent runs
        index, lock = open_event_index(settings, state_dir)
        index.horizon = horizon(settings, holder.policy)  # before the topic's claims are read
        event_ids = EventIdFollower(client, index, settings.request_timeout_s)
        try:
            await event_ids.start()
        except ConfigurationError as exc:  # another cluster's or topic's index: never wiped
            log.critical("%s", exc)
            logging.shutdown()
            os._exit(EXIT_INVALID)
        except Exception:  # a crashed agent would leave a live worker that routes nothing
            _exit_without_commit("cannot read the event ids routed so far")
        steady_gc()
        health.event_ids_loaded = True
        phases.restart()
        try:
            # take_events acknowledges a batch once the body returns, so offsets become
            # committable only after every output of the batch was acknowledged: nothing lost.
            async for events in stream.take_events(
                settings.batch_size, within=settings.batch_wait_s
            ):
                batch = asyncio.ensure_future(route_and_deliver(events, event_ids))
                try:
                    await asyncio.shield(batch)
                except asyncio.CancelledError:
                    # Shutdown mid-batch: take_events acknowledges the batch as the loop
                    # unwinds, so finish it first (or exit without commit if that fails).
                    await _finish_or_exit(batch, 2 * settings.request_timeout_s)
                    raise
        finally:
            health.event_ids_loaded = False
            outputs.close()
            await event_ids.stop()
            if lock is not None:
                lock.close()

    async def route_and_deliver(events: list[Any], event_ids: EventIdFollower) -> None:
        """Route one batch and wait until Kafka acknowledged every output; exit if it cannot."""
        if not announced:  # the first batch may come, and be done, before the next tick
            check_in()
        health.batch_started()
        started = reading()
        try:
            await event_ids.catch_up()  # ids routed by other workers until now are known
        except Exception:
            _exit_without_commit("event ids not read to the end; cannot tell duplicates")
        caught_up = reading()
        now = dt.datetime.now(dt.UTC)
        policy = holder.policy  # one policy per batch, even if a new one arrives meanwhile
        event_ids.index.horizon = horizon(settings, policy)
        records = [_inbound(e.message) for e in events]
        results = _route_all(records, policy, now, event_ids.index, app.unreadable)
        counted = statistics.facts_of(records, results, policy, now)  # acknowledged with the rest
        routed = reading()
        try:
            await produce(results, counted)
        except Exception:
            _exit_without_commit(UNDELIVERED)
        health.batch_done()
        try:  # counting must never stop routing
            metrics.time_phases(phases.lap(started, caught_up, routed, reading()))
            metrics.set_covenant(policy.version)
            metrics.count_batch(records, results, now.timestamp(), time.time())
        except Exception:
            log.exception("metrics not updated for a batch")
        for record in records:
            positions[(record.topic, record.partition)] = record.offset + 1
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

    def consumer_lag() -> dict[tuple[str, int], int]:
        """Per assigned partition: the high watermark minus the next offset to route."""
        lag = {}
        for tp in app.consumer.assignment():
            routed = positions.get((tp.topic, tp.partition))
            try:
                high = app.consumer.highwater(tp)
            except Exception:  # e.g. mid-rebalance: no reading for this partition now
                continue
            if high is not None and routed is not None:
                lag[(tp.topic, tp.partition)] = max(high - routed, 0)
        return lag

    metrics.watch_lag(consumer_lag)
    statistics.install(app, settings, client, lambda: holder.policy)

    announced = False

    def check_in() -> None:
        """The event loop runs (liveness), how many partitions are assigned (readiness), and
        the ready line once, as soon as the worker is."""
        nonlocal announced
        try:
            assigned = len(app.consumer.assignment())
        except Exception:  # the consumer is not started yet, or mid-rebalance
            assigned = health.partitions
        health.tick(assigned)
        if not announced and health.ready:
            announced = True
            on_ready()

    @app.timer(1.0)  # type: ignore[untyped-decorator]
    async def tick() -> None:
        """Check in every second; hand librdkafka's queued log lines to Python logging."""
        check_in()
        outputs.poll()

    @app.task  # type: ignore[untyped-decorator]
    async def watch_covenants() -> None:
        """Follow the control topic and report this worker's covenant status (covenant_watch)."""
        await follow_covenants(client, holder, settings)

    return app


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


UNDELIVERED = "outputs not acknowledged by Kafka"
UNFINISHED = "batch not finished at shutdown"


def _exit_without_commit(why: str) -> None:
    """A batch cannot be finished. take_events would still acknowledge it when the loop unwinds,
    and its offsets would be committed with outputs missing. Crash instead: nothing is
    committed, and the batch is routed again on restart (same keys and event ids)."""
    log.critical("%s; exiting without commit", why, exc_info=True)
    logging.shutdown()
    os._exit(EXIT_WITHOUT_COMMIT)


async def _finish_or_exit(batch: asyncio.Future[None], timeout: float) -> None:
    try:
        await asyncio.wait_for(batch, timeout)
    except BaseException:
        _exit_without_commit(UNFINISHED)


def _route_all(
    records: list[Inbound],
    policy: Policy,
    now: dt.datetime,
    index: EventIndex,
    unreadable: dict[Position, Unreadable],
) -> list[RouteResult]:
    """route_batch over the records the Kafka client could parse, in order; a dead letter for
    each marker of offsets it could not (see app.fetch_guard)."""
    markers = {
        i: found
        for i, r in enumerate(records)
        if r.key is None
        and r.value is None
        and (found := unreadable.pop((r.topic, r.partition, r.offset), None)) is not None
    }
    if not markers:
        return route_batch(records, policy, now, index)
    readable = iter(
        route_batch([r for i, r in enumerate(records) if i not in markers], policy, now, index)
    )
    return [
        RouteResult(
            dead_letter=unreadable_dead_letter(
                m.topic, m.partition, m.first, m.last, m.error, policy.version
            )
        )
        if (m := markers.get(i)) is not None
        else next(readable)
        for i in range(len(records))
    ]


def _inbound(message: Any) -> Inbound:
    # Kafka's "no timestamp" is -1, and a producer may set any 64-bit value: only a plausible
    # one is kept (it times routing latency, nothing else).
    timestamp = message.timestamp
    plausible = timestamp is not None and 0 < timestamp < _LATEST_TIMESTAMP_S
    return Inbound(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=_headers(message.headers),
        timestamp=timestamp if plausible else None,
    )


#: 2100-01-01 in seconds since the epoch: later record timestamps are taken as unset.
_LATEST_TIMESTAMP_S = 4_102_444_800
