"""Statistics in the worker: counting in the router's batches, publishing closed periods.

Counting is one call in the router agent (``facts_of``): a batch's facts are produced with its
other outputs and acknowledged before its offsets can be committed, so a killed worker loses no
count and a redelivered batch writes the same facts again.

The counts are not kept as Faust table state. Faust restores a table by reading its changelog
up to the end offset that ListOffsets reports, and the embedded broker under-reports that while
producers batch (docs/embedded-broker.md): the records of the last batch are not restored and their
counts are lost after a restart (tests/benchmarks/table_recovery.py measures it). Instead the
facts topic *is* the table: compacted, keyed per rule, period and event, written by the
router's own producer (its 512 KiB batches stay as they are) and read to the fetch high
watermark, which is right, by whoever publishes. No worker keeps state that must be restored,
so a restart or a rebalance has nothing to lose.

One worker publishes: the one assigned partition 0 of the first inbound topic (one member of
the group at a time, but two for a moment during a rebalance). The CLI's ``statistiek
publiceer`` uses the same publisher, at any moment. Whoever publishes, a version is sent only
if its claim came first (pipeline.statistics.claims): two publishers never release two
different tables under one name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pipeline import topics
from pipeline.broker.connection import aiokafka_config
from pipeline.client.inbox import read_inbox
from pipeline.client.schema_topic import publish_schemas
from pipeline.covenant.policy import Policy
from pipeline.errors import BrokerError
from pipeline.router.records import Outbound
from pipeline.settings import Settings
from pipeline.statistics.claims import (
    CLAIMS_TOPIC,
    Outcome,
    Publisher,
    Release,
    Role,
    claimed,
    takeover_at,
)
from pipeline.statistics.facts import facts_of
from pipeline.statistics.release import STATISTIEK_SCHEMA, Outputs, due, outputs, verified
from pipeline.statistics.state import FactState, PublicationLedger

log = logging.getLogger("ketenstroom.statistics")

__all__ = [
    "StatisticsPublisher",
    "demo_figures",
    "facts_of",
    "install",
    "is_publisher",
    "publish_period",
    "publisher_for",
    "publisher_topic",
]


class StatisticsPublisher:
    """Follows the facts, publications and claims topics and publishes what is due: each version
    only after its claim came first (pipeline.statistics.claims)."""

    def __init__(
        self,
        client: dict[str, Any],
        timeout: float,
        role: Role = Role.WORKER,
        takeover: dt.timedelta = dt.timedelta(seconds=30),
    ) -> None:
        """``client``: aiokafka connection settings (broker.connection.aiokafka_config);
        ``takeover``: how long after another publisher's claim this one sends it itself."""
        self.client = client
        self.timeout = timeout
        self.me = Publisher.here(role)
        self.takeover = takeover
        self.facts = FactState()
        self.ledger = PublicationLedger()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._partitions: list[TopicPartition] = []
        self._refused: set[str] = set()

    async def start(self) -> None:
        """Connect and read the three topics to their end."""
        self._consumer = AIOKafkaConsumer(
            **self.client, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50
        )
        await self._consumer.start()
        self._partitions = []
        for topic in (topics.STATISTICS_FACTS, topics.STATISTICS_PUBLICATIONS, CLAIMS_TOPIC):
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise BrokerError(
                    f"topic {topic!r} does not exist; run `ketenstroom topics create`"
                )
            if topic == CLAIMS_TOPIC and numbers != {0}:
                raise BrokerError(
                    f"topic {topic!r} has {len(numbers)} partitions; it must have exactly one "
                    "(the order of its claims decides who publishes a version): recreate it "
                    "with one partition, as `ketenstroom topics create` does"
                )
            self._partitions += [TopicPartition(topic, p) for p in sorted(numbers)]
        self._consumer.assign(self._partitions)
        await self._consumer.seek_to_beginning(*self._partitions)
        self._producer = AIOKafkaProducer(**self.client, acks="all", enable_idempotence=False)
        await self._producer.start()
        await self.catch_up()

    async def stop(self) -> None:
        """Disconnect."""
        for client in (self._consumer, self._producer):
            if client is not None:
                await client.stop()

    async def catch_up(self, past_claim: int | None = None) -> None:
        """Read the topics up to their fetch high watermarks (not ListOffsets: see above), and
        the claims at least past offset ``past_claim``."""
        consumer = self._require(self._consumer)
        deadline = asyncio.get_running_loop().time() + self.timeout
        claims = TopicPartition(CLAIMS_TOPIC, 0)
        while True:
            batches = await consumer.getmany(*self._partitions, timeout_ms=100)
            for tp, records in batches.items():
                for record in records:
                    if tp.topic == topics.STATISTICS_FACTS:
                        self.facts.learn(record.key, record.value)
                    elif tp.topic == CLAIMS_TOPIC:
                        self.ledger.learn_claim(record.value, record.offset)
                    else:
                        self.ledger.learn(record.value)
            behind = []
            for tp in self._partitions:
                high = consumer.highwater(tp)
                if high is None or await consumer.position(tp) < high:
                    behind.append(tp)
            if past_claim is not None and self.ledger.claims_read <= past_claim:
                behind.append(claims)
            if not behind:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise BrokerError(
                    f"statistics topics not read to their end within {self.timeout} s"
                )

    async def publish_due(
        self, policy: Policy, grace: dt.timedelta, period: str | None = None
    ) -> list[Release]:
        """Send every version claimed but left incomplete, then claim and publish what is due
        (``period``: that one, on demand). A version another publisher claimed first stands:
        this one then decides again on top of it. Returns what happened to each version."""
        releases: list[Release] = []
        lost: list[str] = []  # names another publisher claimed first, in the last round
        for _ in range(_ROUNDS):
            await self.catch_up()
            settled = await self._settle(policy)  # the versions others claimed are complete now
            told = {r.name for r in settled}
            for name in lost:
                winner = self.ledger.winner(name)
                if winner is not None and name not in told:
                    releases.append(Release(Outcome.BY_ANOTHER, winner.body))
            said = {(r.outcome, r.name) for r in releases}
            releases += [r for r in settled if (r.outcome, r.name) not in said]
            # Disclosure control solves linear programs: off the event loop, so heartbeats go on.
            bodies = await asyncio.get_running_loop().run_in_executor(
                None, self._due, policy, grace, period
            )
            lost = []
            for body in bodies:
                release = await self._claim_and_send(body, policy)
                if release is None:
                    lost.append(body["publicatie_id"])
                else:
                    releases.append(release)
            if not lost:
                return releases
        raise BrokerError(
            f"other publishers claimed these periods first {_ROUNDS} times in a row; "
            "nothing more is published now (the next attempt goes on from theirs)"
        )

    def _due(self, policy: Policy, grace: dt.timedelta, period: str | None) -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC)
        return due(policy.statistics, self.facts, self.ledger, grace, now, period)

    async def _settle(self, policy: Policy) -> list[Release]:
        """Versions claimed but incomplete: wait for their publisher until ``takeover`` after
        its claim, then send each exactly as claimed, if disclosure control gives its cells."""
        pending = self.ledger.pending()
        waited = False
        # never longer than ``takeover`` from now: the claim's time is its publisher's clock
        limit = asyncio.get_running_loop().time() + self.takeover.total_seconds()
        while pending:
            now = dt.datetime.now(dt.UTC)
            waits = [(takeover_at(p.body, self.takeover) - now).total_seconds() for p in pending]
            if max(waits) <= 0 or asyncio.get_running_loop().time() >= limit:
                break
            if not waited:
                log.warning(
                    "waiting up to %.0f s for %s, claimed by another publisher, to be complete",
                    max(waits),
                    ", ".join(p.key.decode(errors="replace") for p in pending),
                )
                waited = True
            await asyncio.sleep(min(_POLL_S, max(waits)))
            await self.catch_up()
            pending = self.ledger.pending()
        releases = []
        for incomplete in pending:
            name = incomplete.key.decode(errors="replace")
            if not verified(incomplete.body, policy.statistics, self.ledger):
                if name not in self._refused:
                    log.error(
                        "claimed publication %s does not match disclosure control for its "
                        "counts; not sent (later versions are audited against it)",
                        name,
                    )
                    self._refused.add(name)
                releases.append(Release(Outcome.REFUSED, incomplete.body))
                continue
            log.warning("publication %s was claimed but not completed; sending it as claimed", name)
            await self._release(outputs(incomplete.body, policy.store))
            releases.append(Release(Outcome.RESENT, incomplete.body))
        return releases

    async def _claim_and_send(self, body: dict[str, Any], policy: Policy) -> Release | None:
        """Claim ``body``'s version and send it if the claim came first; None if another claim
        came first (that one is the version)."""
        out = outputs(claimed(body, self.me), policy.store)
        producer = self._require(self._producer)
        sent = await producer.send(
            out.claim.topic, out.claim.value, key=out.claim.key, headers=list(out.claim.headers)
        )
        metadata = await sent
        await self.catch_up(past_claim=metadata.offset)
        name = out.body["publicatie_id"]
        winner = self.ledger.winner(name)
        if winner is None:
            raise BrokerError(f"claim {name} at offset {metadata.offset} was not read back")
        if winner.body != json.loads(out.claim.value):
            who = Publisher.of(winner.body)
            log.info(
                "%s was claimed first by %s; this one is not sent",
                name,
                who.describe() if who is not None else "an unnamed publisher",
            )
            return None
        await self._release(out)
        log.info(
            "published %s (%s%s): %d cells to %s",
            name,
            body["status"],
            f", replaces version {body['vervangt']}" if body["vervangt"] else "",
            len(body["cellen"]),
            ", ".join(body["ontvangers"]),
        )
        return Release(Outcome.PUBLISHED, winner.body)

    async def _release(self, out: Outputs) -> None:
        """Send a claimed version's records, then mark it complete."""
        producer = self._require(self._producer)
        await self._deliver(producer, out.records)
        await self._deliver(producer, [out.done])
        self.ledger.learn(out.done.value)

    @staticmethod
    async def _deliver(producer: AIOKafkaProducer, records: Sequence[Outbound]) -> None:
        pending = [
            await producer.send(o.topic, o.value, key=o.key, headers=list(o.headers))
            for o in records
        ]
        await asyncio.gather(*pending)

    @staticmethod
    def _require(client: Any) -> Any:
        if client is None:
            raise RuntimeError("the statistics publisher is not started")
        return client


