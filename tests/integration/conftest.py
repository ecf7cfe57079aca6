"""A real Kafka-protocol broker (embedded Tansu) for the tests that need one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker
from pipeline.demo import EMBEDDED_TIMINGS
from pipeline.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """One embedded broker for the session, on a free loopback port; stopped afterwards."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="module")
def cluster(broker: EmbeddedBroker) -> Settings:
    """Settings for this broker, with a consumer group of its own per test module."""
    return Settings(
        broker="external",
        bootstrap_servers=broker.bootstrap_servers,
        router_group_id=f"router-{uuid.uuid4().hex[:8]}",
        **EMBEDDED_TIMINGS,
    )


@pytest.fixture(scope="module")
def worker(cluster: Settings, registry, policy, tmp_path_factory) -> Iterator[WorkerProcess]:
    """A router worker process, stopped (and its output shown on failure) after the module."""
    prepare_cluster(cluster, cluster.require_bootstrap(), registry, policy)
    log = Path(tmp_path_factory.mktemp("worker")) / "worker.log"
    process = WorkerProcess(cluster, log).start()
    yield process
    code = process.stop()
    print(f"worker exit code {code}; output:\n{process.output()[-4000:]}")
