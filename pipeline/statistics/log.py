"""The disclosure-log record of a publication (one per recipient): the one place that writes it.

A publication is a disclosure like a view: it names the recipient, what was disclosed (the
dimensions and counts, never a value of a signal), the rule that allowed it, and for a
correction the version it replaces. The log schema is being redesigned (issue 17); only this
function needs to follow it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from pipeline import topics
from pipeline.codec.framing import encode
from pipeline.codec.schema_store import SchemaEntry
from pipeline.router.records import Outbound

LOG_NAME = "ketenstroom.statistiek.publiceer"


def publication_log_record(
    log_schema: SchemaEntry, body: dict[str, Any], recipient: str, view_fingerprint: str
) -> Outbound:
    """The log record of publication ``body`` (a publications-topic value) to ``recipient``."""
    publication = body["publicatie_id"]
    digest = hashlib.sha256(
        f"ketenstroom/statistiek/{publication}/{recipient}".encode()
    ).hexdigest()
    at = dt.datetime.fromisoformat(body["gepubliceerd_op"])
    record = {
        "trace_id": digest[:32],
        "span_id": digest[32:48],
        "parent_span_id": None,
        "name": LOG_NAME,
        "start_time": at,
        "end_time": at,
        "status_code": "OK",
        "processing_activity_id": body["verwerking"],  # the register says what it gives
        "more_processing_activity_ids": [],
        "data_subject_id": None,
        "data_subject_id_type": None,
        "event_id": publication,
        "event_type": "Statistiek",
        "source": "ketenstroom",
        "foreign_processor": None,
        "foreign_trace_id": None,
        "foreign_span_id": None,
        "recipient": recipient,
        "outcome": "DISCLOSED",
        "view_fingerprint": view_fingerprint,
        "reason": (
            f"{body['status'].lower()}; vervangt versie {body['vervangt']}"
            if body.get("vervangt") is not None
            else body["status"].lower()
        ),
        "requester": None,
        "proof": None,
    }
    key = f"{publication}/{recipient}".encode()
    return Outbound(topics.DISCLOSURE_LOG, key, encode(log_schema, record))
