"""Retention from the covenants (pipeline/ops/retention.py): pure, no broker."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline import topics
from pipeline.cli.deploy import DEPLOY_DIR
from pipeline.covenant.loader import load_covenants
from pipeline.errors import ConfigurationError
from pipeline.ops.retention import (
    RetentionSettings,
    duration_ms,
    longest_term,
    required_retention,
    shortfalls,
)
from tests.conftest import CONVENANTEN

DAY = 24 * 3600 * 1000
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def covenants():
    return [c.model for c in load_covenants(CONVENANTEN)]


def calendar_end(start: dt.date, years: int, months: int, days: int) -> dt.date:
    """start + years + months (clamped to the month's last day, as calendars do) + days."""
    index = start.month - 1 + months
    year, month = start.year + years + index // 12, index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(start.day, last)) + dt.timedelta(days=days)


@given(
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    st.integers(0, 30),
    st.integers(0, 30),
    st.integers(0, 60),
    st.integers(0, 400),
)
def test_a_converted_term_is_never_shorter_than_the_calendar(start, years, months, weeks, days):
    text = "P" + "".join(
        f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (weeks, "W"), (days, "D")) if n
    )
    if text == "P":
        return
    end = calendar_end(start, years, months, weeks * 7 + days)
    assert duration_ms(text) >= (end - start).days * DAY


def test_durations():
    assert duration_ms("P14D") == 14 * DAY
    assert duration_ms("P5Y") == 5 * 366 * DAY
    for bad in ("P", "5Y", "P1H", "PT1H", ""):
        with pytest.raises(ConfigurationError):
            duration_ms(bad)


def test_the_log_keeps_the_longest_term_in_force(covenants, registry):
    longest = longest_term(covenants, TODAY)
    assert longest is not None and longest.term == "P5Y"
    kept = required_retention(registry, covenants, RetentionSettings(), TODAY)
    log = kept[topics.DISCLOSURE_LOG]
    assert log.ms == duration_ms("P5Y") and "P5Y" in log.why
    assert kept[topics.DEAD_LETTER].ms == duration_ms("P90D")
    for inbox in registry.inbox_topics():
        # a view is stamped with the start of its Dutch day (router.delivery): up to 25 hours
        # before it was written, so an inbox keeps it that much longer, with the producer's time
        assert kept[inbox].ms == duration_ms("P14D") + 25 * 3600 * 1000
        assert kept[inbox].configs()["message.timestamp.type"] == "CreateTime"
    for name in topics.COMPACTED - {topics.EVENT_IDS}:
        assert kept[name].compacted and kept[name].configs() == {"cleanup.policy": "compact"}
    # event-id claims are state too, but expire: after the event-id horizon (90 days), or as
    # the log if that keeps longer (a claim says whom its event is about, for follow-ups)
    assert kept[topics.EVENT_IDS].configs() == {
        "cleanup.policy": "compact,delete",
        "retention.ms": str(duration_ms("P5Y")),
    }
    longer = RetentionSettings(event_id_horizon_ms=duration_ms("P6Y"))
    claims = required_retention(registry, covenants, longer, TODAY)[topics.EVENT_IDS]
    assert claims.ms == duration_ms("P6Y") and "horizon" in claims.why
    assert set(kept) == set(registry.all_topics())


def test_an_ended_covenant_counts_until_its_records_are_past_their_term(covenants):
    (covenant,) = covenants
    ended = covenant.model_copy(
        update={
            "convenant": covenant.convenant.model_copy(
                update={
                    "geldig": covenant.convenant.geldig.model_copy(
                        update={"tot": dt.date(2025, 1, 1)}
                    )
                }
            )
        }
    )
    assert longest_term([ended], dt.date(2026, 6, 1)).term == "P5Y"  # still within 5 years
    # past five years only the rules with shorter terms are past too: nothing binds
    assert longest_term([ended], dt.date(2031, 1, 2)) is None