#: How often a publisher decides again after another claimed first, before it gives up for now.
_ROUNDS = 5
#: How often a publisher looks whether another's claimed version is complete.
_POLL_S = 0.2


def publish_period(
    settings: Settings, bootstrap: str, policy: Policy, period: str | None
) -> list[Release]:
    """Publish ``period`` of every statistics rule with periods of its kind (None: every closed
    period with something new, as the workers do). Returns what happened to each version."""
    return asyncio.run(_publish(settings, bootstrap, policy, [period], Role.CLI))


def demo_figures(settings: Settings, bootstrap: str, policy: Policy) -> list[dict[str, Any]]:
    """Publish every counted period now (the demo's periods are still open: provisional
    figures), and return what the recipients' inboxes then hold: the Statistiek records."""
    facts = asyncio.run(_read_facts(settings, bootstrap))
    periods = sorted({p for rule in policy.statistics for p in facts.periods(rule.key)})
    if periods:
        asyncio.run(_publish(settings, bootstrap, policy, periods, Role.DEMO))
    recipients = sorted({r for rule in policy.statistics for r in rule.recipients})
    return [
        view.datum
        for recipient in recipients
        for view in read_inbox(settings, bootstrap, recipient)
        if view.schema_name == STATISTIEK_SCHEMA
    ]


