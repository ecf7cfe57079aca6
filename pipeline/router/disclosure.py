"""Disclosure-log records (verantwoording), after Logius' Logboek Dataverwerkingen.

One line per data subject per action: per delivered view, per withheld disclosure, or one 'no
recipient' line. Each line holds only what varies per disclosure: its own trace context (the
one the view carries), when, status, the processing activities it was made under (URIs into
the register of processing activities, covenant.register), the data subject pseudonymised in
the log's own domain, the event, the publisher's operation (``foreign_*``), the recipient, the
outcome and the view's schema fingerprint. What an activity is and gives each recipient is in
the register, once per covenant version.

A signal's log records differ only in a few fields, so ``DisclosureLog`` encodes the log schema's
fields in groups (codec.split), each as often as it changes. The log is the only place where a
disclosure's trace context meets the publisher's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pipeline.codec.schema_store import SchemaEntry
from pipeline.codec.split import SplitEncoder
from pipeline.covenant.rules import ROUTING_ACTIVITY

if TYPE_CHECKING:  # the policy holds its DisclosureLog: a runtime import would be circular
    from pipeline.covenant.policy import Grant

LOG_NAME = "ketenstroom.disclose"

# The log schema's field groups in schema order, by the field that starts each group after the
# first: [trace_id, span_id] per record; [parent_span_id .. status_code] per event;
# [processing_activity_id, more_processing_activity_ids] per disclosure; [data_subject_id ..
# foreign_span_id] per event; [recipient .. proof] per disclosure.
_GROUP_STARTS = ("parent_span_id", "processing_activity_id", "data_subject_id", "recipient")
_RECORD, _EVENT_TIMES, _ACTIVITY, _EVENT, _DISCLOSURE = range(5)
DISCLOSED, NO_RECIPIENT, WITHHELD = "DISCLOSED", "NO_RECIPIENT", "WITHHELD"
#: Why a disclosure was withheld: the signal has no location an area-bound covenant can judge.
NO_LOCATION = "no_location"

Subject = tuple[str, str]
"""(data_subject_id, data_subject_id_type) of a signal, pseudonymised for the log."""


class DisclosureLog:
    """Encodes the disclosure log's records for one compiled policy."""

    def __init__(self, schema: SchemaEntry) -> None:
        names = [f["name"] for f in schema.expanded["fields"]]
        self.schema = schema
        self.split = SplitEncoder(schema, [names.index(n) for n in _GROUP_STARTS])
        self._times: tuple[dt.datetime | None, bytes] = (None, b"")

    def for_event(
        self, envelope: dict[str, Any], at: dt.datetime, subject: Subject | None
    ) -> EventLog:
        """The log writer for one signal's records; routing is one step without I/O, so each
        span starts and ends at ``at`` (one moment for a whole batch: encoded once for it)."""
        if self._times[0] != at:
            self._times = (at, self.split.part(_EVENT_TIMES, _times(at)))
        return EventLog(self.split, envelope, self._times[1], subject)


def _times(at: dt.datetime) -> dict[str, Any]:
    return {
        "parent_span_id": None,
        "name": LOG_NAME,
        "start_time": at,
        "end_time": at,
        "status_code": "OK",
    }


class EventLog:
    """One signal's log records: to whom, under which processing activities."""

    def __init__(
        self,
        split: SplitEncoder,
        envelope: dict[str, Any],
        times: bytes,
        subject: Subject | None,
    ) -> None:
        self._split = split
        self.event_id = str(envelope["event_id"])
        self._times = times
        self._event = split.part(
            _EVENT,
            {
                "data_subject_id": subject[0] if subject else None,
                "data_subject_id_type": subject[1] if subject else None,
                "event_id": self.event_id,
                "event_type": envelope["event_type"],
                "source": envelope["source"],
                "foreign_processor": envelope["source"],
                "foreign_trace_id": envelope["trace_id"],
                "foreign_span_id": envelope["span_id"],
            },
        )

    def record(
        self,
        trace: tuple[str, str],
        recipient: str | None,
        grants: tuple[Grant, ...],
        view_fingerprint: str | None,
        outcome: str = DISCLOSED,
    ) -> bytes:
        """The log record of one disclosure (or of routing to nobody, or of withholding), under
        the disclosure's own trace context ``trace`` (trace id, span id)."""
        # Grants are the policy's own objects, alive as long as it (and this encoder): their ids
        # name the set. Recipient, view and outcome complete what the disclosure groups hold.
        key = (recipient, view_fingerprint, tuple(map(id, grants)), outcome)
        return self._split.join(
            self._split.part(_RECORD, {"trace_id": trace[0], "span_id": trace[1]}),
            self._times,
            self._split.cached(_ACTIVITY, key, lambda: activities(grants, outcome)),
            self._event,
            self._split.cached(
                _DISCLOSURE, key, lambda: disclosure(recipient, view_fingerprint, outcome)
            ),
        )


def activities(grants: tuple[Grant, ...], outcome: str = DISCLOSED) -> dict[str, Any]:
    """The processing activities of a disclosure: the first as dpl.core's one id, the others
    (when several rules gave it) after it; routing to nobody is the pipeline's own activity."""
    ids = list(dict.fromkeys(g.processing_activity_id for g in grants if g.processing_activity_id))
    if outcome == NO_RECIPIENT and not ids:
        ids = [ROUTING_ACTIVITY]
    return {
        "processing_activity_id": ids[0] if ids else None,
        "more_processing_activity_ids": ids[1:],
    }


def activity_ids(record: dict[str, Any]) -> list[str]:
    """Every processing activity a log line names, the first first."""
    first = record.get("processing_activity_id")
    return ([first] if first else []) + list(record.get("more_processing_activity_ids") or ())


def disclosure(
    recipient: str | None, view_fingerprint: str | None, outcome: str = DISCLOSED
) -> dict[str, Any]:
    """The log fields from ``recipient`` on: who received which view, and why not (if not)."""
    return {
        "recipient": recipient,
        "outcome": outcome,
        "view_fingerprint": view_fingerprint,
        "reason": NO_LOCATION if outcome == WITHHELD else None,
        "requester": None,
        "proof": None,
    }
