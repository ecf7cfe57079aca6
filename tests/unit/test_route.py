"""route(): per-recipient views, default deny, disclosure log, dead letters."""

import dataclasses
import datetime as dt

import pytest

from pipeline import topics
from pipeline.codec.framing import MAGIC, encode
from pipeline.covenant.register import disclosed
from pipeline.covenant.rules import ROUTING_ACTIVITY
from pipeline.privacy.view_decryption import decrypt_view
from pipeline.router.core import route
from pipeline.router.dead_letter import ORIGIN_OFFSET_HEADER, ORIGIN_TOPIC_HEADER, header
from pipeline.router.disclosure import activity_ids
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound
from pipeline.signals.prepare import prepare
from tests.helpers import (
    inbound,
    leaves,
    log_entries,
    opened,
    reason,
    signal_bytes,
    views_by_recipient,
)


@pytest.fixture
def politie_signal(store, factory, now):
    document = factory.make("politie", "Signaal").document
    document["slachtoffer"]["bsn"] = "111222333"
    document["slachtoffer"]["adres"]["gemeentecode"] = "GM0344"  # Utrecht: gemeente-utrecht too
    return signal_bytes(store, document, "politie", now)


def test_three_recipients_get_three_different_views(policy, now, politie_signal):
    datum, raw = politie_signal
    result = route(inbound("politie", raw), policy, now)
    assert result.dead_letter is None
    views = views_by_recipient(result, policy)
    assert set(views) == {"om", "zorgcoordinatie-utrecht", "gemeente-utrecht", "comensha"}
    assert leaves(views["om"])["slachtoffer.bsn"] == "111222333"
    gemeente = leaves(views["gemeente-utrecht"])
    assert set(gemeente) <= {
        "uitbuitingsvorm",
        "sector",
        "indicatoren",
        "slachtoffer.adres.gemeentecode",
        "minderjarig",
        "slachtoffer.bsn",
        "slachtoffer.geboortedatum",
        "slachtoffer.adres.postcode",
    }
    assert gemeente["slachtoffer.bsn"].startswith("RP1.k1.midden-nederland/gemeente-utrecht.bsn.")
    assert gemeente["slachtoffer.geboortedatum"] in {"18-22", "23-29", "30-39", "40-49", "50-64"}
    assert gemeente["slachtoffer.adres.postcode"] == datum["slachtoffer"]["adres"]["postcode"][:4]
    assert leaves(views["zorgcoordinatie-utrecht"])["slachtoffer.bsn"].startswith("ENC2.k1.")
    assert "slachtoffer.voornamen" in leaves(views["comensha"])
    assert "slachtoffer.bsn" not in leaves(views["comensha"])
    assert "omschrijving" not in leaves(views["zorgcoordinatie-utrecht"])  # weglaten
    event_id = str(datum["envelope"]["event_id"])
    references = {view["envelope"]["event_ref"] for view in views.values()}
    assert len(references) == 4  # one per linkage domain, none the event id
    for view in views.values():
        envelope = view["envelope"]
        assert event_id not in str(view)
        assert envelope["trace_id"] != datum["envelope"]["trace_id"]
        assert envelope["occurred_at"] == datum["envelope"]["occurred_at"].date()  # the day only
        assert envelope["source"] == "politie" and envelope["event_type"] == "Signaal"


def test_default_deny_undisclosed_values_never_reach_the_bytes(policy, now, politie_signal):
    datum, raw = politie_signal
    result = route(inbound("politie", raw), policy, now)
    surname = datum["slachtoffer"]["achternaam"].encode()
    for out in result.deliveries:
        if out.topic == topics.inbox("om"):
            assert b"111222333" in out.value
        else:
            assert b"111222333" not in out.value
        if out.topic == topics.inbox("gemeente-utrecht"):
            assert surname not in out.value
    for entry in result.log:
        assert b"111222333" not in entry.value and surname not in entry.value


