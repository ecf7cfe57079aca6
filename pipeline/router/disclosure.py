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
import hashlib
from typing import Any

from pipeline.codec.schema_store import SchemaEntry
from pipeline.codec.split import SplitEncoder
from pipeline.covenant.policy import Grant, Policy
from pipeline.covenant.rules import ROUTING_ACTIVITY

LOG_NAME = "ketenstroom.disclose"

# The log schema's field groups in schema order, by the field that starts each group after the
# first: [trace_id, span_id] per record; [parent_span_id .. status_code] per event;
# [processing_activity_id, more_processing_activity_ids] per disclosure; [data_subject_id ..
# foreign_span_id] per event; [recipient .. proof] per disclosure.
_GROUP_STARTS = ("parent_span_id", "processing_activity_id", "data_subject_id", "recipient")
_RECORD, _EVENT_TIMES, _ACTIVITY, _EVENT, _DISCLOSURE = range(5)
DISCLOSED, NO_RECIPIENT, WITHHELD = "DISCLOSED", "NO_RECIPIENT", "WITHHELD"
#: Why a disclosure was withheld: the signal has no location an area-bound covenant can judge;
#: or it refers with a reference its publisher received under another covenant.
NO_LOCATION = "no_location"
OTHER_COVENANT = "reference_of_other_covenant"

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
        self, envelope: dict[str, Any], at: dt.datetime, subjects: tuple[Subject, ...] = ()
    ) -> EventLog:
        """The log writer for one signal's records; routing is one step without I/O, so each
        span starts and ends at ``at`` (one moment for a whole batch: encoded once for it)."""
        if self._times[0] != at:
            self._times = (at, self.split.part(_EVENT_TIMES, _times(at)))
        return EventLog(self.split, envelope, at, self._times[1], subjects)


def disclosure_log(policy: Policy) -> DisclosureLog:
    """The log writer of ``policy``, made once and kept as long as the policy lives: its caches
    are keyed by the identity of the policy's own grants, so it is never shared between policies."""
    found = policy.derived.get(_DERIVED_KEY)
    if isinstance(found, DisclosureLog):
        return found
    made = policy.derived[_DERIVED_KEY] = DisclosureLog(policy.log_schema)
    return made


_DERIVED_KEY = "router.disclosure_log"


def _times(at: dt.datetime, parent_span_id: str | None = None) -> dict[str, Any]:
    return {
        "parent_span_id": parent_span_id,
        "name": LOG_NAME,
        "start_time": at,
        "end_time": at,
        "status_code": "OK",
    }


def child_span(span_id: str, number: int) -> str:
    """The span of the ``number``-th further data subject's line of one action (1, 2, ...)."""
    return hashlib.sha256(f"ketenstroom/subject/{span_id}/{number}".encode()).hexdigest()[:16]


class EventLog:
    """One signal's log records: to whom, under which processing activities, about whom.

    A signal about several people (a follow-up that refers to the signals of several) gets one
    line per person per action: the first under the action's own span (the one its view
    carries), each further one under a span of its own whose parent is that span.
    """

    def __init__(
        self,
        split: SplitEncoder,
        envelope: dict[str, Any],
        at: dt.datetime,
        times: bytes,
        subjects: tuple[Subject, ...],
    ) -> None:
        self._split = split
        self.event_id = str(envelope["event_id"])
        self._at = at
        self._times = times
        event = {
            "event_id": self.event_id,
            "event_type": envelope["event_type"],
            "source": envelope["source"],
            "foreign_processor": envelope["source"],
            "foreign_trace_id": envelope["trace_id"],
            "foreign_span_id": envelope["span_id"],
        }
        self._events = [
            split.part(
                _EVENT,
                {
                    "data_subject_id": subject[0] if subject else None,
                    "data_subject_id_type": subject[1] if subject else None,
                    **event,
                },
            )
            for subject in (subjects or (None,))
        ]

    def record(
        self,
        trace: tuple[str, str],
        recipient: str | None,
        grants: tuple[Grant, ...],
        view_fingerprint: str | None,
        outcome: str = DISCLOSED,
        reason: str | None = None,
    ) -> list[bytes]:
        """The log lines of one disclosure (or of routing to nobody, or of withholding), under
        the disclosure's own trace context ``trace`` (trace id, span id): one per data subject."""
        # Grants are the policy's own objects, alive as long as it (and this encoder): their ids
        # name the set. Recipient, view and outcome complete what the disclosure groups hold.
        key = (recipient, view_fingerprint, tuple(map(id, grants)), outcome, reason)
        activity = self._split.cached(_ACTIVITY, key, lambda: activities(grants, outcome))
        told = self._split.cached(
            _DISCLOSURE, key, lambda: disclosure(recipient, view_fingerprint, outcome, reason)
        )
        trace_id, span_id = trace
        lines = [
            self._split.join(
                self._split.part(_RECORD, {"trace_id": trace_id, "span_id": span_id}),
                self._times,
                activity,
                self._events[0],
                told,
            )
        ]
        if len(self._events) > 1:
            child_times = self._split.part(_EVENT_TIMES, _times(self._at, span_id))
            for number, event in enumerate(self._events[1:], 1):
                child = {"trace_id": trace_id, "span_id": child_span(span_id, number)}
                lines.append(
                    self._split.join(
                        self._split.part(_RECORD, child), child_times, activity, event, told
                    )
                )
        return lines


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
    recipient: str | None,
    view_fingerprint: str | None,
    outcome: str = DISCLOSED,
    reason: str | None = None,
) -> dict[str, Any]:
    """The log fields from ``recipient`` on: who received which view, and why not (if not)."""
    return {
        "recipient": recipient,
        "outcome": outcome,
        "view_fingerprint": view_fingerprint,
        "reason": reason,
        "requester": None,
        "proof": None,
    }
