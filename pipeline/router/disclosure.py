"""Disclosure-log records (verantwoording, after Logius' Logboek Dataverwerkingen).

A signal's log records differ only in a few fields: the trace context is each disclosure's
own, the event's fields are the same in all of them, and what a view plan disclosed under which
grants is the same for every signal it discloses under those grants. ``DisclosureLog`` encodes
the log schema's fields in those groups (codec.split), each as often as it changes.

The log is the only place where a disclosure's trace context meets the publisher's
(``foreign_trace_id``/``foreign_span_id``, Logboek Dataverwerkingen's foreign operation).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pipeline.codec.schema_store import SchemaEntry
from pipeline.codec.split import SplitEncoder

if TYPE_CHECKING:  # the policy holds its DisclosureLog: a runtime import would be circular
    from pipeline.covenant.policy import Grant

LOG_NAME = "ketenstroom.disclose"

# The log schema's field groups in schema order, by the field that starts each group after the
# first: [trace_id, span_id] per record; [parent_span_id .. status_code] per event;
# [processing_activity_id] per disclosure; [data_subject_id .. foreign_span_id] per event;
# [recipient .. reason] per disclosure (recipient, outcome, view, field names and grants).
_GROUP_STARTS = ("parent_span_id", "processing_activity_id", "data_subject_id", "recipient")
_RECORD, _EVENT_TIMES, _ACTIVITY, _EVENT, _DISCLOSURE = range(5)
DISCLOSED, NO_RECIPIENT, WITHHELD = "DISCLOSED", "NO_RECIPIENT", "WITHHELD"


class DisclosureLog:
    """Encodes the disclosure log's records for one compiled policy."""

    def __init__(self, schema: SchemaEntry) -> None:
        names = [f["name"] for f in schema.expanded["fields"]]
        self.schema = schema
        self.split = SplitEncoder(schema, [names.index(n) for n in _GROUP_STARTS])

    def for_event(self, envelope: dict[str, Any], at: dt.datetime) -> EventLog:
        """The log writer for one signal's records; routing is one step without I/O, so each
        span starts and ends at ``at``."""
        return EventLog(self.split, envelope, at)


class EventLog:
    """One signal's log records: who received which field names, under which rules."""

    def __init__(self, split: SplitEncoder, envelope: dict[str, Any], at: dt.datetime) -> None:
        self._split = split
        self.event_id = str(envelope["event_id"])
        self._times = split.part(
            _EVENT_TIMES,
            {
                "parent_span_id": None,
                "name": LOG_NAME,
                "start_time": at,
                "end_time": at,
                "status_code": "OK",
            },
        )
        self._event = split.part(
            _EVENT,
            {
                # No data subject id on a routing record (the re-identification record has one).
                "data_subject_id": None,
                "data_subject_id_type": None,
                "event_id": self.event_id,
                "event_type": envelope["event_type"],
                "source": envelope["source"],
                "foreign_trace_id": envelope["trace_id"],
                "foreign_span_id": envelope["span_id"],
            },
        )

    def record(
        self,
        trace: tuple[str, str],
        recipient: str | None,
        fields: tuple[str, ...],
        grants: tuple[Grant, ...],
        view_fingerprint: str | None,
        outcome: str = DISCLOSED,
    ) -> bytes:
        """The log record of one disclosure (or of routing to nobody, or of withholding), under
        the disclosure's own trace context ``trace`` (trace id, span id)."""
        # Grants are the policy's own objects, alive as long as it (and this encoder): their ids
        # name the set. Recipient, view and field names complete what the disclosure groups hold.
        key = (recipient, view_fingerprint, fields, tuple(map(id, grants)), outcome)
        return self._split.join(
            self._split.part(_RECORD, {"trace_id": trace[0], "span_id": trace[1]}),
            self._times,
            self._split.cached(_ACTIVITY, key, lambda: _activity(grants)),
            self._event,
            self._split.cached(
                _DISCLOSURE,
                key,
                lambda: disclosure(recipient, fields, grants, view_fingerprint, outcome),
            ),
        )


def _activity(grants: tuple[Grant, ...]) -> dict[str, Any]:
    return {"processing_activity_id": grants[0].processing_activity_id if grants else None}


def disclosure(
    recipient: str | None,
    fields: tuple[str, ...],
    grants: tuple[Grant, ...],
    view_fingerprint: str | None,
    outcome: str = DISCLOSED,
) -> dict[str, Any]:
    """The log fields from ``recipient`` on: who received which field names of which view, the
    grants it was made under, and its reason (none for routing)."""
    return {
        "recipient": recipient,
        "outcome": outcome,
        "fields": list(fields),
        "view_fingerprint": view_fingerprint,
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
        "reason": "no_location" if outcome == WITHHELD else None,
    }
