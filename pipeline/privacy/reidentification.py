"""Controlled re-identification: only reversible pseudonyms, only with a reason, always logged."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pipeline.privacy.keyring import Keyring, unb64
from pipeline.privacy.pseudonyms import parse_label, reidentify
from pipeline.router.disclosure import LOG_NAME

MIN_REASON = 15


def reidentification_record(
    label: str, requester: str, reason: str, at: dt.datetime
) -> dict[str, Any]:
    """The disclosure-log record of a re-identification: who, why, which pseudonym (never the result)."""
    _, version, domain, kind, _ = parse_label(label)
    act = uuid.uuid4()
    return {
        "trace_id": act.hex,
        "span_id": act.hex[:16],
        "parent_span_id": None,
        "name": f"{LOG_NAME}.reidentify",
        "start_time": at,
        "end_time": at,
        "status_code": "OK",
        "processing_activity_id": None,
        "more_processing_activity_ids": [],
        "data_subject_id": label,
        "data_subject_id_type": f"herleidbaar pseudoniem ({kind}, domein {domain}, sleutel k{version})",
        "event_id": str(act),
        "event_type": "Herleiding",
        "source": requester,
        "foreign_processor": None,
        "foreign_trace_id": None,
        "foreign_span_id": None,
        "recipient": requester,
        "outcome": "REIDENTIFIED",
        "view_fingerprint": None,
        "reason": reason,
        "requester": requester,
        "proof": None,
    }


def reidentify_label(label: str, keyring: Keyring) -> str:
    """The normalised identifier behind a reversible pseudonym."""
    return reidentify(label, {v.versie: unb64(v.materiaal) for v in keyring.herleidbaar})
