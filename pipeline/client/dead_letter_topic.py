"""Read the dead-letter topic and its replay ledger; replay dead letters to their origin topics."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.errors import BrokerError
from pipeline.ops.dead_letters import DeadLetter, ReplayPlan, ledger_entry
from pipeline.settings import Settings


def read_dead_letters(settings: Settings, bootstrap: str) -> list[DeadLetter]:
    """Every dead letter on the topic now, in partition and offset order."""
    return [DeadLetter.from_record(r) for r in read_to_end(settings, bootstrap, topics.DEAD_LETTER)]


def read_replays(settings: Settings, bootstrap: str) -> dict[str, dict[str, Any]]:
    """The replay ledger: for each dead letter replayed (by position), when and to where."""
    ledger: dict[str, dict[str, Any]] = {}
    for record in read_to_end(settings, bootstrap, topics.DLQ_REPLAYS):
        if record.key and record.value:
            ledger[record.key.decode()] = json.loads(record.value)
    return ledger


def replay(settings: Settings, bootstrap: str, plan: ReplayPlan) -> list[tuple[DeadLetter, str]]:
    """Send each planned record, wait for Kafka's acknowledgement, then note it in the ledger.

    In that order: a crash in between leaves a replay the ledger does not know (the router's
    duplicate check stops a second delivery), never a ledger entry for a record not sent.
    Returns each dead letter with ``topic/partition/offset`` of its replay.
    """
    done: list[tuple[DeadLetter, str]] = []
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    timeout = settings.request_timeout_s
    try:
        for letter, record in plan.replay:
            sent = producer.send(
                record.topic,
                key=record.key,
                value=record.value,
                partition=record.partition,
                headers=list(record.headers),
            ).get(timeout=timeout)
            entry = ledger_entry(
                letter, sent.topic, sent.partition, sent.offset, dt.datetime.now(dt.UTC)
            )
            producer.send(topics.DLQ_REPLAYS, key=letter.position.encode(), value=entry).get(
                timeout=timeout
            )
            done.append((letter, f"{sent.topic}/{sent.partition}/{sent.offset}"))
    except KafkaError as exc:
        raise BrokerError(
            f"replay stopped after {len(done)} of {len(plan.replay)}: {exc}; "
            "the ones done are in the replay ledger, run the same command again for the rest"
        ) from exc
    finally:
        producer.close()
    return done
