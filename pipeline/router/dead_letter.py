"""Dead letters: a machine-readable reason in the clear, the record as it arrived sealed.

Anyone who may read ``ketenstroom.dlq`` (the operator, any Kafka client) sees why, from where
and how large: the router's own headers. What the partner sent (its key, value and headers) is
sealed to the privacy role's dead-letter key (``privacy.dead_letter_key``), so only that key
shows or replays it. The dead letter's Kafka key is its origin, never the partner's key.

Writing a dead letter never fails on size: a value up to ``MAX_VALUE_KEPT`` is kept whole;
beyond it, a prefix and the SHA-256 of the whole, and the dead letter says so. Keys and headers
are bounded the same way. The largest dead letter stays far below Kafka's 1,000,000 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline import topics
from pipeline.privacy.dead_letter_key import SCHEME, DeadLetterPublicKey
from pipeline.router.records import Headers, Inbound, Outbound

REASON_HEADER = "ketenstroom-reason"
DETAIL_HEADER = "ketenstroom-detail"
ORIGIN_TOPIC_HEADER = "ketenstroom-origin-topic"
ORIGIN_PARTITION_HEADER = "ketenstroom-origin-partition"
ORIGIN_OFFSET_HEADER = "ketenstroom-origin-offset"
POLICY_HEADER = "ketenstroom-policy"
#: On an unreadable_batch dead letter: the last of the offsets it stands for (the first is
#: ORIGIN_OFFSET_HEADER).
ORIGIN_LAST_OFFSET_HEADER = "ketenstroom-origin-last-offset"
#: ``<scheme>;k<key version>`` when the content is sealed, ``none`` when none was kept.
CONTENT_HEADER = "ketenstroom-content"
#: Size in bytes of the value as it arrived.
SIZE_HEADER = "ketenstroom-size"
#: Which parts were cut to the limits (``value``, ``key``, ``headers``); absent when none.
TRUNCATED_HEADER = "ketenstroom-truncated"
OWN_HEADERS = frozenset(
    {
        REASON_HEADER,
        DETAIL_HEADER,
        ORIGIN_TOPIC_HEADER,
        ORIGIN_PARTITION_HEADER,
        ORIGIN_OFFSET_HEADER,
        POLICY_HEADER,
        ORIGIN_LAST_OFFSET_HEADER,
        CONTENT_HEADER,
        SIZE_HEADER,
        TRUNCATED_HEADER,
    }
)
NOT_KEPT = "none"

#: A value up to this size is kept whole (a signal is a few hundred bytes to a few KiB).
MAX_VALUE_KEPT = 256 * 1024
#: Of a larger value, this many leading bytes are kept, with the SHA-256 of the whole.
VALUE_PREFIX_KEPT = 4 * 1024
MAX_KEY_KEPT = 4 * 1024
KEY_PREFIX_KEPT = 256
MAX_HEADERS_KEPT = 64
#: Names and values of the kept headers together; a header beyond it is dropped and counted.
MAX_HEADER_BYTES_KEPT = 32 * 1024
#: Router-made texts (detail, policy version) are cut to this many characters.
MAX_TEXT = 1024


class Reason(StrEnum):
    """Why a record became a dead letter. Stable strings: scripts and dashboards key on them."""

    UNKNOWN_SOURCE_TOPIC = "unknown_source_topic"
    EMPTY_VALUE = "empty_value"
    RECORD_TOO_LARGE = "record_too_large"
    NOT_SINGLE_OBJECT = "not_single_object"
    UNKNOWN_FINGERPRINT = "unknown_fingerprint"
    UNDECODABLE_BODY = "undecodable_body"
    NOT_A_SIGNAL = "not_a_signal"
    INVALID_RECORD = "invalid_record"
    SOURCE_MISMATCH = "source_mismatch"
    DUPLICATE_EVENT_ID = "duplicate_event_id"
    ENCODE_FAILED = "encode_failed"
    INTERNAL_ERROR = "internal_error"
    HEADERS_TOO_LARGE = "headers_too_large"
    UNREADABLE_BATCH = "unreadable_batch"
    TOO_MANY_SUBJECTS = "too_many_subjects"
    TOO_MANY_PLACES = "too_many_places"
    REFERENCES_ACROSS_COVENANTS = "references_across_covenants"


@dataclass(frozen=True)
class Content:
    """The record as it arrived, within the limits: what a dead letter seals."""

    key: bytes | None
    value: bytes  # whole, or its first VALUE_PREFIX_KEPT bytes when value_truncated
    headers: Headers
    value_size: int
    value_sha256: str
    value_truncated: bool = False
    key_size: int = 0
    key_truncated: bool = False
    headers_dropped: int = 0

    @property
    def complete(self) -> bool:
        """True when key, value and headers are all kept whole (only then can it be replayed)."""
        return not (self.value_truncated or self.key_truncated or self.headers_dropped)

    @property
    def truncated(self) -> list[str]:
        """The parts cut to the limits."""
        cut = [("value", self.value_truncated), ("key", self.key_truncated)]
        return [name for name, flag in cut if flag] + (["headers"] if self.headers_dropped else [])

    def to_bytes(self) -> bytes:
        """The plaintext that is sealed."""
        return json.dumps(
            {
                "format": 1,
                "key": None if self.key is None else _b64(self.key),
                "key_size": self.key_size,
                "key_truncated": self.key_truncated,
                "value": _b64(self.value),
                "value_size": self.value_size,
                "value_sha256": self.value_sha256,
                "value_truncated": self.value_truncated,
                "headers": [[_b64(_name_bytes(k)), _b64(v)] for k, v in self.headers],
                "headers_dropped": self.headers_dropped,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Content:
        """Inverse of ``to_bytes``."""
        body: dict[str, Any] = json.loads(raw)
        if body.get("format") != 1:
            raise ValueError("not a format-1 dead-letter content")
        key = body["key"]
        return cls(
            key=None if key is None else _unb64(key),
            key_size=int(body["key_size"]),
            key_truncated=bool(body["key_truncated"]),
            value=_unb64(body["value"]),
            value_size=int(body["value_size"]),
            value_sha256=str(body["value_sha256"]),
            value_truncated=bool(body["value_truncated"]),
            headers=tuple(
                (_unb64(k).decode("utf-8", "surrogateescape"), _unb64(v))
                for k, v in body["headers"]
            ),
            headers_dropped=int(body["headers_dropped"]),
        )


def keep(record: Inbound) -> Content:
    """What of ``record`` a dead letter keeps: everything up to the limits, then a prefix."""
    value = record.value or b""
    value_truncated = len(value) > MAX_VALUE_KEPT
    key = record.key
    key_truncated = key is not None and len(key) > MAX_KEY_KEPT
    kept: list[tuple[str, bytes]] = []
    budget = MAX_HEADER_BYTES_KEPT
    for name, data in record.headers:
        if name in OWN_HEADERS:
            continue  # a partner cannot pass off a header as the router's
        size = len(_name_bytes(name)) + len(data)
        if len(kept) < MAX_HEADERS_KEPT and size <= budget:
            kept.append((name, data))
            budget -= size
    dropped = sum(1 for name, _ in record.headers if name not in OWN_HEADERS) - len(kept)
    return Content(
        key=key[:KEY_PREFIX_KEPT] if key is not None and key_truncated else key,
        key_size=0 if key is None else len(key),
        key_truncated=key_truncated,
        value=value[:VALUE_PREFIX_KEPT] if value_truncated else value,
        value_size=len(value),
        value_sha256=hashlib.sha256(value).hexdigest(),
        value_truncated=value_truncated,
        headers=tuple(kept),
        headers_dropped=dropped,
    )


def origin_of(record: Inbound) -> str:
    """``topic/partition/offset``: where the record was; also the dead letter's Kafka key."""
    return f"{record.topic}/{record.partition}/{record.offset}"


