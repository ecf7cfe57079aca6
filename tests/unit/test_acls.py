"""Generated ACLs against the registry: no partner can ever be granted another partner's topics."""

from __future__ import annotations

import shlex

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import topics
from pipeline.cli.deploy import DEPLOY_DIR, generated_files
from pipeline.ops.acls import OPERATOR, REPLAYER, ROLE_NAMES, ROUTER, Acl, all_acls
from pipeline.ops.manifests import acl_calls, kafka_acls_script, strimzi_users
from pipeline.registry import Deelnemer, Registry
from pipeline.settings import Settings

GROUP = "ketenstroom-router"
STATISTICS_TOPICS = {
    topics.STATISTICS_FACTS,
    topics.STATISTICS_PUBLICATIONS,
    topics.STATISTICS_CLAIMS,
}


def check_invariants(registry: Registry, acls: list[Acl]) -> None:
    partners = {p.id: p for p in registry.deelnemers}
    topic_acls = [a for a in acls if a.resource_type == "topic"]
    # every topic grant names one topic: no prefix, no wildcard
    assert all(a.pattern == "literal" and "*" not in a.name for a in topic_acls)
    for a in topic_acls:
        if a.principal in partners:
            partner = partners[a.principal]
            if a.operation == "Write":
                assert partner.publiceert and a.name == topics.inbound(partner.id), a
            else:
                assert a.operation == "Read", a
                assert a.name in {topics.inbox(partner.id), topics.SCHEMAS}, a
                assert partner.ontvangt
        else:
            assert a.principal in ROLE_NAMES, a
        # an inbox is read by its partner only; inbound topics by the router only
        if a.operation == "Read" and a.name.startswith(topics.INBOX_PREFIX):
            assert a.principal == topics.partner_of_inbox(a.name), a
        if a.operation == "Read" and a.name.startswith(topics.INBOUND_PREFIX):
            assert a.principal == ROUTER, a
        if a.operation == "Write" and a.name.startswith(topics.INBOUND_PREFIX):
            assert a.principal in {topics.partner_of_inbound(a.name), REPLAYER}, a
        if a.operation == "Write" and a.name.startswith(topics.INBOX_PREFIX):
            assert a.principal == ROUTER, a
        # the first claim to a version of the figures is the version: only the router (its
        # workers and `statistiek publiceer`) may write claims, facts and publications
        if a.operation == "Write" and a.name in STATISTICS_TOPICS:
            assert a.principal == ROUTER, a
    # a partner's group prefix cannot cover another partner's groups
    for a in acls:
        if a.resource_type == "group" and a.principal in partners:
            assert a.pattern == "prefixed" and a.name == f"{a.principal}."
            assert not any(
                f"{other}.".startswith(a.name) for other in partners if other != a.principal
            )
    # the router can do its job: read every inbound topic, write every inbox
    granted = {(a.principal, a.name, a.operation) for a in topic_acls}
    for topic in registry.inbound_topics():
        assert (ROUTER, topic, "Read") in granted
        assert (topics.partner_of_inbound(topic), topic, "Write") in granted
    for topic in registry.inbox_topics():
        assert (ROUTER, topic, "Write") in granted
        assert (topics.partner_of_inbox(topic), topic, "Read") in granted
    for topic in STATISTICS_TOPICS:
        assert {(ROUTER, topic, "Read"), (ROUTER, topic, "Write")} <= granted
    # the operator reads no signal topic
    assert not any(
        a.principal == OPERATOR
        and a.operation == "Read"
        and a.name.startswith(("signalen.", "inbox."))
        for a in topic_acls
    )


def test_the_registry_acls_keep_every_partner_to_its_own_topics(registry):
    check_invariants(registry, all_acls(registry, GROUP))


ids = st.from_regex(r"[a-z][a-z0-9-]{1,12}", fullmatch=True).filter(
    lambda i: not i.startswith("ketenstroom")
)


@settings(max_examples=60, deadline=None)
@given(
    partners=st.lists(
        st.tuples(ids, st.booleans(), st.booleans()),
        min_size=1,
        max_size=8,
        unique_by=lambda t: t[0],
    )
)
def test_any_registry_gets_acls_that_keep_partners_apart(partners):
    # ids like "a" and "a-b", or "gemeente" and "gemeente-x", are the interesting cases
    registry = Registry(
        deelnemers=tuple(
            Deelnemer(id=i, naam=i, soort="gemeente", publiceert=p, ontvangt=o)
            for i, p, o in partners
        )
    )
    acls = all_acls(registry, GROUP)
    check_invariants(registry, acls)
    # the script's grouped calls grant exactly these ACLs, never one more
    assert from_script(kafka_acls_script(acls)) == set(acls)


def from_script(text: str) -> set[Acl]:
    """The ACLs a kafka-acls.sh script adds: each call's cross product of principals,
    operations and resources, as kafka-acls.sh itself computes it."""
    found = set()
    for line in text.replace("\\\n", " ").splitlines():
        if not line.startswith("kafka-acls.sh"):
            continue
        words = shlex.split(line)
        values = {
            option: [words[i + 1] for i, w in enumerate(words) if w == option]
            for option in ("--allow-principal", "--operation", "--topic", "--group")
        }
        pattern = words[words.index("--resource-pattern-type") + 1]
        resources = [("topic", n) for n in values["--topic"]]
        resources += [("group", n) for n in values["--group"]]
        if "--cluster" in words:
            resources.append(("cluster", "kafka-cluster"))
        for principal in values["--allow-principal"]:
            for operation in values["--operation"]:
                for kind, name in resources:
                    found.add(Acl(principal.removeprefix("User:"), kind, name, pattern, operation))
    return found


def from_strimzi(text: str) -> set[Acl]:
    found = set()
    for doc in yaml.safe_load_all(text):
        if not doc:
            continue
        assert (
            doc["kind"] == "KafkaUser" and doc["spec"]["authentication"]["type"] == "scram-sha-512"
        )
        assert doc["apiVersion"] == "kafka.strimzi.io/v1"
        for grant in doc["spec"]["authorization"]["acls"]:
            r = grant["resource"]
            pattern = {"literal": "literal", "prefix": "prefixed"}[r["patternType"]]
            for op in grant["operations"]:
                found.add(Acl(doc["metadata"]["name"], r["type"], r["name"], pattern, op))
    return found


def test_script_and_strimzi_users_carry_exactly_the_acls(registry):
    acls = all_acls(registry, GROUP)
    assert from_script(kafka_acls_script(acls)) == set(acls)
    # one call per (principals, operations, pattern) instead of one per resource: at most three
    # per partner (write, read, group) and three per role on average (it was 127 calls)
    assert len(acl_calls(acls)) <= 3 * (len(registry.ids) + len(ROLE_NAMES))
    assert from_strimzi(strimzi_users(acls, "ketenstroom", "ketenstroom")) == set(acls)


def test_generated_deploy_files_match_the_registry(registry):
    """A registry change must be followed by `ketenstroom deploy write` (the files are reviewed)."""
    for relative, text in generated_files(Settings()).items():
        path = DEPLOY_DIR.parent / relative
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `ketenstroom deploy write`"
        )
    topics_file = yaml.safe_load_all(
        (DEPLOY_DIR / "kubernetes/generated/kafka-topics.yaml").read_text()
    )
    names = {d["spec"]["topicName"] for d in topics_file if d}
    assert names == set(registry.all_topics())


def test_partner_ids_may_not_take_a_role_name():
    with pytest.raises(ValueError, match="own Kafka users"):
        Registry(deelnemers=(Deelnemer(id="ketenstroom-router", naam="x", soort="gemeente"),))
