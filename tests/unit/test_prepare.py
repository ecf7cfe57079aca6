"""Publishing side: JSON in, a complete valid record out, or a clear error."""

import datetime as dt
import uuid

import pytest

from pipeline.codec.json_input import JsonInputError, from_json, to_json
from pipeline.errors import InvalidRecordError
from pipeline.signals.prepare import prepare

MINIMAL = {
    "envelope": {"event_type": "Signaal", "occurred_at": "2026-05-30T10:00:00+02:00"},
    "melder_type": "POLITIE",
    "uitbuitingsvorm": "ARBEID",
    "slachtoffer": {"voornamen": "Anna", "geboortedatum": "2010-07-01"},
}


def test_envelope_is_completed_by_the_client(store, now):
    entry, datum = prepare(MINIMAL, "politie", store, now)
    envelope = datum["envelope"]
    assert entry.short_name == "Signaal"
    assert envelope["source"] == "politie"
    assert isinstance(envelope["event_id"], uuid.UUID)
    assert len(envelope["trace_id"]) == 32 and len(envelope["span_id"]) == 16
    assert envelope["occurred_at"] == dt.datetime(2026, 5, 30, 8, tzinfo=dt.UTC)
    assert datum["minderjarig"] is True  # 15 at event time, derived
    assert datum["indicatoren"] == [] and datum["urgent"] is False


def test_publishing_as_someone_else_is_refused(store, now):
    doc = {**MINIMAL, "envelope": {**MINIMAL["envelope"], "source": "nla"}}
    with pytest.raises(InvalidRecordError, match="you publish as 'politie'"):
        prepare(doc, "politie", store, now)


def test_contradicting_minor_flag_is_refused(store, now):
    with pytest.raises(InvalidRecordError, match="minderjarig contradicts"):
        prepare({**MINIMAL, "minderjarig": False}, "politie", store, now)


def test_minor_flag_required_without_birth_date(store, now):
    doc = {**MINIMAL, "slachtoffer": {"voornamen": "Anna"}}
    with pytest.raises(JsonInputError, match="minderjarig: required"):
        prepare(doc, "politie", store, now)
    _, datum = prepare({**doc, "minderjarig": True}, "politie", store, now)
    assert datum["minderjarig"] is True


def test_signal_type_must_be_given(store, now):
    with pytest.raises(JsonInputError, match="say which signal type"):
        prepare({"melder_type": "POLITIE"}, "politie", store, now)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"uitbuitingsvorm": "HANDEL"}, "uitbuitingsvorm: 'HANDEL' is not one of"),
        ({"onbekend_veld": 1}, "unknown field"),
        ({"urgent": "ja"}, "urgent: expected boolean"),
        (
            {"envelope": {"event_type": "Signaal", "occurred_at": "2026-05-30T10:00:00"}},
            "give a time zone",
        ),
        ({"slachtoffer": {"geboortedatum": "30-05-2001"}, "minderjarig": False}, "expected a date"),
    ],
)
def test_json_errors_name_the_field(store, now, change, message):
    with pytest.raises(JsonInputError, match=message):
        prepare({**MINIMAL, **change}, "politie", store, now)


def test_to_json_writes_iso_dates(store, now):
    _, datum = prepare(MINIMAL, "politie", store, now)
    text = to_json(datum)
    assert (
        '"occurred_at": "2026-05-30T08:00:00Z"' in text and '"geboortedatum": "2010-07-01"' in text
    )


def test_from_json_rejects_booleans_as_numbers():
    with pytest.raises(JsonInputError):
        from_json("int", True, "x")
