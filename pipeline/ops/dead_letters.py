"""Dead letters as an operator handles them: list, show, and replay after a fix. Pure: no I/O.

What anyone who reads the dead-letter topic sees is the router's own headers: reason, detail,
origin, policy and size. The record as it arrived is sealed to the privacy role's dead-letter
key (``router.dead_letter``): showing its content, its key or its headers, and replaying it,
need that key (``DeadLetterKeys``).

A replay puts the original record back on the inbound topic it came from (same key, value,
partition and headers, plus one header naming the dead letter), so the router routes it as if
it arrived anew. A replay ledger (a compacted topic) remembers every dead letter replayed, so a
second replay of the same one needs an explicit ``--nogmaals``; and should a replay be repeated
anyway, the router's event-id check turns the second copy of a routed signal into a
``duplicate_event_id`` dead letter instead of a second delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline import topics
from pipeline.errors import KetenstroomError
from pipeline.privacy.dead_letter_key import SCHEME, DeadLetterKeys
from pipeline.router.dead_letter import (
    CONTENT_HEADER,
    DETAIL_HEADER,
    NOT_KEPT,
    ORIGIN_OFFSET_HEADER,
    ORIGIN_PARTITION_HEADER,
    ORIGIN_TOPIC_HEADER,
    OWN_HEADERS,
    POLICY_HEADER,
    REASON_HEADER,
    SIZE_HEADER,
    TRUNCATED_HEADER,
    Content,
    header,
    sealing_info,
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
    def size(self) -> int:
        """Size in bytes of the value as it arrived."""
        if self.sealing is None:  # written before sealing: the value is the record's
            return len(self.value)
        return _number(header(self.headers, SIZE_HEADER)) or 0

    @property
    def sealing(self) -> str | None:
        """How the content is kept: ``<scheme>;k<version>``, ``none``, or None for a dead letter
        written before contents were sealed (its content is in the clear)."""
        return header(self.headers, CONTENT_HEADER)

    @property
    def truncated(self) -> list[str]:
        """Which parts the router cut to its limits (value, key, headers)."""
        cut = header(self.headers, TRUNCATED_HEADER)
        return cut.split(",") if cut else []

    @property
    def at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp_ms / 1000, dt.UTC)

    def open(self, keys: DeadLetterKeys | None) -> Content:
        """The record as it arrived (within the router's limits); needs the dead-letter key.

        KetenstroomError when the content cannot be opened: no key, a wrong key, no content
        kept, or a changed dead letter.
        """
        sealing = self.sealing
        if sealing is None:  # written before sealing: the original bytes in the clear
            return _legacy_content(self)
        if sealing == NOT_KEPT:
            raise KetenstroomError(
                f"dead letter {self.position} kept no content (no dead-letter key was configured)"
            )
        scheme, _, version = sealing.partition(";k")
        if scheme != SCHEME or not version.isdigit():
            raise KetenstroomError(f"dead letter {self.position}: unknown sealing {sealing!r}")
        if keys is None:
            raise KetenstroomError(
                f"the content of dead letter {self.position} opens only with the dead-letter key "
                "of the privacy role (KETENSTROOM_DEAD_LETTER_KEY)"
            )
        plain = keys.open(self.value, int(version), sealing_info(self.origin, int(version)))
        try:
            return Content.from_bytes(plain)
        except (ValueError, KeyError, TypeError) as exc:
            raise KetenstroomError(f"dead letter {self.position}: content is malformed") from exc

    def label(self, keys: DeadLetterKeys | None = None) -> str:
        """The record key as text if it can be opened, else the origin (the ledger's key)."""
        if keys is not None or self.sealing is None:
            try:
                key = self.open(keys).key
            except KetenstroomError:
                key = None
            if key:
                return key.decode(errors="replace")
        return self.origin


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
    keys: DeadLetterKeys | None,
    again: bool = False,
) -> ReplayPlan:
    """Which of ``letters`` to put back, as what. ``replayed``: the replay ledger by position.

    Only to a partner's inbound topic the registry knows (a replay never writes anywhere else),
    never a dead letter replayed before unless ``again``, and only a record kept whole (a cut
    one is not the record that arrived).
    """
    allowed = set(inbound_topics)
    replay, skipped = [], []
    for letter in letters:
        if letter.position in replayed and not again:
            earlier = replayed[letter.position]
            skipped.append(
                (letter, f"replayed before at {earlier.get('at', '?')} (use --nogmaals)")
            )
            continue
        if letter.origin_topic not in allowed:
            skipped.append(
                (letter, f"origin {letter.origin_topic!r} is not a partner's inbound topic")
            )
            continue
        try:
            content = letter.open(keys)
        except KetenstroomError as exc:
            skipped.append((letter, str(exc)))
            continue
        if not content.complete:
            cut = ", ".join(content.truncated)
            skipped.append((letter, f"not kept whole ({cut} cut to the limits): cannot replay"))
            continue
        if not all(_is_utf8(name) for name, _ in content.headers):
            skipped.append((letter, "a header name is not UTF-8: the replay client cannot send it"))
            continue
        replay.append((letter, replay_record(letter, content)))
    return ReplayPlan(tuple(replay), tuple(skipped))


def replay_record(letter: DeadLetter, content: Content) -> Replay:
    """The original record again, to its original partition, naming the dead letter."""
    assert letter.origin_topic is not None
    source = f"{topics.DEAD_LETTER}/{letter.partition}/{letter.offset}"
    return Replay(
        topic=letter.origin_topic,
        partition=letter.origin_partition,
        key=content.key,
        value=content.value,
        headers=(*content.headers, (REPLAYED_FROM_HEADER, source.encode())),
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


def _legacy_content(letter: DeadLetter) -> Content:
    # the router then used the origin as key for a record that had none
    key = None if letter.key == letter.origin.encode() else letter.key
    return Content(
        key=key,
        key_size=len(key or b""),
        value=letter.value,
        value_size=len(letter.value),
        value_sha256=hashlib.sha256(letter.value).hexdigest(),
        headers=tuple((k, v) for k, v in letter.headers if k not in OWN_HEADERS),
    )


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(text: str | None) -> int | None:
    return int(text) if text is not None and text.lstrip("-").isdigit() else None


def _text(number: int | None) -> str:
    return "?" if number is None else str(number)
