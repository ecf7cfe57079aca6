"""A fresh embedded broker, provisioned as a router expects, for one benchmark round."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.app.worker import load_policy, prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker
from pipeline.demo import EMBEDDED_TIMINGS, with_dev_keys
from pipeline.settings import Settings

#: Partitions of data topics, as deploy/ provisions them: 1, 2, 3 or 6 workers share them evenly.
PARTITIONS = 6


@contextmanager
def fresh_cluster(workdir: Path, **overrides: Any) -> Iterator[tuple[str, Settings]]:
    """A fresh embedded broker with the router's topics and schemas, and settings for it."""
    with EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        settings = with_dev_keys(
            Settings(
                broker="external",
                bootstrap_servers=bootstrap,
                partitions=PARTITIONS,
                **EMBEDDED_TIMINGS,
                **overrides,
            ),
            workdir,
        )
        registry, policy = load_policy(settings)
        prepare_cluster(settings, bootstrap, registry, policy)
        yield bootstrap, settings
