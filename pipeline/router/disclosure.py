"""Disclosure-log records (verantwoording, after Logius' Logboek Dataverwerkingen)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from pipeline.covenant.policy import Grant

LOG_NAME = "ketenstroom.disclose"


def span_id_for(event_id: str, recipient: str | None) -> str:
    """A span id fixed by (event, recipient): a re-processed input logs the identical record."""
    digest = hashlib.sha256(f"{event_id}\x00{recipient or ''}".encode()).digest()
    return digest[:8].hex()


def disclosure_head(
    envelope: dict[str, Any],
    recipient: str | None,
    fields: tuple[str, ...],
    grants: tuple[Grant, ...],
    view_fingerprint: str | None,
    at: dt.datetime,
) -> dict[str, Any]:
    """One log record's fields that differ per event: who received which field names of which
    event (``disclosure_tail`` adds under which rules). Routing is one step without I/O, so the
    span starts and ends at ``at``."""
    event_id = str(envelope["event_id"])
    return {
        "trace_id": envelope["trace_id"],
        "span_id": span_id_for(event_id, recipient),
        "parent_span_id": envelope["span_id"],
        "name": LOG_NAME,
        "start_time": at,
        "end_time": at,
        "status_code": "OK",
        "processing_activity_id": grants[0].processing_activity_id if grants else None,
        "data_subject_id": None,
        "data_subject_id_type": None,
        "event_id": event_id,
        "event_type": envelope["event_type"],
        "source": envelope["source"],
        "recipient": recipient,
        "outcome": "DISCLOSED" if recipient is not None else "NO_RECIPIENT",
        "fields": list(fields),
        "view_fingerprint": view_fingerprint,
    }


def disclosure_tail(grants: tuple[Grant, ...]) -> dict[str, Any]:
    """The grants a disclosure was made under, and its reason (none for routing): the log
    schema's fields from policy.LOG_TAIL_FROM on, the same for every record under these grants."""
    return {
        "grants": [
            {
                "covenant_id": g.covenant_id,
                "covenant_version": g.covenant_version,
                "rule_id": g.rule_id,
                "article": g.article,
                "purpose": g.purpose,
                "legal_basis": g.legal_basis,
                "fields": sorted(g.fields),
                "retention": g.retention,
                "conditions": list(g.conditions),
                "treatments": dict(g.treatments),
                "linkage_domain": g.domain or None,
            }
            for g in grants
        ],
        "reason": None,
    }
