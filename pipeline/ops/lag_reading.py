"""Read consumer groups from Kafka as lag samples (ListGroups, DescribeGroups, OffsetFetch, ListOffsets).

Needs only Describe rights on groups and topics: no record is read, so an operator can watch
lag without being able to see a single signal. Committed and end offsets come through
kafka-python's admin client, membership through aiokafka's: each is the one whose request
versions every broker we meet answers (kafka-python cannot parse some brokers' DescribeGroups;
aiokafka's OffsetFetch for "all partitions" is refused by some).

ListOffsets(latest) is what Kafka defines as the end offset; one test broker under-reports it
while producers batch (docs/embedded-broker.md), so lag read there may be briefly too low, never too high.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Iterator, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError as AIOKafkaError
from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError

from pipeline.broker.connection import aiokafka_config, client_config
from pipeline.errors import BrokerError
from pipeline.ops.lag import GroupReport, GroupSample, Offsets, evaluate_group
from pipeline.settings import Settings


class LagReader:
    """A connection that samples consumer groups; use as ``async with LagReader(...) as r``."""

    def __init__(self, settings: Settings, bootstrap: str) -> None:
        self._admin = AIOKafkaAdminClient(**aiokafka_config(settings, bootstrap))
        self._config = client_config(settings, bootstrap)
        self._offsets: KafkaAdminClient | None = None
        self._bootstrap = bootstrap

    async def __aenter__(self) -> LagReader:
        try:
            with _broker_errors(f"cannot reach Kafka at {self._bootstrap}"):
                await self._admin.start()
                self._offsets = await asyncio.to_thread(KafkaAdminClient, **self._config)
        except BrokerError:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._offsets is not None:
            self._offsets.close()
        await self._admin.close()

    async def groups(self) -> list[str]:
        """Every consumer group the cluster knows."""
        with _broker_errors(f"listing consumer groups at {self._bootstrap}"):
            listed = await self._admin.list_consumer_groups()
        return sorted(str(g[0]) for g in listed if g[1] in ("consumer", ""))

    async def sample(self, groups: Sequence[str]) -> list[GroupSample]:
        """One reading of each group (a group with no committed offsets has no partitions)."""
        if not groups:
            return []
        at = time.time()
        with _broker_errors(f"reading consumer groups from {self._bootstrap}"):
            members = {group: await self._members(group) for group in groups}
            committed, ends, starts = await asyncio.to_thread(self._offsets_of, groups)
        partitions = sorted(ends)
        samples = []
        for group in groups:
            topics = {tp.topic for tp in committed[group]}
            offsets = {
                (tp.topic, tp.partition): Offsets(
                    committed[group][tp].offset if tp in committed[group] else None,
                    ends[tp],
                    starts[tp],
                )
                for tp in partitions
                if tp.topic in topics
            }
            samples.append(GroupSample(at, group, members[group], offsets))
        return samples

    async def _members(self, group: str) -> int:
        """How many consumers are in the group now (one group per request: every broker
        answers that)."""
        (response,) = await self._admin.describe_consumer_groups([group])
        return sum(len(g[5]) for g in response.groups if g[0] == 0)

    def _offsets_of(self, groups: Sequence[str]) -> tuple[dict[str, Any], Ends, Ends]:
        """Committed offsets per group, and the end and start offset of every partition of
        every topic a group has committed in (a partition it never committed in has lag too)."""
        admin = self._offsets
        assert admin is not None
        committed = {g: admin.list_group_offsets({g: None})[g] for g in groups}
        topics = sorted({tp.topic for c in committed.values() for tp in c})
        partitions = (
            [
                TopicPartition(t["name"], p["partition_index"])
                for t in admin.describe_topics(topics)
                for p in t["partitions"]
            ]
            if topics
            else []
        )
        if not partitions:
            return committed, {}, {}
        ends = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
        starts = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in partitions})
        return committed, _offsets(ends), _offsets(starts)


Ends = dict[TopicPartition, int]


@contextlib.contextmanager
def _broker_errors(what: str) -> Iterator[None]:
    """Either client library's Kafka error becomes a BrokerError saying ``what`` failed."""
    try:
        yield
    except (KafkaError, AIOKafkaError) as exc:
        raise BrokerError(f"{what}: {exc}") from exc


def _offsets(listed: dict[TopicPartition, Any]) -> Ends:
    return {tp: int(getattr(o, "offset", o)) for tp, o in listed.items()}


async def watch_lag(
    settings: Settings,
    bootstrap: str,
    groups: Sequence[str] | None,
    interval: float,
) -> AsyncGenerator[list[GroupSample], None]:
    """Sample every ``interval`` seconds, forever; yields each reading (a sample per group)."""
    async with LagReader(settings, bootstrap) as reader:
        while True:
            chosen = list(groups) if groups else await reader.groups()
            yield await reader.sample(chosen)
            await asyncio.sleep(interval)


async def wait_for_lag(
    settings: Settings, bootstrap: str, group: str, timeout: float
) -> GroupReport:
    """One group's report as soon as its lag is zero (every record routed and committed), or
    the last one read when ``timeout`` seconds have passed."""
    async with LagReader(settings, bootstrap) as reader:
        deadline = time.monotonic() + timeout
        while True:
            (sample,) = await reader.sample([group])
            report = evaluate_group([sample])
            if report.total_lag == 0 or time.monotonic() > deadline:
                return report
            await asyncio.sleep(0.5)
