"""A worker follows the covenant control topic and says what it runs on the status topic.

Every worker reads the control topic itself (no consumer group: all see every bundle), going on
from where ``start_policy`` stopped reading, so bundles superseded before it started are not
looked at again. After every bundle it adopts or refuses, at a fixed interval, and when it
stops, it writes its status (``covenant.status``); after an adoption also a copy of the signed
bundle. Reporting must never stop routing: a failed write is logged and tried again later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections import deque
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pipeline import topics
from pipeline.publication.adoption import Adoption, PolicyHolder
from pipeline.publication.signing import signed_digest
from pipeline.publication.status import (
    EVENTS_KEPT,
    ActiveBundle,
    Event,
    WorkerStatus,
    copy_key,
    event,
    status_key,
)
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.covenants")
#: How long a lost connection to the control topic waits before it is tried again.
RETRY_S = 5.0


def worker_name(settings: Settings) -> str:
    """How this worker names itself: the setting, or host and process id."""
    return settings.worker_name or f"{socket.gethostname()}-{os.getpid()}"


class StatusReporter:
    """Builds this worker's status records from its policy holder and its latest events."""

    def __init__(self, worker: str, holder: PolicyHolder, interval_s: float) -> None:
        self.worker = worker
        self.holder = holder
        self.interval_s = interval_s
        self.events: deque[Event] = deque(maxlen=EVENTS_KEPT)

    def note(self, adoption: Adoption, at: dt.datetime) -> None:
        """Remember an adoption or refusal for the next status records."""
        if adoption.outcome != "unchanged":
            self.events.append(
                event(
                    adoption.outcome,
                    adoption.version,
                    adoption.digest,
                    adoption.reason,
                    at,
                    adoption.verified,
                    adoption.signed,
                )
            )

    def status(self, state: Literal["running", "stopped"], at: dt.datetime) -> WorkerStatus:
        """The status record as of now."""
        holder = self.holder
        return WorkerStatus(
            worker=self.worker,
            state=state,
            at=at,
            interval_s=self.interval_s,
            active=ActiveBundle(
                version=holder.version,
                digest=holder.digest,
                policy=holder.policy.version,
                signed=signed_digest(holder.signed) if holder.signed is not None else None,
            ),
            events=tuple(self.events),
        )


async def follow_covenants(
    client: dict[str, Any], holder: PolicyHolder, settings: Settings
) -> None:
    """Follow the control topic for ever; reconnects after a broker error."""
    reporter = StatusReporter(worker_name(settings), holder, settings.covenant_status_interval_s)
    now = dt.datetime.now(dt.UTC)
    for refusal in holder.start_refusals:
        reporter.note(refusal, now)
    while True:
        try:
            await _follow(client, holder, reporter)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("lost the covenant control topic; trying again in %.0f s", RETRY_S)
            await asyncio.sleep(RETRY_S)


async def _follow(client: dict[str, Any], holder: PolicyHolder, reporter: StatusReporter) -> None:
    consumer = AIOKafkaConsumer(**client, group_id=None, enable_auto_commit=False)
    producer = AIOKafkaProducer(**client, acks="all")
    partition = TopicPartition(topics.COVENANTS, 0)
    await consumer.start()
    await producer.start()
    loop = asyncio.get_running_loop()
    try:
        consumer.assign([partition])
        consumer.seek(partition, holder.next_offset)
        await _copy(producer, holder)
        await _report(producer, reporter, "running")
        next_beat = loop.time() + reporter.interval_s
        while True:
            batches = await consumer.getmany(partition, timeout_ms=1000)
            changed = False
            for record in batches.get(partition, []):
                holder.next_offset = record.offset + 1
                if record.value is None:
                    log.warning("deletion (tombstone) on the covenant control topic ignored")
                    continue
                adoption = holder.apply(record.value)
                reporter.note(adoption, dt.datetime.now(dt.UTC))
                changed = changed or adoption.outcome != "unchanged"
                if adoption.outcome == "adopted":
                    await _copy(producer, holder)
            if changed or loop.time() >= next_beat:
                await _report(producer, reporter, "running")
                next_beat = loop.time() + reporter.interval_s
    finally:
        try:  # say goodbye, so that publish does not wait for a worker that is gone
            await asyncio.wait_for(_report(producer, reporter, "stopped"), 5)
        except BaseException:
            log.warning("could not report this worker as stopped")
        await producer.stop()
        await consumer.stop()


async def _report(
    producer: AIOKafkaProducer, reporter: StatusReporter, state: Literal["running", "stopped"]
) -> None:
    status = reporter.status(state, dt.datetime.now(dt.UTC))
    await _send(producer, status_key(status.worker), status.to_bytes())


async def _copy(producer: AIOKafkaProducer, holder: PolicyHolder) -> None:
    """The signed bundle in force, where a starting worker finds it if the control topic lost it."""
    if holder.signed is not None:
        await _send(producer, copy_key(holder.version), holder.signed)


async def _send(producer: AIOKafkaProducer, key: bytes, value: bytes) -> None:
    try:
        await producer.send_and_wait(topics.COVENANT_STATUS, value, key=key)
    except asyncio.CancelledError:
        raise
    except Exception:  # reporting never stops routing; the next interval tries again
        log.exception("covenant status not written")
