"""Kafka's authorization rules, for replaying recorded requests against generated ACLs.

What each request needs is Kafka's own table (the "Operations and resources on Kafka" table of
Kafka's authorization documentation, KIP-11 and its successors): e.g. Fetch needs Read on the
topic, JoinGroup Read on the group, ListOffsets Describe on the topic. How an ACL matches is the
StandardAuthorizer's: a literal name or "*", or a prefix; Read, Write, Delete and Alter imply
Describe, AlterConfigs implies DescribeConfigs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.ops.acls import Acl
from tests.kafka_recorder import Recorded

IMPLIES_DESCRIBE = {"Read", "Write", "Delete", "Alter"}


@dataclass(frozen=True)
class Need:
    """One right a request needs: an operation on a resource."""

    operation: str
    resource_type: str  # topic, group, cluster, transactional-id
    name: str

    def __str__(self) -> str:
        return f"{self.operation} on {self.resource_type} {self.name}"


def _names(items: Iterable[dict[str, Any]] | None, ids: Mapping[str, str], *keys: str) -> list[str]:
    found = []
    for item in items or ():
        name = next((item[k] for k in keys if item.get(k)), None)
        if name is None and item.get("topic_id") is not None:
            name = ids.get(str(item["topic_id"]), f"<topic id {item['topic_id']}>")
        if name is not None:
            found.append(name)
    return found


def needs(
    request: Recorded, registry_topics: list[str], is_role: bool, topic_ids: Mapping[str, str]
) -> list[Need]:
    """The rights ``request`` needs. A Metadata request for every topic is answered with the
    topics the principal may describe; ketenstroom's own roles ask for all of them only to check
    that the registry's topics exist (and would create the missing ones), so for a role it
    needs Describe on each of them."""
    body, api = request.body, request.api
    topic = lambda names, op: [Need(op, "topic", n) for n in names]  # noqa: E731
    if api in ("ApiVersions", "ApiKey71", "ApiKey72", "ListGroups"):
        return []  # no resource (ListGroups answers with the groups one may describe)
    if api == "Metadata":
        if body["topics"] is None:
            return topic(registry_topics, "Describe") if is_role else []
        names = _names(body["topics"], topic_ids, "name")
        wanted = topic(names, "Describe")
        if body.get("allow_auto_topic_creation"):
            wanted += topic([n for n in names if n not in registry_topics], "Create")
        return wanted
    if api == "Produce":
        return topic(_names(body["topic_data"], topic_ids, "name"), "Write")
    if api == "Fetch":
        return topic(_names(body["topics"], topic_ids, "topic"), "Read")
    if api in ("ListOffsets", "OffsetForLeaderEpoch", "DescribeTopicPartitions"):
        return topic(_names(body["topics"], topic_ids, "name", "topic"), "Describe")
    if api == "InitProducerId":
        if body.get("transactional_id"):
            return [Need("Write", "transactional-id", body["transactional_id"])]
        return [Need("IdempotentWrite", "cluster", "kafka-cluster")]
    if api == "FindCoordinator":
        keys = body.get("coordinator_keys") or [body.get("key")]
        kind = "group" if body.get("key_type", 0) == 0 else "transactional-id"
        return [Need("Describe", kind, k) for k in keys if k]
    if api in ("JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup"):
        return [Need("Read", "group", body["group_id"])]
    if api == "OffsetCommit":
        return [
            Need("Read", "group", body["group_id"]),
            *topic(_names(body["topics"], topic_ids, "name"), "Read"),
        ]
    if api == "OffsetFetch":
        groups = body.get("groups") or [
            {"group_id": body.get("group_id"), "topics": body.get("topics")}
        ]
        wanted = []
        for group in groups:
            wanted.append(Need("Describe", "group", group["group_id"]))
            wanted += topic(_names(group.get("topics"), topic_ids, "name"), "Describe")
        return wanted
    if api == "DescribeGroups":
        return [Need("Describe", "group", g) for g in body["groups"]]
    if api == "CreateTopics":
        return topic(_names(body["topics"], topic_ids, "name"), "Create")
    if api == "DescribeConfigs":
        return [
            Need("DescribeConfigs", "topic", r["resource_name"])
            for r in body["resources"]
            if r["resource_type"] == 2
        ]
    if api == "DescribeCluster":
        return [Need("Describe", "cluster", "kafka-cluster")]
    return [Need(f"<{api} is not modelled>", "cluster", "kafka-cluster")]


def _matches(acl: Acl, kind: str, name: str) -> bool:
    if acl.resource_type != kind:
        return False
    if acl.pattern == "prefixed":
        return name.startswith(acl.name)
    return acl.name in (name, "*")


def _covers(granted: str, needed: str) -> bool:
    return granted in (needed, "All") or (
        (needed == "Describe" and granted in IMPLIES_DESCRIBE)
        or (needed == "DescribeConfigs" and granted == "AlterConfigs")
    )


def allowing(acls: Iterable[Acl], principal: str, need: Need) -> set[Acl]:
    """The ACLs of ``principal`` that allow ``need`` (empty: Kafka denies it). An idempotent
    producer may initialise with Write on any topic instead of IdempotentWrite on the cluster."""
    own = [a for a in acls if a.principal == principal]
    if need.operation == "IdempotentWrite":
        return {a for a in own if a.resource_type == "topic" and a.operation == "Write"}
    return {
        a
        for a in own
        if _matches(a, need.resource_type, need.name) and _covers(a.operation, need.operation)
    }