def test_a_longer_log_setting_wins_and_a_shorter_one_is_refused(covenants, registry):
    longer = RetentionSettings(disclosure_log="P7Y")
    kept = required_retention(registry, covenants, longer, TODAY)
    assert kept[topics.DISCLOSURE_LOG].ms == duration_ms("P7Y")
    with pytest.raises(ConfigurationError, match="shorter than the bewaartermijn P5Y"):
        required_retention(registry, covenants, RetentionSettings(disclosure_log="P1Y"), TODAY)
    with pytest.raises(ConfigurationError, match="set disclosure_log_retention"):
        required_retention(registry, [], RetentionSettings(), TODAY)


def test_shortfalls_name_what_is_kept_too_briefly(covenants, registry):
    kept = required_retention(registry, covenants, RetentionSettings(), TODAY)
    week = str(7 * DAY)
    reported = {
        topics.DISCLOSURE_LOG: {"cleanup.policy": "delete", "retention.ms": week},
        topics.DEAD_LETTER: {"cleanup.policy": "delete", "retention.ms": "-1"},
        topics.SCHEMAS: {"cleanup.policy": "delete", "retention.ms": week},
        "inbox.om": {"retention.ms": str(duration_ms("P14D")), "retention.bytes": "1000"},
        "inbox.politie": {"cleanup.policy": "compact", "retention.ms": "1"},
    }
    found = {s.topic: s for s in shortfalls(kept, reported)}
    assert set(found) == {topics.DISCLOSURE_LOG, topics.SCHEMAS, "inbox.om"}
    message = found[topics.DISCLOSURE_LOG].message()
    assert "retention.ms=604800000 (7 days)" in message and "bewaartermijn P5Y" in message
    assert f"retention.ms={duration_ms('P5Y')}" in message  # the fix, ready to paste
    assert "cleanup.policy=delete" in found[topics.SCHEMAS].message()
    assert "retention.bytes=1000" in found["inbox.om"].message()
    appended = {"inbox.om": {"retention.ms": "-1", "message.timestamp.type": "LogAppendTime"}}
    (stamped,) = shortfalls(kept, appended)
    assert "LogAppendTime" in stamped.message() and "CreateTime" in stamped.message()


def test_every_generated_topic_has_its_retention(registry, covenants):
    documents = [
        d
        for d in yaml.safe_load_all(
            (DEPLOY_DIR / "kubernetes/generated/kafka-topics.yaml").read_text()
        )
        if d
    ]
    kept = required_retention(registry, covenants, RetentionSettings(), dt.date.today())
    assert {d["spec"]["topicName"] for d in documents} == set(kept)
    for document in documents:
        want = kept[document["spec"]["topicName"]].configs()
        config = {k: str(v) for k, v in document["spec"]["config"].items()}
        assert want.items() <= config.items(), document["spec"]["topicName"]


def test_the_statistics_claims_are_one_log_kept_for_ever(registry, covenants):
    """Which claim to a publication version came first decides who publishes it: a compacted
    claims topic would keep a later claim in place of the first, an expiring one forget it."""
    kept = required_retention(registry, covenants, RetentionSettings(), TODAY)
    claims = kept[topics.STATISTICS_CLAIMS]
    assert claims.configs() == {
        "cleanup.policy": "delete",
        "retention.ms": "-1",
        "retention.bytes": "-1",
    }
    assert topics.STATISTICS_CLAIMS in topics.SINGLE_PARTITION
    assert shortfalls({topics.STATISTICS_CLAIMS: claims}, {}) == []
    for wrong in (
        {"cleanup.policy": "compact"},
        {"cleanup.policy": "compact,delete", "retention.ms": "-1"},
        {"cleanup.policy": "delete", "retention.ms": str(duration_ms("P5Y"))},
    ):
        (found,) = shortfalls({topics.STATISTICS_CLAIMS: claims}, {topics.STATISTICS_CLAIMS: wrong})
        assert "retention.ms=-1" in found.message()
    right = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
    assert shortfalls({topics.STATISTICS_CLAIMS: claims}, {topics.STATISTICS_CLAIMS: right}) == []