def test_one_disclosure_log_record_per_view_with_its_grounds(policy, now, politie_signal):
    datum, raw = politie_signal
    result = route(inbound("politie", raw), policy, now)
    entries = log_entries(result, policy)
    assert len(entries) == len(result.deliveries) == 4
    om = next(e for e in entries if e["recipient"] == "om")
    assert om["outcome"] == "DISCLOSED"
    # the log links the disclosure's own trace (the one the view carries) to the publisher's
    om_view = views_by_recipient(result, policy)["om"]["envelope"]
    assert (om["trace_id"], om["span_id"]) == (om_view["trace_id"], om_view["span_id"])
    assert om["foreign_trace_id"] == datum["envelope"]["trace_id"]
    assert om["foreign_span_id"] == datum["envelope"]["span_id"]
    # the log names the processing activity; the register holds what is fixed per rule
    assert activity_ids(om) == [om["processing_activity_id"]]
    assert om["processing_activity_id"] == (
        "https://register.ketenstroom.example/verwerkingen/midden-nederland/R1/2025.1"
    )
    rule = policy.register[om["processing_activity_id"]].record
    assert (rule["convenant_id"], rule["convenant_versie"], rule["regel"]) == (
        "midden-nederland",
        "2025.1",
        "R1",
    )
    assert rule["grondslag"] == "wjsg" and rule["artikel"] == "4.1"
    assert rule["grondslag_tekst"].startswith("Wet justitiële")
    assert disclosed(om, policy.register)["slachtoffer.bsn"] == "doorgeven"
    gemeente = next(e for e in entries if e["recipient"] == "gemeente-utrecht")
    (to_gemeente,) = policy.register[gemeente["processing_activity_id"]].record["ontvangers"]
    assert to_gemeente["behandelingen"]["slachtoffer.bsn"] == "pseudoniem-herleidbaar"
    assert to_gemeente["koppeldomein"] == "midden-nederland/gemeente-utrecht"
    comensha = next(e for e in entries if e["recipient"] == "comensha")
    assert "slachtoffer.bsn" not in disclosed(comensha, policy.register)
    # the data subject, pseudonymised in the log's own domain: no BSN, no recipient's pseudonym
    assert om["data_subject_id_type"] == "BSN"
    assert om["data_subject_id"].startswith("PS1.k1.verantwoording.bsn.")
    assert len({e["data_subject_id"] for e in entries}) == 1
    assert om["data_subject_id"] not in str(views_by_recipient(result, policy))


def test_routing_is_deterministic_so_replays_are_idempotent(policy, keys, now, politie_signal):
    """Same keys, same log records, same views; only encrypted fields differ (fresh ephemeral key)."""
    _, raw = politie_signal
    first = route(inbound("politie", raw), policy, now)
    second = route(inbound("politie", raw), policy, now)
    assert first.log == second.log
    assert [o.key for o in first.deliveries] == [o.key for o in second.deliveries]
    zorg = topics.inbox("zorgcoordinatie-utrecht")
    assert [o for o in first.deliveries if o.topic != zorg] == [
        o for o in second.deliveries if o.topic != zorg
    ]
    _, private = keys
    opened = [
        decrypt_view(
            views_by_recipient(result, policy)["zorgcoordinatie-utrecht"],
            private["zorgcoordinatie-utrecht"],
        )
        for result in (first, second)
    ]
    assert opened[0] == opened[1] and opened[0]["slachtoffer"]["bsn"] == "111222333"


def test_no_rule_means_a_logged_no_recipient_entry(store, policy, factory, now):
    _, raw = signal_bytes(store, factory.make("nla", "Signaal").document, "nla", now)
    first = route(inbound("nla", raw), policy, now)
    update = factory.follow_up("nla", "Statusupdate", first.claim.key.decode()).document
    _, raw = signal_bytes(store, update, "nla", now)
    index = EventIndex()
    index.learn_record(first.claim.key, first.claim.value)
    result = route(inbound("nla", raw, offset=1), policy, now, index)
    assert result.deliveries == () and result.dead_letter is None
    (entry,) = log_entries(result, policy)
    assert entry["outcome"] == "NO_RECIPIENT" and entry["recipient"] is None
    # Logboek Dataverwerkingen wants an activity on every line: routing to nobody is the
    # pipeline's own, in the register too
    assert activity_ids(entry) == [ROUTING_ACTIVITY]
    assert policy.register[ROUTING_ACTIVITY].record["ontvangers"] == []


