"""A fresh embedded broker, provisioned as a router expects, and workers on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.app.process import WorkerProcess
from pipeline.app.worker import load_policy, prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.demo import EMBEDDED_TIMINGS, with_dev_keys
from pipeline.settings import Settings
from tests.benchmarks.before import BeforeWorker

#: Partitions of data topics, as deploy/ provisions them: 1, 2, 3 or 6 workers share them evenly.
PARTITIONS = 6


class Cluster(NamedTuple):
    """A running broker: its address, settings for it, and its process (for its CPU)."""

    bootstrap: str
    settings: Settings
    broker_pid: int


@contextmanager
def fresh_cluster(workdir: Path, **overrides: Any) -> Iterator[Cluster]:
    """A fresh embedded broker with the router's topics and schemas, and settings for it."""
    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        defaults: dict[str, Any] = {
            "broker": "external",
            "bootstrap_servers": bootstrap,
            "partitions": PARTITIONS,
            # this broker's own event-id index files, not those other runs left in /tmp
            "state_dir": workdir / f"state-{uuid.uuid4().hex[:8]}",
            **EMBEDDED_TIMINGS,
        }
        settings = with_dev_keys(Settings(**{**defaults, **overrides}), workdir)
        registry, policy = load_policy(settings)
        prepare_cluster(settings, bootstrap, registry, policy)
        assert broker.pid is not None
        yield Cluster(bootstrap, settings, broker.pid)


@contextmanager
def ready_workers(
    settings: Settings, workdir: Path, n: int, name: str, source: Path | None = None
) -> Iterator[list[WorkerProcess]]:
    """``n`` router workers in one consumer group, each consuming, stopped afterwards; the
    code in ``source`` (tests.benchmarks.before) instead of this checkout's, if given."""
    workers = []
    for i in range(n):
        worker_settings = settings.model_copy(update={"metrics_port": free_port()})
        log = workdir / f"{name}-{i}.log"
        worker = (
            WorkerProcess(worker_settings, log, loglevel="warning")
            if source is None
            else BeforeWorker(source, worker_settings, log, loglevel="warning")
        )
        workers.append(worker.start())
    try:
        for worker in workers:
            worker.wait_ready(120)
        yield workers
    finally:
        for worker in workers:
            worker.stop()
