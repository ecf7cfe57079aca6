"""Dead letters as an operator handles them: list, show, and replay after a fix. Pure: no I/O.

A replay puts the original record back on the inbound topic it came from (same key, value,
partition and headers, plus one header naming the dead letter), so the router routes it as if
it arrived anew. A replay ledger (a compacted topic) remembers every dead letter replayed, so a
second replay of the same one needs an explicit ``--nogmaals``; and should a replay be repeated
anyway, the router's event-id check turns the second copy of a routed signal into a
``duplicate_event_id`` dead letter instead of a second delivery.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline import topics
from pipeline.router.dead_letter import (
    DETAIL_HEADER,
    ORIGIN_OFFSET_HEADER,
    ORIGIN_PARTITION_HEADER,
    ORIGIN_TOPIC_HEADER,
    OWN_HEADERS,
    POLICY_HEADER,
    REASON_HEADER,
    header,
)
from pipeline.router.records import Headers

#: Header on a replayed record: which dead letter it is a replay of ("topic/partition/offset").
REPLAYED_FROM_HEADER = "ketenstroom-replayed-from"


@dataclass(frozen=True)
class DeadLetter:
    """One record of the dead-letter topic, with where it is and where it came from."""

    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes
    headers: Headers

    @classmethod
    def from_record(cls, record: Any) -> DeadLetter:
        """From a consumed Kafka record (kafka-python's ConsumerRecord)."""
        return cls(
            partition=record.partition,
            offset=record.offset,
            timestamp_ms=record.timestamp,
            key=record.key,
            value=record.value or b"",
            headers=tuple((str(k), bytes(v or b"")) for k, v in (record.headers or ())),
        )

    @property
    def position(self) -> str:
        """Where this dead letter is on its topic: ``partition:offset``."""
        return f"{self.partition}:{self.offset}"

    @property
    def reason(self) -> str:
        return header(self.headers, REASON_HEADER) or "?"

    @property
    def detail(self) -> str:
        return header(self.headers, DETAIL_HEADER) or ""

    @property
    def policy(self) -> str:
        return header(self.headers, POLICY_HEADER) or "?"

    @property
    def origin_topic(self) -> str | None:
        return header(self.headers, ORIGIN_TOPIC_HEADER)

    @property
    def origin_partition(self) -> int | None:
        return _number(header(self.headers, ORIGIN_PARTITION_HEADER))

    @property
    def origin_offset(self) -> int | None:
        return _number(header(self.headers, ORIGIN_OFFSET_HEADER))

    @property
    def origin(self) -> str:
        """``topic/partition/offset`` of the record that became this dead letter."""
        return (
            f"{self.origin_topic or '?'}/{_text(self.origin_partition)}/{_text(self.origin_offset)}"
        )

    @property
    def label(self) -> str:
        """The record key as text, or its origin for a record that had none (the ledger's key)."""
        return self.key.decode(errors="replace") if self.key else self.origin

    @property
    def at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp_ms / 1000, dt.UTC)

    @property
    def original_headers(self) -> Headers:
        """The headers the record arrived with (the router's own are dropped)."""
        return tuple((k, v) for k, v in self.headers if k not in OWN_HEADERS)

    @property
    def original_key(self) -> bytes | None:
        """The key the record arrived with: a key-less record got its origin as dead-letter key."""
        return None if self.key == self.origin.encode() else self.key


def select(
    letters: Iterable[DeadLetter],
    positions: Sequence[str] = (),
    reason: str | None = None,
    source: str | None = None,
) -> list[DeadLetter]:
    """The dead letters at ``positions`` (``partition:offset``), or all with this reason and/or
    from this source partner. Unknown positions are an error: nothing is guessed."""
    chosen = list(letters)
    if positions:
        by_position = {d.position: d for d in chosen}
        unknown = [p for p in positions if p not in by_position]
        if unknown:
            raise LookupError(f"no dead letter at {', '.join(unknown)} on {topics.DEAD_LETTER}")
        chosen = [by_position[p] for p in dict.fromkeys(positions)]
    if reason is not None:
        chosen = [d for d in chosen if d.reason == reason]
    if source is not None:
        chosen = [d for d in chosen if d.origin_topic == topics.inbound(source)]
    return chosen


@dataclass(frozen=True)
class Replay:
    """A dead letter's original record, to be sent again to where it first arrived."""

    topic: str
    partition: int | None
    key: bytes | None
    value: bytes
    headers: Headers


@dataclass(frozen=True)
class ReplayPlan:
    """What a replay will do: records to send, and dead letters it leaves alone (and why)."""

    replay: tuple[tuple[DeadLetter, Replay], ...]
    skipped: tuple[tuple[DeadLetter, str], ...]


def plan_replay(
    letters: Sequence[DeadLetter],
    replayed: dict[str, dict[str, Any]],
    inbound_topics: Iterable[str],
    again: bool = False,
) -> ReplayPlan:
    """Which of ``letters`` to put back, as what. ``replayed``: the replay ledger by position.

    Only to a partner's inbound topic the registry knows (a replay never writes anywhere else),
    and never a dead letter replayed before unless ``again``.
    """
    allowed = set(inbound_topics)
    replay, skipped = [], []
    for letter in letters:
        if letter.position in replayed and not again:
            earlier = replayed[letter.position]
            skipped.append(
                (letter, f"replayed before at {earlier.get('at', '?')} (use --nogmaals)")
            )
        elif letter.origin_topic not in allowed:
            skipped.append(
                (letter, f"origin {letter.origin_topic!r} is not a partner's inbound topic")
            )
        else:
            replay.append((letter, replay_record(letter)))
    return ReplayPlan(tuple(replay), tuple(skipped))


def replay_record(letter: DeadLetter) -> Replay:
    """The original record again, to its original partition, naming the dead letter."""
    assert letter.origin_topic is not None
    source = f"{topics.DEAD_LETTER}/{letter.partition}/{letter.offset}"
    return Replay(
        topic=letter.origin_topic,
        partition=letter.origin_partition,
        key=letter.original_key,
        value=letter.value,
        headers=(*letter.original_headers, (REPLAYED_FROM_HEADER, source.encode())),
    )


def ledger_entry(
    letter: DeadLetter, topic: str, partition: int, offset: int, at: dt.datetime
) -> bytes:
    """The replay ledger's value for ``letter``: when, and where the replayed record went."""
    return json.dumps(
        {
            "at": at.isoformat(timespec="seconds"),
            "dead_letter": letter.position,
            "reason": letter.reason,
            "to": {"topic": topic, "partition": partition, "offset": offset},
        },
        sort_keys=True,
    ).encode()


def _number(text: str | None) -> int | None:
    return int(text) if text is not None and text.lstrip("-").isdigit() else None


def _text(number: int | None) -> str:
    return "?" if number is None else str(number)
