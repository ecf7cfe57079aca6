"""Kafka ACLs from the partner registry: who may read and write which topic. Pure: no I/O.

Identity is the topic (DESIGN.md): a partner may write only ``signalen.<partner>`` and read
only ``inbox.<partner>`` (and the schema topic, to decode its views); only the router reads the
inbound topics. Every topic grant names one topic literally: no prefix or wildcard pattern
could ever reach another partner's topic. Kafka denies everything not granted here.

Principals are SCRAM user names: a partner's id, and four roles of the pipeline itself. The
cluster administrator (who creates topics and users) is a Kafka super user, not listed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pipeline import topics
from pipeline.registry import Registry

ROUTER = "ketenstroom-router"
#: Reads lag, dead letters and their replays; sees no signal content except dead letters.
OPERATOR = "ketenstroom-beheer"
#: Puts dead letters back on inbound topics; give it to a named person only while replaying.
REPLAYER = "ketenstroom-herhaling"
#: The privacy officer's publisher of signed covenant bundles.
COVENANT_PUBLISHER = "ketenstroom-convenant"
ROLES = (ROUTER, OPERATOR, REPLAYER, COVENANT_PUBLISHER)

ResourceType = Literal["topic", "group", "cluster"]
Pattern = Literal["literal", "prefixed"]
Operation = Literal["Read", "Write", "Describe", "DescribeConfigs"]


@dataclass(frozen=True, order=True)
class Acl:
    """Allow ``principal`` to do ``operation`` on one resource (from any host)."""

    principal: str  # a user name; Kafka's principal is User:<name>
    resource_type: ResourceType
    name: str
    pattern: Pattern
    operation: Operation

    @property
    def kafka_principal(self) -> str:
        return f"User:{self.principal}"


def _topic(principal: str, name: str, *operations: Operation) -> list[Acl]:
    return [Acl(principal, "topic", name, "literal", op) for op in operations]


def _group(principal: str, name: str, pattern: Pattern = "literal") -> list[Acl]:
    return [Acl(principal, "group", name, pattern, op) for op in ("Read", "Describe")]


def partner_acls(registry: Registry) -> list[Acl]:
    """Each partner: write its inbound topic, read its inbox (with groups named ``<id>.*``)."""
    acls: list[Acl] = []
    for partner in registry.deelnemers:
        if partner.publiceert:
            acls += _topic(partner.id, topics.inbound(partner.id), "Write", "Describe")
        if partner.ontvangt:
            acls += _topic(partner.id, topics.inbox(partner.id), "Read", "Describe")
            acls += _topic(partner.id, topics.SCHEMAS, "Read", "Describe")
            # group ids cannot collide across partners: ids hold no dot, so "a." never prefixes "a-b."
            acls += _group(partner.id, f"{partner.id}.", "prefixed")
    return acls


def router_acls(registry: Registry, group_id: str) -> list[Acl]:
    """The router: read every inbound topic, write every inbox and its own topics."""
    acls: list[Acl] = _group(ROUTER, group_id)
    for topic in registry.inbound_topics():
        acls += _topic(ROUTER, topic, "Read", "Describe")
    for topic in [*registry.inbox_topics(), topics.DEAD_LETTER, topics.DISCLOSURE_LOG]:
        acls += _topic(ROUTER, topic, "Write", "Describe")
    acls += _topic(ROUTER, topics.EVENT_IDS, "Read", "Write", "Describe")
    for topic in (topics.STATISTICS_FACTS, topics.STATISTICS_PUBLICATIONS):  # counts, publications
        acls += _topic(ROUTER, topic, "Read", "Write", "Describe")
    acls += _topic(ROUTER, topics.SCHEMAS, "Read", "Write", "Describe")
    acls += _topic(ROUTER, topics.COVENANTS, "Read", "Describe")
    acls += _topic(ROUTER, topics.DLQ_REPLAYS, "Describe")  # checks the topic exists at start
    return acls


def operator_acls(registry: Registry) -> list[Acl]:
    """Lag (describe only: offsets, never records), dead letters, and the replay ledger."""
    acls = [Acl(OPERATOR, "group", "*", "literal", "Describe")]
    for topic in registry.all_topics():
        acls += _topic(OPERATOR, topic, "Describe")
    acls += _topic(OPERATOR, topics.DEAD_LETTER, "Read")
    acls += _topic(OPERATOR, topics.DLQ_REPLAYS, "Read")
    acls += _topic(OPERATOR, topics.SCHEMAS, "Read")
    return acls


def replayer_acls(registry: Registry) -> list[Acl]:
    """Replay: read dead letters and the ledger, write inbound topics and the ledger."""
    acls = _topic(REPLAYER, topics.DEAD_LETTER, "Read", "Describe")
    acls += _topic(REPLAYER, topics.DLQ_REPLAYS, "Read", "Write", "Describe")
    for topic in registry.inbound_topics():
        acls += _topic(REPLAYER, topic, "Write", "Describe")
    return acls


def covenant_publisher_acls() -> list[Acl]:
    return _topic(COVENANT_PUBLISHER, topics.COVENANTS, "Read", "Write", "Describe")


def all_acls(registry: Registry, router_group_id: str) -> list[Acl]:
    """Every ACL of the deployment, sorted and without repeats."""
    acls = [
        *partner_acls(registry),
        *router_acls(registry, router_group_id),
        *operator_acls(registry),
        *replayer_acls(registry),
        *covenant_publisher_acls(),
    ]
    return sorted(set(acls))


def principals(acls: Iterable[Acl]) -> list[str]:
    return sorted({a.principal for a in acls})