def test_a_source_without_rules_gets_nothing_through(store, policy, factory, now):
    _, raw = signal_bytes(
        store, factory.make("gemeente-utrecht", "Signaal").document, "gemeente-utrecht", now
    )
    result = route(inbound("gemeente-utrecht", raw), policy, now)
    assert result.deliveries == ()
    assert log_entries(result, policy)[0]["outcome"] == "NO_RECIPIENT"


def test_events_before_the_covenant_took_effect_are_not_disclosed(store, policy, factory):
    then = dt.datetime(2025, 2, 28, 12, tzinfo=dt.UTC)  # covenant valid from 2025-03-01
    document = factory.make("politie", "Signaal").document
    document["envelope"]["occurred_at"] = document["envelope"]["recorded_at"] = then.isoformat()
    document["slachtoffer"]["geboortedatum"] = "1990-01-01"
    _, raw = signal_bytes(store, document, "politie", then)
    result = route(inbound("politie", raw), policy, then)
    assert result.deliveries == ()
    assert log_entries(result, policy)[0]["outcome"] == "NO_RECIPIENT"


def test_spoofed_source_is_a_dead_letter_with_original_bytes(
    store, policy, factory, now, dead_letter_keys
):
    _, raw = signal_bytes(store, factory.make("nla", "Signaal").document, "nla", now)
    record = Inbound(topics.inbound("politie"), 2, 41, b"k", raw, (("x-original", b"1"),))
    result = route(record, policy, now)
    assert reason(result) == "source_mismatch"
    assert result.deliveries == () and result.log == ()
    dead = result.dead_letter
    content = opened(result, dead_letter_keys)  # sealed: only the dead-letter key shows it
    assert (
        content.value == raw and content.key == b"k" and content.headers == (("x-original", b"1"),)
    )
    assert raw not in dead.value and dead.key == b"signalen.politie/2/41"
    assert header(dead.headers, ORIGIN_TOPIC_HEADER) == "signalen.politie"
    assert header(dead.headers, ORIGIN_OFFSET_HEADER) == "41"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"garbage", "not_single_object"),
        (None, "empty_value"),
        (b"", "empty_value"),
        (MAGIC + b"\x01" * 8, "unknown_fingerprint"),
    ],
)
def test_bad_bytes_are_dead_letters(policy, now, value, expected):
    assert reason(route(inbound("politie", value), policy, now)) == expected


def test_unknown_inbound_topic_is_refused(policy, now, politie_signal):
    _, raw = politie_signal
    assert (
        reason(route(inbound("x", raw, topic="signalen.onbekend"), policy, now))
        == "unknown_source_topic"
    )
    assert reason(route(inbound("x", raw, topic="inbox.om"), policy, now)) == "unknown_source_topic"


def test_a_view_schema_on_an_inbound_topic_is_not_a_signal(policy, now, politie_signal):
    _, raw = politie_signal
    view_bytes = route(inbound("politie", raw), policy, now).deliveries[0].value
    assert reason(route(inbound("politie", view_bytes), policy, now)) == "not_a_signal"


def test_invalid_bsn_is_a_dead_letter_not_a_pseudonym(store, policy, factory, now):
    entry, datum = prepare(factory.make("politie", "Signaal").document, "politie", store, now)
    datum["slachtoffer"]["bsn"] = "123456789"
    result = route(inbound("politie", encode(entry, datum)), policy, now)
    assert reason(result) == "invalid_record"
    assert b"123456789" not in b"".join(v for _, v in result.dead_letter.headers)


def test_a_bug_in_a_plan_becomes_a_dead_letter_not_a_crash(policy, now, politie_signal):
    _, raw = politie_signal
    plans = policy.plans_for("politie", "Signaal")
    grant = dataclasses.replace(plans[0].grants[0], fields=frozenset({"no_such_field"}))
    broken = dataclasses.replace(plans[0], tree={"no_such_field": None}, grants=(grant,))
    broken_policy = dataclasses.replace(
        policy, plans={**policy.plans, ("politie", "Signaal"): (broken,)}
    )
    result = route(inbound("politie", raw), broken_policy, now)
    assert reason(result) == "internal_error"
    assert result.deliveries == () and result.log == ()
