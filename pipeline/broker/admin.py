"""Create the topics the pipeline needs, from the partner registry, and check their retention.
Idempotent."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ConfigResource,
    ConfigResourceType,
    KafkaAdminClient,
    NewTopic,
    ResourcePattern,
    ResourceType,
)
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.covenant.loader import load_covenants
from pipeline.errors import BrokerError
from pipeline.ops.acls import CLUSTER, Acl
from pipeline.ops.retention import Retention, Shortfall, choice_of, required_retention, shortfalls
from pipeline.registry import Registry
from pipeline.settings import Settings

#: The cluster id the embedded Tansu broker reports (it keeps configs but enforces no retention).
TANSU_CLUSTER_ID = "tansu_cluster"
#: The embedded broker starts with a cluster id of its own (embedded.py): this prefix, a uuid.
EMBEDDED_CLUSTER_PREFIX = "ketenstroom-embedded-"


def deployment_retention(settings: Settings, registry: Registry) -> dict[str, Retention]:
    """Every topic's retention from the covenant files on disk and the settings."""
    covenants = [c.model for c in load_covenants(settings.convenanten_dir)]
    return required_retention(registry, covenants, choice_of(settings), dt.date.today())


def admin_client(settings: Settings, bootstrap: str) -> KafkaAdminClient:
    """An admin client, or a BrokerError that says where it tried and for how long."""
    try:
        return KafkaAdminClient(**client_config(settings, bootstrap))
    except KafkaError as exc:
        raise BrokerError(
            f"cannot reach Kafka at {bootstrap} within {settings.request_timeout_s:g} s "
            f"({settings.security_protocol}): {exc}"
        ) from exc


def provision_topics(
    settings: Settings,
    bootstrap: str,
    registry: Registry,
    retention: Mapping[str, Retention] | None = None,
) -> list[str]:
    """Create every missing topic with its retention (compacted where it holds state); returns
    those created. Existing topics are left as they are: ``check_retention`` reports them."""
    wanted = registry.all_topics()
    kept = retention if retention is not None else deployment_retention(settings, registry)
    admin = admin_client(settings, bootstrap)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        new = [
            NewTopic(
                name,
                1 if name in topics.SINGLE_PARTITION else settings.partitions,
                settings.replication_factor,
                topic_configs=kept[name].configs(),
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


@dataclass(frozen=True)
class RetentionReport:
    """What ``check_retention`` found: topics short of their retention, and about the broker."""

    shortfalls: list[Shortfall]
    checked: int
    embedded: bool  # Tansu: it reports what it was given, but deletes nothing by age


def check_retention(
    settings: Settings, bootstrap: str, retention: Mapping[str, Retention]
) -> RetentionReport:
    """DescribeConfigs for every existing topic of ``retention``; those kept too briefly."""
    admin = admin_client(settings, bootstrap)
    try:
        existing = [t for t in retention if t in set(admin.list_topics())]
        reported: dict[str, dict[str, str | None]] = {}
        if existing:
            # all configs, unfiltered: the embedded broker drops a connection on a filtered request
            answer = admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t, None) for t in existing],
                config_filter="all",
            )
            for topic, configs in answer.get("topic", {}).items():
                reported[topic] = {k: v.get("value") for k, v in configs.items()}
        found = _cluster_id(admin) or ""
        embedded = (
            settings.broker == "embedded"
            or found == TANSU_CLUSTER_ID
            or found.startswith(EMBEDDED_CLUSTER_PREFIX)
        )
        return RetentionReport(shortfalls(retention, reported), len(reported), embedded)
    except KafkaError as exc:
        raise BrokerError(f"cannot read topic configs from {bootstrap}: {exc}") from exc
    finally:
        admin.close()


def apply_acls(settings: Settings, bootstrap: str, acls: list[Acl]) -> int:
    """Create every ACL in one CreateAcls request (as a super user); an existing ACL stays as
    it is. Returns how many were sent; BrokerError names any the broker refused."""
    admin = admin_client(settings, bootstrap)
    try:
        result = admin.create_acls([_kafka_acl(a) for a in acls])
    except KafkaError as exc:
        raise BrokerError(f"Kafka at {bootstrap} refused the ACLs: {exc}") from exc
    finally:
        admin.close()
    failed = result.get("failed", [])
    if failed:
        shown = "; ".join(f"{acl}: {error}" for acl, error in failed[:5])
        raise BrokerError(f"{len(failed)} of {len(acls)} ACLs were refused: {shown}")
    return len(acls)


def _kafka_acl(acl: Acl) -> ACL:
    kind = {
        "topic": ResourceType.TOPIC,
        "group": ResourceType.GROUP,
        "cluster": ResourceType.CLUSTER,
    }
    pattern = {
        "literal": ACLResourcePatternType.LITERAL,
        "prefixed": ACLResourcePatternType.PREFIXED,
    }
    name = CLUSTER if acl.resource_type == "cluster" else acl.name
    operation = ACLOperation[_UPPER.sub("_", acl.operation).upper()]
    return ACL(
        acl.kafka_principal,
        "*",
        operation,
        ACLPermissionType.ALLOW,
        ResourcePattern(kind[acl.resource_type], name, pattern[acl.pattern]),
    )


_UPPER = re.compile(r"(?<=[a-z])(?=[A-Z])")  # DescribeConfigs -> DESCRIBE_CONFIGS


def cluster_id(settings: Settings, bootstrap: str) -> str | None:
    """The Kafka cluster's id (None when the broker reports none), from the metadata the
    client's bootstrap fetched: no topic is named, so none is auto-created (Tansu creates a
    topic a metadata request names), and no role needs Describe on more than it has."""
    admin = admin_client(settings, bootstrap)
    try:
        return _cluster_id(admin)
    finally:
        admin.close()


def _cluster_id(admin: KafkaAdminClient) -> str | None:
    """The cluster id from the metadata the client already has (DescribeCluster would need
    Describe on the cluster, a right the operator does not otherwise need)."""
    cluster = getattr(getattr(admin, "_client", None), "cluster", None)
    found = getattr(cluster, "cluster_id", None)
    return str(found) if found is not None else None


def _wait_for(admin: KafkaAdminClient, wanted: list[str], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(wanted) <= set(admin.list_topics()):
            return
        time.sleep(0.1)
    missing = sorted(set(wanted) - set(admin.list_topics()))
    raise BrokerError(
        f"topics did not appear within {timeout:.0f} s: {missing} (may this user Describe them?)"
    )
