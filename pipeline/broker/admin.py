"""Create the topics the pipeline needs, from the partner registry. Idempotent."""

from __future__ import annotations

import contextlib
import time

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.errors import BrokerError
from pipeline.registry import Registry
from pipeline.settings import Settings


def provision_topics(settings: Settings, bootstrap: str, registry: Registry) -> list[str]:
    """Create every missing topic (compacted where it holds state); returns those created."""
    wanted = registry.all_topics()
    try:
        admin = KafkaAdminClient(**client_config(settings, bootstrap))
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        new = [
            NewTopic(
                name,
                1 if name in topics.COMPACTED else settings.partitions,
                settings.replication_factor,
                topic_configs=topics.state_config(name, settings.event_id_horizon_ms),
            )
            for name in missing
        ]
        if new:
            # Another worker may provision them at the same moment; the broker still creates
            # each of the others, it only reports the first error.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new)
        _wait_for(admin, wanted)
        return missing
    finally:
        admin.close()


def _wait_for(admin: KafkaAdminClient, wanted: list[str], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(wanted) <= set(admin.list_topics()):
            return
        time.sleep(0.1)
    raise BrokerError(f"topics did not appear within {timeout:.0f} s: {sorted(set(wanted))}")
