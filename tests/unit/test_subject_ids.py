"""Every person a record names gets a subject id in the disclosure log, and the FG finds them
by what she has (issue 26, attack 7): a name alone, a name with a birth date, a BSN."""

from __future__ import annotations

import datetime as dt

from pipeline.accountability.inzage import Inzage
from pipeline.accountability.lines import Period
from pipeline.accountability.person import by_bsn, by_name, either
from pipeline.router.core import route
from pipeline.router.event_index import EventIndex
from tests.conftest import NOW
from tests.helpers import in_utrecht, inbound, log_entries, signal_bytes


def _route(policy, store, document, source, index=None, offset=0):
    _, raw = signal_bytes(store, document, source, NOW)
    result = route(inbound(source, raw, offset=offset), policy, NOW, index)
    if index is not None and result.claim is not None:
        index.learn_record(result.claim.key, result.claim.value)
    return result


def _jan(factory, **person):
    document = in_utrecht(factory.make("politie", "Signaal").document)
    named = {"bsn": None, "voornamen": "Jan", "achternaam": "Jansen", "geboortedatum": None}
    document["slachtoffer"].update({**named, **person})
    document["minderjarig"] = False
    return document


def _inzage(person, results, policy) -> list[dict]:
    inzage = Inzage(person, Period(), policy.register)
    for result in results:
        for line in log_entries(result, policy):
            inzage.add(line)
    return inzage.entries()


def test_a_person_named_by_name_and_address_gets_a_subject_id(store, policy, factory, keyring):
    """Broke before (issue 26, attack 7): a signal naming Jan Jansen by name and address,
    without BSN or birth date, was delivered to four recipients with every log line's
    data_subject_id null; `inzage --naam "Jan Jansen"` found nothing, with any birth date.
    Now each line names him by the name alone, and an inzage by name finds every line, saying
    it was found by the name alone (a namesake is possible)."""
    result = _route(policy, store, _jan(factory), "politie")
    assert len(result.deliveries) == 4
    lines = log_entries(result, policy)
    assert {(e["data_subject_id_type"]) for e in lines} == {"naam"}
    (subject,) = {e["data_subject_id"] for e in lines}
    assert subject.startswith("PS1.k1.verantwoording.naam-alleen.")
    versions = keyring.verantwoording
    found = _inzage(by_name("  JAN   jansen ", None, versions), [result], policy)
    assert len(found) == 4 and {e["gevonden_op"] for e in found} == {"naam"}
    # the FG who also has a birth date finds them too, still said to be by the name alone
    found = _inzage(by_name("Jan Jansen", dt.date(1990, 5, 17), versions), [result], policy)
    assert len(found) == 4 and {e["gevonden_op"] for e in found} == {"naam"}
    assert _inzage(by_bsn("111222333", versions), [result], policy) == []


def test_each_identity_finds_its_own_lines_and_says_so(store, policy, factory, keyring):
    """BSN, name with birth date, name alone: one signal each about Jan Jansen; asked with all
    three, the inzage finds all three, each line saying by which identity."""
    versions = keyring.verantwoording
    by_bsn_signal = _jan(factory, bsn="111222333", geboortedatum="1990-05-17")
    with_birth = _jan(factory, geboortedatum="1990-05-17")
    results = [
        _route(policy, store, doc, "politie", offset=n)
        for n, doc in enumerate((by_bsn_signal, with_birth, _jan(factory)))
    ]
    asked = either(
        by_bsn("111222333", versions), by_name("Jan Jansen", dt.date(1990, 5, 17), versions)
    )
    found = _inzage(asked, results, policy)
    assert {e["event_id"]: e["gevonden_op"] for e in found} == {
        str(by_bsn_signal["envelope"]["event_id"]): "BSN",
        str(with_birth["envelope"]["event_id"]): "naam+geboortedatum",
        str(results[2].claim.key.decode()): "naam",
    }
    # another birth date: not that person, but a namesake by name alone may be
    other = _inzage(by_name("Jan Jansen", dt.date(2001, 1, 1), versions), results, policy)
    assert {e["gevonden_op"] for e in other} == {"naam"}


def test_a_crafted_name_cannot_pass_for_someone_elses_name_and_birth_date(
    store, policy, factory, keyring
):
    """A hostile partner writes the name `Jan|1990-05-17` without a birth date, hoping its line
    lands in the inzage of Jan born 17 May 1990. A name alone is pseudonymised under a key of
    its own (kind naam-alleen), so it never shares an id with a name and birth date."""
    versions = keyring.verantwoording
    crafted = _jan(factory, voornamen=None, achternaam="Jan|1990-05-17")
    result = _route(policy, store, crafted, "politie")
    assert _inzage(by_name("Jan", dt.date(1990, 5, 17), versions), [result], policy) == []


def test_a_referral_naming_its_person_by_name_only_is_found_by_that_name_too(
    store, policy, factory, keyring
):
    """A Verwijzing that names its person by name alone, about a signal that names someone by
    BSN: logged about the signal's person (the first line, as before) and about the name (a
    line of its own). A hostile partner who attaches a reference to someone else's signal
    cannot hide a name-only person from an inzage by name."""
    versions = keyring.verantwoording
    index = EventIndex()
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    signal["slachtoffer"]["bsn"] = "111222333"
    routed = _route(policy, store, signal, "politie", index)
    (victim,) = {e["data_subject_id"] for e in log_entries(routed, policy)}
    referral = in_utrecht(
        factory.follow_up("politie", "Verwijzing", str(signal["envelope"]["event_id"])).document
    )
    referral["slachtoffer"].update(
        bsn=None, voornamen="Piet", achternaam="Pietersen", geboortedatum=None
    )
    referral["minderjarig"] = False
    result = _route(policy, store, referral, "politie", index, 1)
    assert result.deliveries
    lines = log_entries(result, policy)
    assert [e["data_subject_id"] == victim for e in lines] == [True, False]  # one disclosure
    assert {e["data_subject_id_type"] for e in lines} == {"BSN", "naam"}
    (found,) = _inzage(by_name("Piet Pietersen", None, versions), [result], policy)
    assert found["gevonden_op"] == "naam" and found["ontvanger"] == "zorgcoordinatie-utrecht"
    assert len(_inzage(by_bsn("111222333", versions), [result], policy)) == 1
