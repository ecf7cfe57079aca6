import datetime as dt

import pytest

from pipeline.errors import InvalidRecordError
from pipeline.signals.bsn import is_valid_bsn
from pipeline.signals.prepare import prepare
from pipeline.signals.validation import is_minor, validate_signal


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "999990019"])
def test_valid_bsns(bsn):
    assert is_valid_bsn(bsn)


@pytest.mark.parametrize(
    "bsn",
    ["123456789", "000000000", "12345678", "1234567820", "12345678a", "１２３４５６７８２", ""],
)
def test_invalid_bsns(bsn):
    assert not is_valid_bsn(bsn)


def test_minor_on_the_day_before_and_of_the_18th_birthday():
    born = dt.date(2008, 6, 2)
    assert is_minor(born, dt.date(2026, 6, 1))
    assert not is_minor(born, dt.date(2026, 6, 2))
    assert not is_minor(None, dt.date(2026, 6, 2))


@pytest.fixture
def valid(store, factory, now):
    return prepare(factory.make("politie", "Signaal").document, "politie", store, now)[1]


def test_invalid_bsn_is_refused_without_showing_it(valid, now):
    valid["slachtoffer"]["bsn"] = "123456789"
    with pytest.raises(InvalidRecordError) as err:
        validate_signal("Signaal", valid, now)
    assert "123456789" not in str(err.value)


def test_event_in_the_future_is_refused(valid, now):
    valid["envelope"]["occurred_at"] = now + dt.timedelta(hours=1)
    valid["envelope"]["recorded_at"] = now + dt.timedelta(hours=1)
    with pytest.raises(InvalidRecordError, match="future"):
        validate_signal("Signaal", valid, now)


def test_birth_after_event_is_refused(valid, now):
    valid["slachtoffer"]["geboortedatum"] = now.date() + dt.timedelta(days=3)
    with pytest.raises(InvalidRecordError, match="geboortedatum"):
        validate_signal("Signaal", valid, now)


@pytest.mark.parametrize("trace_id", ["0" * 32, "ABC", "g" * 32])
def test_trace_ids_must_be_w3c(valid, now, trace_id):
    valid["envelope"]["trace_id"] = trace_id
    with pytest.raises(InvalidRecordError, match="trace_id"):
        validate_signal("Signaal", valid, now)


def test_event_type_must_match_schema(valid, now):
    with pytest.raises(InvalidRecordError, match="event_type"):
        validate_signal("Verwijzing", valid, now)
