"""A thin Faust app: the router's batch loop as its service, timers and tasks around it.

Faust is the application (life cycle, signals, timers, tasks, bounded stop); the Kafka clients
are the router's own (app.router_service): librdkafka consumes and produces, so Faust starts
none of its own (``RouterApp``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import faust
from faust.app.base import BootStrategy
from mode import ServiceT

from pipeline.app import statistics
from pipeline.app.covenant_watch import follow_covenants
from pipeline.app.router_service import Router
from pipeline.broker.connection import aiokafka_config
from pipeline.ops.health import Health
from pipeline.ops.metrics import RouterMetrics
from pipeline.publication.adoption import PolicyHolder
from pipeline.settings import Settings

#: Largest produce request: room for a dead letter of the largest record Kafka accepts by default.
MAX_REQUEST_BYTES = 2 * 1024 * 1024


class _NoKafka(BootStrategy):
    """Faust's services without its Kafka consumer, producer and table manager."""

    enable_kafka = False


class RouterApp(faust.App):
    """A Faust app that runs the router's own service (``batches``) with its timers and tasks."""

    BootStrategy = _NoKafka

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.batches: ServiceT | None = None
        super().__init__(*args, **kwargs)

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        """Faust's own services, then the router's batch loop."""
        yield from super().on_init_dependencies()
        if self.batches is not None:
            yield self.batches


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
        broker=[f"kafka://{server}" for server in bootstrap.split(",")],
        store="memory://",
        # Faust wants a data directory even with in-memory tables: keep it out of the checkout
        datadir=str(Path(tempfile.gettempdir()) / f"ketenstroom-faust-{settings.router_group_id}"),
        web_enabled=False,
    )
    client = aiokafka_config(settings, bootstrap)
    metrics.set_covenant(holder.policy.version)
    announced = False

    def check_in() -> None:
        """The event loop runs (liveness), how many partitions are assigned (readiness), and
        the ready line once, as soon as the worker is."""
        nonlocal announced
        health.tick(len(router.inbound.assigned))
        if not announced and health.ready:
            announced = True
            on_ready()

    router = Router(
        settings, bootstrap, holder, metrics, health, state_dir, MAX_REQUEST_BYTES, check_in
    )
    app.batches = router
    metrics.watch_lag(router.inbound.lag)
    statistics.install(
        app, settings, client, lambda: holder.policy, lambda: router.inbound.assigned
    )

    @app.timer(1.0)  # type: ignore[untyped-decorator]
    async def tick() -> None:
        """Check in every second; hand librdkafka's queued log lines to Python logging."""
        check_in()
        router.outputs.poll()

    @app.task  # type: ignore[untyped-decorator]
    async def watch_covenants() -> None:
        """Follow the control topic and report this worker's covenant status (covenant_watch)."""
        await follow_covenants(client, holder, settings)

    return app
