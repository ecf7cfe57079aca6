"""Kafka ACLs from the partner registry: who may read and write which topic. Pure: no I/O.

Identity is the topic (DESIGN.md): a partner may write only ``signalen.<partner>`` and read
only ``inbox.<partner>`` (and the schema topic, to decode its views); only the router reads the
inbound topics. Every topic grant names one topic literally: no prefix or wildcard pattern
could ever reach another partner's topic. Kafka denies everything not granted here.

Principals are SCRAM user names: a partner's id, and the roles of the pipeline itself in
``ROLES``. A role is one entry there: the topics it reads, writes or only describes, and its
groups. A new topic or role is added in that table and nowhere else. The cluster administrator
(who creates topics and users) is a Kafka super user, not listed here.

Kafka lets Read, Write, Delete and Alter imply Describe, so a grant lists Describe only where
nothing more is needed; ``tests/integration/test_least_privilege.py`` replays each command's
requests against these ACLs and finds every grant used and every request allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from pipeline import topics
from pipeline.registry import Registry

ResourceType = Literal["topic", "group", "cluster"]
#: Kafka's pattern types (kafka-acls.sh wording); Strimzi writes "prefix" for "prefixed".
Pattern = Literal["literal", "prefixed"]
Operation = Literal["Read", "Write", "Describe", "DescribeConfigs", "Create"]

#: The name of the cluster resource in Kafka's ACLs.
CLUSTER = "kafka-cluster"


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
        """The principal as Kafka names it."""
        return f"User:{self.principal}"


#: A set of topics, chosen from the registry.
Topics = Callable[[Registry], Iterable[str]]


def _named(*names: str) -> Topics:
    return lambda registry: names


def _inbound(registry: Registry) -> Iterable[str]:
    return registry.inbound_topics()


def _inboxes(registry: Registry) -> Iterable[str]:
    return registry.inbox_topics()


def _every_topic(registry: Registry) -> Iterable[str]:
    return registry.all_topics()


@dataclass(frozen=True)
class Role:
    """One principal of the pipeline and the rights its commands need."""

    principal: str
    purpose: str
    topics: tuple[tuple[Topics, tuple[Operation, ...]], ...]
    #: Consumer groups it joins: (name, pattern); the router's own group is "{router_group}".
    groups: tuple[tuple[str, Pattern], ...] = ()
    #: It lists consumer groups (lag): Describe on every group.
    describes_groups: bool = False
    commands: tuple[str, ...] = field(default=())


ROUTER = "ketenstroom-router"
OPERATOR = "ketenstroom-beheer"
REPLAYER = "ketenstroom-herhaling"
COVENANT_PUBLISHER = "ketenstroom-convenant"
REIDENTIFIER = "ketenstroom-herleiding"
ACCOUNTABILITY = "ketenstroom-verantwoording"
ROUTER_GROUP = "{router_group}"

#: Every role of the pipeline. A partner's rights come from the registry (partner_acls).
ROLES: tuple[Role, ...] = (
    Role(
        ROUTER,
        "routes signals: reads every inbound topic, writes every inbox and the log",
        topics=(
            (_inbound, ("Read",)),
            (_inboxes, ("Write",)),
            (_named(topics.DEAD_LETTER, topics.DISCLOSURE_LOG), ("Write",)),
            (_named(topics.EVENT_IDS, topics.SCHEMAS), ("Read", "Write")),
            # statistics: the facts counted, the publications' own record, and the claims
            # whose order decides who publishes a version: nobody else may write there
            (
                _named(
                    topics.STATISTICS_FACTS,
                    topics.STATISTICS_PUBLICATIONS,
                    topics.STATISTICS_CLAIMS,
                ),
                ("Read", "Write"),
            ),
            # the policy's processing activities: read first, so an entry is never redefined
            (_named(topics.REGISTER), ("Read", "Write")),
            (_named(topics.COVENANTS), ("Read",)),
            # only the router writes covenant status: nobody else can claim a worker adopted
            (_named(topics.COVENANT_STATUS), ("Read", "Write")),
            (_named(topics.DLQ_REPLAYS), ("Describe",)),  # start-up checks every topic exists
        ),
        groups=((ROUTER_GROUP, "literal"),),
        # the dry run reads what a router reads, with no consumer group
        commands=("worker", "statistiek publiceer", "convenant proef"),
    ),
    Role(
        OPERATOR,
        "watches lag and dead letters; reads no signal or view",
        topics=(
            (_every_topic, ("Describe", "DescribeConfigs")),
            (
                _named(
                    topics.DEAD_LETTER, topics.DLQ_REPLAYS, topics.SCHEMAS, topics.COVENANT_STATUS
                ),
                ("Read",),
            ),
        ),
        describes_groups=True,
        commands=("lag", "dlq list", "dlq show", "topics check", "convenant status"),
    ),
    Role(
        REPLAYER,
        "puts dead letters back on their inbound topic; give it to a named person while replaying",
        topics=(
            (_named(topics.DEAD_LETTER), ("Read",)),
            (_named(topics.DLQ_REPLAYS), ("Read", "Write")),
            (_inbound, ("Write",)),
        ),
        commands=("dlq replay",),
    ),
    Role(
        COVENANT_PUBLISHER,
        "the privacy officer's publisher of signed covenant bundles and their view schemas",
        topics=(
            (_every_topic, ("Describe",)),  # checks every topic exists before publishing
            # read first: a published version, register entry or schema is never redefined
            (_named(topics.SCHEMAS, topics.REGISTER), ("Read", "Write")),
            (_named(topics.COVENANTS), ("Read", "Write")),
            # publish reads which workers adopted or refused; it may never write there
            (_named(topics.COVENANT_STATUS), ("Read",)),
        ),
        commands=("convenant publish",),
    ),
    Role(
        REIDENTIFIER,
        "carries out a signed re-identification request; the act goes to the disclosure log first",
        topics=(
            (_named(topics.DISCLOSURE_LOG), ("Write",)),
            # the herleiders of the covenant in force: the newest signed bundle, wherever kept
            (_named(topics.COVENANTS, topics.COVENANT_STATUS), ("Read",)),
        ),
        commands=("reidentify uitvoeren",),
    ),
    Role(
        ACCOUNTABILITY,
        "the FG's inzage, overzicht and export: reads the log, the register and the schemas",
        topics=((_named(topics.DISCLOSURE_LOG, topics.REGISTER, topics.SCHEMAS), ("Read",)),),
        commands=("verantwoording inzage", "verantwoording overzicht", "verantwoording export"),
    ),
)
ROLE_NAMES = tuple(r.principal for r in ROLES)


def _topic(principal: str, name: str, *operations: Operation) -> list[Acl]:
    return [Acl(principal, "topic", name, "literal", op) for op in operations]


def _group(principal: str, name: str, pattern: Pattern) -> list[Acl]:
    # Describe is implied by Read; Read lets a member join, commit and fetch offsets
    return [Acl(principal, "group", name, pattern, "Read")]


def partner_acls(registry: Registry) -> list[Acl]:
    """Each partner: write its inbound topic, read its inbox (with groups named ``<id>.*``)."""
    acls: list[Acl] = []
    for partner in registry.deelnemers:
        if partner.publiceert:
            acls += _topic(partner.id, topics.inbound(partner.id), "Write")
        if partner.ontvangt:
            acls += _topic(partner.id, topics.inbox(partner.id), "Read")
            acls += _topic(partner.id, topics.SCHEMAS, "Read")
            # group ids cannot collide across partners: ids hold no dot, so "a." never prefixes "a-b."
            acls += _group(partner.id, f"{partner.id}.", "prefixed")
    return acls


def role_acls(role: Role, registry: Registry, router_group_id: str) -> list[Acl]:
    """The ACLs of one role in this registry."""
    acls: list[Acl] = []
    for chosen, operations in role.topics:
        for name in chosen(registry):
            acls += _topic(role.principal, name, *operations)
    for name, pattern in role.groups:
        acls += _group(role.principal, name.replace(ROUTER_GROUP, router_group_id), pattern)
    if role.describes_groups:
        acls.append(Acl(role.principal, "group", "*", "literal", "Describe"))
    return acls


def all_acls(registry: Registry, router_group_id: str) -> list[Acl]:
    """Every ACL of the deployment, sorted and without repeats."""
    acls = partner_acls(registry)
    for role in ROLES:
        acls += role_acls(role, registry, router_group_id)
    return sorted(set(acls))


def principals(acls: Iterable[Acl]) -> list[str]:
    """The user names that hold any of these ACLs."""
    return sorted({a.principal for a in acls})