def sealing_info(origin: str, key_version: int) -> bytes:
    """HPKE ``info``: binds sealed content to its origin, so it cannot be moved to another one."""
    return f"ketenstroom/dode-letter/v1\x00{origin}\x00k{key_version}".encode()


def dead_letter(
    record: Inbound,
    reason: str,
    detail: str,
    policy_version: str,
    key: DeadLetterPublicKey | None = None,
) -> Outbound:
    """The dead letter for ``record``; ``detail`` must hold no record content.

    With ``key``, the record as it arrived is sealed to it; without, nothing of it is kept
    (never in the clear). A worker does not start without a key.
    """
    origin = origin_of(record)
    try:
        content = keep(record)
        sealed = (
            None if key is None else key.seal(content.to_bytes(), sealing_info(origin, key.versie))
        )
    except Exception:  # a dead letter must be written whatever the record holds
        content = Content(None, b"", (), len(record.value or b""), "", headers_dropped=0)
        sealed, key = None, None
        detail = f"{detail} (content not kept: it could not be sealed)"
    headers: list[tuple[str, bytes]] = [
        (REASON_HEADER, reason.encode()),
        (DETAIL_HEADER, _bounded(detail)),
        (ORIGIN_TOPIC_HEADER, record.topic.encode()),
        (ORIGIN_PARTITION_HEADER, str(record.partition).encode()),
        (ORIGIN_OFFSET_HEADER, str(record.offset).encode()),
        (POLICY_HEADER, _bounded(policy_version)),
        (SIZE_HEADER, str(content.value_size).encode()),
    ]
    if content.truncated:
        headers.append((TRUNCATED_HEADER, ",".join(content.truncated).encode()))
    if key is None or sealed is None:
        headers.append((CONTENT_HEADER, NOT_KEPT.encode()))
    else:
        headers.append((CONTENT_HEADER, f"{SCHEME};k{key.versie}".encode()))
    return Outbound(
        topic=topics.DEAD_LETTER, key=origin.encode(), value=sealed or b"", headers=tuple(headers)
    )


def unreadable_dead_letter(
    topic: str, partition: int, first: int, last: int, error: str, policy_version: str
) -> Outbound:
    """The dead letter for offsets ``first``..``last`` that the Kafka client could not parse.

    Nothing of them was read, so it holds no record content: where, which offsets, and the
    parser's error class (``error``; never its message, which may quote record bytes).
    """
    detail = (
        f"offsets {first}-{last} of {topic}/{partition} could not be parsed by the Kafka client "
        f"({error}); nothing of them was read"
    )
    unread = Inbound(topic, partition, first, None, None)
    letter = dead_letter(unread, Reason.UNREADABLE_BATCH, detail, policy_version)
    return letter._replace(
        headers=(*letter.headers, (ORIGIN_LAST_OFFSET_HEADER, str(last).encode()))
    )


def header(headers: tuple[tuple[str, bytes], ...], name: str) -> str | None:
    """The last value of a header as text, or None."""
    found = [v for k, v in headers if k == name]
    return found[-1].decode(errors="replace") if found else None


def _bounded(text: str) -> bytes:
    return (text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…").encode()


def _name_bytes(name: str) -> bytes:
    # surrogateescape: a header name that was not UTF-8 on the wire comes back byte for byte
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates: keep them as their code points
        return name.encode("utf-8", "surrogatepass")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