def publisher_for(settings: Settings, client: dict[str, Any], role: Role) -> StatisticsPublisher:
    """A statistics publisher with these settings' timeouts."""
    return StatisticsPublisher(
        client,
        settings.request_timeout_s,
        role,
        dt.timedelta(seconds=settings.statistics_takeover_s),
    )


async def _read_facts(settings: Settings, bootstrap: str) -> FactState:
    publisher = publisher_for(settings, aiokafka_config(settings, bootstrap), Role.DEMO)
    await publisher.start()
    await publisher.stop()
    return publisher.facts


async def _publish(
    settings: Settings,
    bootstrap: str,
    policy: Policy,
    periods: Sequence[str | None],
    role: Role,
) -> list[Release]:
    publish_schemas(settings, bootstrap, [policy.store.current(STATISTIEK_SCHEMA)])
    publisher = publisher_for(settings, aiokafka_config(settings, bootstrap), role)
    grace = dt.timedelta(days=settings.statistics_grace_days)
    await publisher.start()
    try:
        releases = []
        for period in periods:
            releases += await publisher.publish_due(policy, grace, period)
        return releases
    finally:
        await publisher.stop()


def is_publisher(assignment: Callable[[], Iterable[tuple[str, int]]], topic: str) -> bool:
    """True if this worker holds partition 0 of ``topic`` (one member of the group does)."""
    return (topic, 0) in set(assignment())


def install(
    app: Any,
    settings: Settings,
    client: dict[str, Any],
    policy: Callable[[], Policy],
    assignment: Callable[[], Iterable[tuple[str, int]]],
) -> None:
    """Add the publishing task to the router app: every ``statistics_interval_s`` the worker
    that holds partition 0 of the first inbound topic publishes the closed periods."""

    @app.task  # type: ignore[untyped-decorator]
    async def publish_statistics() -> None:
        publisher: StatisticsPublisher | None = None
        grace = dt.timedelta(days=settings.statistics_grace_days)
        try:
            while True:
                await asyncio.sleep(settings.statistics_interval_s)
                current = policy()
                if not current.statistics or not is_publisher(assignment, publisher_topic(current)):
                    continue
                try:
                    if publisher is None:
                        publisher = publisher_for(settings, client, Role.WORKER)
                        await publisher.start()
                    await publisher.publish_due(current, grace)
                except Exception:  # publishing must never stop routing; the next tick retries
                    log.exception("statistics not published this time")
                    if publisher is not None:
                        await publisher.stop()
                    publisher = None
        finally:
            if publisher is not None:
                await publisher.stop()


def publisher_topic(policy: Policy) -> str:
    """The inbound topic whose partition 0 makes a worker the publisher."""
    return topics.inbound(sorted(policy.sources)[0])
