"""Dead letters: the original bytes and headers, plus a machine-readable reason."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from pipeline import topics
from pipeline.router.records import Inbound, Outbound

REASON_HEADER = "ketenstroom-reason"
DETAIL_HEADER = "ketenstroom-detail"
ORIGIN_TOPIC_HEADER = "ketenstroom-origin-topic"
ORIGIN_PARTITION_HEADER = "ketenstroom-origin-partition"
ORIGIN_OFFSET_HEADER = "ketenstroom-origin-offset"
POLICY_HEADER = "ketenstroom-policy"
#: On an unreadable_batch dead letter: the last of the offsets it stands for (the first is
#: ORIGIN_OFFSET_HEADER).
ORIGIN_LAST_OFFSET_HEADER = "ketenstroom-origin-last-offset"
OWN_HEADERS = frozenset(
    {
        REASON_HEADER,
        DETAIL_HEADER,
        ORIGIN_TOPIC_HEADER,
        ORIGIN_PARTITION_HEADER,
        ORIGIN_OFFSET_HEADER,
        POLICY_HEADER,
        ORIGIN_LAST_OFFSET_HEADER,
    }
)


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


def dead_letter(record: Inbound, reason: str, detail: str, policy_version: str) -> Outbound:
    """The dead letter for ``record``; ``detail`` must hold no record content."""
    original = tuple((k, v) for k, v in record.headers if k not in OWN_HEADERS)
    headers = (
        *original,
        (REASON_HEADER, reason.encode()),
        (DETAIL_HEADER, detail.encode()),
        (ORIGIN_TOPIC_HEADER, record.topic.encode()),
        (ORIGIN_PARTITION_HEADER, str(record.partition).encode()),
        (ORIGIN_OFFSET_HEADER, str(record.offset).encode()),
        (POLICY_HEADER, policy_version.encode()),
    )
    return Outbound(
        topic=topics.DEAD_LETTER,
        key=record.key or f"{record.topic}/{record.partition}/{record.offset}".encode(),
        value=record.value or b"",
        headers=headers,
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
    return replace(
        letter, headers=(*letter.headers, (ORIGIN_LAST_OFFSET_HEADER, str(last).encode()))
    )


def header(headers: tuple[tuple[str, bytes], ...], name: str) -> str | None:
    """The last value of a header as text, or None."""
    found = [v for k, v in headers if k == name]
    return found[-1].decode(errors="replace") if found else None
