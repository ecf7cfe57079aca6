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

One worker publishes: the one assigned partition 0 of the first inbound topic (exactly one
member of the group at a time). The CLI's ``statistiek publiceer`` uses the same publisher.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
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
from pipeline.statistics.facts import facts_of
from pipeline.statistics.release import STATISTIEK_SCHEMA, due, outputs, resend, verified
from pipeline.statistics.state import FactState, PublicationLedger

log = logging.getLogger("ketenstroom.statistics")

__all__ = [
    "StatisticsPublisher",
    "demo_figures",
    "facts_of",
    "install",
    "is_publisher",
    "publish_period",
    "publisher_topic",
]


class StatisticsPublisher:
    """Follows the facts and publications topics and publishes what is due."""

    def __init__(self, client: dict[str, Any], timeout: float) -> None:
        """``client``: aiokafka connection settings (broker.connection.aiokafka_config)."""
        self.client = client
        self.timeout = timeout
        self.facts = FactState()
        self.ledger = PublicationLedger()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        """Connect and read both topics to their end."""
        self._consumer = AIOKafkaConsumer(
            **self.client, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50
        )
        await self._consumer.start()
        self._partitions = []
        for topic in (topics.STATISTICS_FACTS, topics.STATISTICS_PUBLICATIONS):
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise BrokerError(
                    f"topic {topic!r} does not exist; run `ketenstroom topics create`"
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

    async def catch_up(self) -> None:
        """Read both topics up to their fetch high watermarks (not ListOffsets: see above)."""
        consumer = self._require(self._consumer)
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            batches = await consumer.getmany(*self._partitions, timeout_ms=100)
            for tp, records in batches.items():
                for record in records:
                    if tp.topic == topics.STATISTICS_FACTS:
                        self.facts.learn(record.key, record.value)
                    else:
                        self.ledger.learn(record.value)
            behind = []
            for tp in self._partitions:
                high = consumer.highwater(tp)
                if high is None or await consumer.position(tp) < high:
                    behind.append(tp)
            if not behind:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise BrokerError(
                    f"statistics topics not read to their end within {self.timeout} s"
                )

    async def publish_due(
        self, policy: Policy, grace: dt.timedelta, period: str | None = None
    ) -> list[dict[str, Any]]:
        """Publish every incomplete publication again, then what is due (``period``: that one,
        on demand). Returns the publications-topic entries sent."""
        await self.catch_up()
        sent = []
        for incomplete in resend(self.ledger):
            name = incomplete.key.decode(errors="replace")
            if not verified(incomplete.body, policy.statistics, self.ledger):
                log.error("interrupted publication %s does not match its counts; not sent", name)
                continue
            log.warning("publication %s was interrupted; sending it again", name)
            sent.append(await self._send(incomplete.body, policy))
        now = dt.datetime.now(dt.UTC)
        # Disclosure control solves linear programs: off the event loop, so heartbeats go on.
        bodies = await asyncio.get_running_loop().run_in_executor(
            None, lambda: due(policy.statistics, self.facts, self.ledger, grace, now, period)
        )
        for body in bodies:
            sent.append(await self._send(body, policy))
        return sent

    async def _send(self, body: dict[str, Any], policy: Policy) -> dict[str, Any]:
        out = outputs(body, policy.store)
        producer = self._require(self._producer)
        await self._deliver(producer, [out.intent])
        await self._deliver(producer, out.records)
        await self._deliver(producer, [out.done])
        self.ledger.learn(out.done.value)
        log.info(
            "published %s (%s%s): %d cells to %s",
            body["publicatie_id"],
            body["status"],
            f", replaces version {body['vervangt']}" if body["vervangt"] else "",
            len(body["cellen"]),
            ", ".join(body["ontvangers"]),
        )
        return out.body

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


def publish_period(
    settings: Settings, bootstrap: str, policy: Policy, period: str | None
) -> list[dict[str, Any]]:
    """Publish ``period`` of every statistics rule with periods of its kind (None: every closed
    period with something new, as the workers do). Returns the publications sent."""
    return asyncio.run(_publish(settings, bootstrap, policy, [period]))


def demo_figures(settings: Settings, bootstrap: str, policy: Policy) -> list[dict[str, Any]]:
    """Publish every counted period now (the demo's periods are still open: provisional
    figures), and return what the recipients' inboxes then hold: the Statistiek records."""
    facts = asyncio.run(_read_facts(settings, bootstrap))
    periods = sorted({p for rule in policy.statistics for p in facts.periods(rule.key)})
    if periods:
        asyncio.run(_publish(settings, bootstrap, policy, periods))
    recipients = sorted({r for rule in policy.statistics for r in rule.recipients})
    return [
        view.datum
        for recipient in recipients
        for view in read_inbox(settings, bootstrap, recipient)
        if view.schema_name == STATISTIEK_SCHEMA
    ]


async def _read_facts(settings: Settings, bootstrap: str) -> FactState:
    publisher = StatisticsPublisher(
        aiokafka_config(settings, bootstrap), settings.request_timeout_s
    )
    await publisher.start()
    await publisher.stop()
    return publisher.facts


async def _publish(
    settings: Settings, bootstrap: str, policy: Policy, periods: Sequence[str | None]
) -> list[dict[str, Any]]:
    publish_schemas(settings, bootstrap, [policy.store.current(STATISTIEK_SCHEMA)])
    publisher = StatisticsPublisher(
        aiokafka_config(settings, bootstrap), settings.request_timeout_s
    )
    grace = dt.timedelta(days=settings.statistics_grace_days)
    await publisher.start()
    try:
        sent = []
        for period in periods:
            sent += await publisher.publish_due(policy, grace, period)
        return sent
    finally:
        await publisher.stop()


def is_publisher(assignment: Callable[[], Any], topic: str) -> bool:
    """True if this worker holds partition 0 of ``topic`` (one member of the group does)."""
    try:
        return any(tp.topic == topic and tp.partition == 0 for tp in assignment())
    except Exception:  # mid-rebalance: not now
        return False


def install(
    app: Any, settings: Settings, client: dict[str, Any], policy: Callable[[], Policy]
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
                if not current.statistics or not is_publisher(
                    app.consumer.assignment, publisher_topic(current)
                ):
                    continue
                try:
                    if publisher is None:
                        publisher = StatisticsPublisher(client, settings.request_timeout_s)
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
