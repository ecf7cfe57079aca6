"""Semantic checks that Avro cannot express; a failure makes the record a dead letter."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pipeline.errors import InvalidRecordError
from pipeline.legal_time import legal_day
from pipeline.messages import signals as msg
from pipeline.signals.bsn import canonical_bsn, is_valid_bsn

CLOCK_SKEW = dt.timedelta(minutes=5)
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")


def validate_signal(event_type: str, datum: dict[str, Any], now: dt.datetime) -> None:
    """Raise InvalidRecordError (without any personal value in its message) if the record is wrong."""
    envelope = datum["envelope"]
    if envelope["event_type"] != event_type:  # the claimed value is not echoed: free text
        raise InvalidRecordError(str(msg.type_differs(event_type)))
    if not _TRACE_ID.fullmatch(envelope["trace_id"]) or envelope["trace_id"] == "0" * 32:
        raise InvalidRecordError(str(msg.bad_trace_id()))
    if not _SPAN_ID.fullmatch(envelope["span_id"]) or envelope["span_id"] == "0" * 16:
        raise InvalidRecordError(str(msg.bad_span_id()))
    occurred: dt.datetime = envelope["occurred_at"]
    if occurred > now + CLOCK_SKEW:
        raise InvalidRecordError(str(msg.in_future("envelope.occurred_at")))
    if envelope["recorded_at"] < occurred:
        raise InvalidRecordError(str(msg.recorded_before_occurred()))
    if envelope["recorded_at"] > now + CLOCK_SKEW:  # no source records what has not happened
        raise InvalidRecordError(str(msg.in_future("envelope.recorded_at")))
    subject = datum.get("slachtoffer")
    if subject is not None:
        # the event's day in Dutch time: age and birth date are judged as Dutch law counts days
        _validate_person(subject, legal_day(occurred), "slachtoffer")
        _check_minor(datum, subject, legal_day(occurred))


def _validate_person(person: dict[str, Any], event_date: dt.date, path: str) -> None:
    """Checks a person; writes the BSN as nine digits (as pseudonymisation normalises it)."""
    bsn = person.get("bsn")
    if bsn is not None:
        person["bsn"] = canonical_bsn(bsn)
        if not is_valid_bsn(person["bsn"]):
            raise InvalidRecordError(str(msg.bad_bsn(path)))
    born = person.get("geboortedatum")
    if born is not None and born > event_date:
        raise InvalidRecordError(str(msg.born_after(path)))


def _check_minor(datum: dict[str, Any], subject: dict[str, Any], event_date: dt.date) -> None:
    """``minderjarig`` is the publisher's claim; with a known birth date it must be the truth."""
    born = subject.get("geboortedatum")
    if (
        "minderjarig" in datum
        and born is not None
        and datum["minderjarig"] != is_minor(born, event_date)
    ):
        raise InvalidRecordError(str(msg.minor_contradicts()))


def is_minor(birth_date: dt.date | None, on: dt.date) -> bool:
    """True if someone born on ``birth_date`` is younger than 18 on ``on``; False if unknown."""
    if birth_date is None:
        return False
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1) < 18
