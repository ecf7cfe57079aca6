"""Red-team attacks on the pure core, each as a hostile partner, a curious recipient (or two
colluding ones) or a careless officer would try it. A test that passes is an attack that the
system now holds against; one marked xfail(strict) is an attack that still works, with the
reason and the proposed fix, for the lead."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest

from pipeline.codec.framing import decode
from pipeline.covenant.checks.checker import warnings
from pipeline.covenant.loader import load_covenants
from pipeline.errors import CovenantError
from pipeline.ops.retention import claims_horizon_ms, duration_ms
from pipeline.privacy.references import parse_reference
from pipeline.registry import load_registry
from pipeline.router.core import route
from pipeline.router.event_index import EventIndex
from pipeline.settings import Settings
from pipeline.statistics.facts import Fact
from pipeline.statistics.release import decide, outputs
from pipeline.statistics.state import FactState, PublicationLedger, Status
from tests.conftest import CONVENANTEN, NOW
from tests.helpers import in_utrecht, inbound, log_entries, reason, run_cli, signal_bytes
from tests.record_batches import RawBatch, RawRecord
from tests.unit.test_covenant_check import _compile, _edit


def _route(policy, store, document, source, now=NOW, offset=0, index=None):
    _, raw = signal_bytes(store, document, source, now)
    result = route(inbound(source, raw, offset=offset), policy, now, index)
    if index is not None and result.claim is not None:
        index.learn_record(result.claim.key, result.claim.value)
    return result


def _views(result, policy) -> list[tuple[str, dict]]:
    """(inbox topic, decoded view) of every delivery, in order (a recipient may get several)."""
    return [(o.topic, decode(o.value, policy.store)[1]) for o in result.deliveries]


def _two_covenants(tmp_path: Path) -> Path:
    """The shipped covenant and a copy under another id (same parties, area and rules): every
    recipient has a linkage domain in each, which the covenants keep apart (doelbinding)."""
    directory = tmp_path / "twee"
    shutil.copytree(CONVENANTEN, directory)
    text = (directory / "midden-nederland.yaml").read_text()
    copy = text.replace("id: midden-nederland", "id: tweede", 1)
    copy = copy.replace("verwerkingen/midden-nederland", "verwerkingen/tweede")  # its own register
    (directory / "tweede.yaml").write_text(copy)
    return directory


# -- Linking one recipient's two linkage domains -------------------------------------------


def test_one_recipients_views_under_two_covenants_share_no_wrapped_data_key(
    tmp_path, store, factory
):
    """Broke before: the batch's data key for `versleuteld` was one per recipient, so the
    zorgcoördinator's midden-nederland and tweede views of one signal carried the same
    HPKE-wrapped key (the third part of ENC2): an exact join key between two domains that
    everything else (references, pseudonyms, trace ids) keeps apart."""
    policy = _compile(_two_covenants(tmp_path), store)
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    signal["slachtoffer"].update(bsn="111222333", geboortedatum="1990-01-01")
    zorg = [
        view
        for topic, view in _views(_route(policy, store, signal, "politie"), policy)
        if topic == "inbox.zorgcoordinatie-utrecht"
    ]
    domains = {parse_reference(v["envelope"]["event_ref"])[1] for v in zorg}
    assert domains == {"midden-nederland/zorgketen", "tweede/zorgketen"}
    wrapped = {v["slachtoffer"]["bsn"].split(".")[2] for v in zorg}
    assert len(wrapped) == 2, "one wrapped data key in two linkage domains joins them"


# -- Age at the event: the Dutch day, not the UTC one ----------------------------------------


def test_at_half_past_midnight_on_the_18th_birthday_the_victim_is_an_adult(store, policy, factory):
    """Broke before: the router judged `minderjarig` on the UTC date of the event. At 00:30
    Dutch time on an 18th birthday (22:30 UTC the day before) it counted the victim as 17, so
    Veilig Thuis (rule R7: minors only, Wmo 2015) received an adult's name and birth date, and
    the gemeente's age band said 16-17, while the view's own day (Dutch time) said the 18th
    birthday. A child born that Dutch day was refused as born after the event."""
    now = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    signal["envelope"]["occurred_at"] = "2026-06-14T22:30:00+00:00"  # 00:30 on 15 June, CEST
    signal["envelope"]["recorded_at"] = "2026-06-15T08:00:00+00:00"
    signal["slachtoffer"]["geboortedatum"] = "2008-06-15"
    signal.pop("minderjarig", None)
    result = _route(policy, store, signal, "politie", now)
    views = dict(_views(result, policy))
    assert "inbox.veilig-thuis-utrecht" not in views
    assert views["inbox.om"]["minderjarig"] is False
    assert views["inbox.gemeente-utrecht"]["slachtoffer"]["geboortedatum"] == "18-22"
    assert views["inbox.om"]["envelope"]["occurred_at"] == dt.date(2026, 6, 15)
    newborn = in_utrecht(factory.make("politie", "Signaal").document)
    newborn["envelope"]["occurred_at"] = "2026-06-14T22:30:00+00:00"
    newborn["envelope"]["recorded_at"] = "2026-06-15T08:00:00+00:00"
    newborn["slachtoffer"]["geboortedatum"] = "2026-06-15"
    newborn.pop("minderjarig", None)
    assert _route(policy, store, newborn, "politie", now, offset=1).dead_letter is None


# -- Statistics: a covenant that regroups its tables -----------------------------------------


def test_regrouped_statistics_tables_neither_misread_counts_nor_block_a_correction(
    covenant_dir, store
):
    """Broke before: a rule's definition (the digest facts and versions are bound to) left out
    its tables. Regrouping [uitbuitingsvorm, geslacht] + [leeftijdscategorie] into
    [uitbuitingsvorm, leeftijdscategorie] + [geslacht] kept the definition but changed the order
    of a fact's values: earlier facts were read with geslacht as age band. And a late signal for
    the published period raised ValueError in decide() (an earlier version's shown cells are no
    cells of the new tables): the correction could never be published."""
    before = _compile(covenant_dir, store).statistics[0]
    cells = {
        ("ARBEID", "VROUW", "23-29"): 20,
        ("ARBEID", "MAN", "23-29"): 20,
        ("SEKSUEEL", "VROUW", "23-29"): 20,
        ("SEKSUEEL", "MAN", "23-29"): 20,
    }
    facts, ledger = FactState(), PublicationLedger()
    n = 0
    for values, count in cells.items():
        for _ in range(count):
            fact = Fact(before.key, "2026-K2", f"e{n}", before.definition, values, 0)
            facts.learn(fact.key, fact.to_record().value)
            n += 1
    first = decide(before, "2026-K2", facts, ledger, True, False, NOW)
    assert first is not None and first["status"] == Status.DEFINITIEF
    policy = _compile(covenant_dir, store)
    ledger.learn_claim(outputs(first, policy.store).claim.value)
    ledger.learn(outputs(first, policy.store).done.value)

    _edit(
        covenant_dir,
        "      - [uitbuitingsvorm, geslacht]\n      - [leeftijdscategorie]",
        "      - [uitbuitingsvorm, leeftijdscategorie]\n      - [geslacht]",
    )
    after = _compile(covenant_dir, store).statistics[0]
    assert after.dimensions != before.dimensions
    assert after.definition != before.definition  # facts in the old order are not read anew
    late = Fact(after.key, "2026-K2", "late", after.definition, ("ARBEID", "23-29", "VROUW"), 0)
    facts.learn(late.key, late.to_record().value)
    correction = decide(after, "2026-K2", facts, ledger, True, False, NOW)  # no ValueError
    assert correction is not None and correction["status"] == Status.CORRECTIE
    assert correction["buiten_telling"] == 80  # the earlier facts, said so, not misplaced
    assert all(c["aantal"] is None or c["aantal"] >= 10 for c in correction["cellen"])


# -- References across covenants --------------------------------------------------------------


def test_a_reference_from_one_covenant_is_not_translated_into_another(tmp_path, store, factory):
    """Broke before: a reference (EV1) comensha received under covenant 'tweede' was translated
    into the references of midden-nederland's recipients: the router checked only that the
    publisher receives in the reference's domain, under any covenant. What one covenant
    disclosed became a link in another covenant's domains. Now a record that refers with a
    received reference is disclosed under that reference's covenant only, and the log says
    why the others were withheld."""
    policy = _compile(_two_covenants(tmp_path), store)
    index = EventIndex()
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    first = _views(_route(policy, store, signal, "politie", index=index), policy)
    (tweede_ref,) = [
        v["envelope"]["event_ref"]
        for topic, v in first
        if topic == "inbox.comensha" and "tweede/" in v["envelope"]["event_ref"]
    ]
    zorg_refs = {
        parse_reference(v["envelope"]["event_ref"])[1]: v["envelope"]["event_ref"]
        for topic, v in first
        if topic == "inbox.zorgcoordinatie-utrecht"
    }
    referral = in_utrecht(factory.follow_up("comensha", "Verwijzing", tweede_ref).document)
    result = _route(policy, store, referral, "comensha", offset=1, index=index)
    views = _views(result, policy)
    domains = {parse_reference(v["envelope"]["event_ref"])[1].split("/")[0] for _, v in views}
    assert domains == {"tweede"}
    assert [v["signaal_ref"] for _, v in views if _ == "inbox.zorgcoordinatie-utrecht"] == [
        zorg_refs["tweede/zorgketen"]
    ]
    withheld = [e for e in log_entries(result, policy) if e["outcome"] == "WITHHELD"]
    assert withheld and {e["reason"] for e in withheld} == {"reference_of_other_covenant"}
    # Its own event id binds to no covenant: comensha's own signal is its own to refer to.
    own = in_utrecht(factory.make("comensha", "Signaal").document)
    _route(policy, store, own, "comensha", offset=2, index=index)
    again = factory.follow_up("comensha", "Verwijzing", own["envelope"]["event_id"])
    result = _route(policy, store, in_utrecht(again.document), "comensha", offset=3, index=index)
    assert "midden-nederland" in {
        parse_reference(v["envelope"]["event_ref"])[1].split("/")[0]
        for _, v in _views(result, policy)
    }


# -- The disclosure log: a follow-up is about the person of the event it refers to -----------


def test_inzage_finds_a_status_update_about_the_signal_of_that_person(covenant_dir, store, factory):
    """Broke before: a Statusupdate carries no slachtoffer, so its log line had no
    data_subject_id, and `verantwoording inzage --bsn` missed that the OM was told the signal
    about that person is now AANGIFTE (criminal data, AVG art. 10; art. 15 asks for it). Now
    the event-id claim keeps the log's subject ids, and a record without a person of its own is
    logged as about the people of the events it refers to."""
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(
        path.read_text()
        + """
  - id: R8
    artikel: "4.2"
    omschrijving: Het OM hoort hoe het met een signaal van de politie verder gaat.
    bronnen: [politie]
    signaaltype: Statusupdate
    ontvangers: [om]
    doel: opsporing
    grondslag: wjsg
    bewaartermijn: P5Y
    ook_zonder_locatie: true
    velden:
      ref_id: doorgeven
      status: doorgeven
"""
    )
    policy = _compile(covenant_dir, store)
    index = EventIndex()
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    signal["slachtoffer"]["bsn"] = "111222333"
    routed = _route(policy, store, signal, "politie", index=index)
    (subject,) = {e["data_subject_id"] for e in log_entries(routed, policy)}
    update = factory.follow_up("politie", "Statusupdate", signal["envelope"]["event_id"])
    update.document["status"] = "AANGIFTE"
    result = _route(policy, store, update.document, "politie", offset=1, index=index)
    assert [t for t, _ in _views(result, policy)] == ["inbox.om"]
    assert {e["data_subject_id"] for e in log_entries(result, policy)} == {subject}


# -- Follow-ups after the covenant binding and the subjects of referred events --------------


def _comensha_controls(directory: Path) -> Path:
    """Let comensha publish Controles too (R5), so one record can link references it received
    under both covenants (every covenant of ``directory``)."""
    for path in directory.glob("*.yaml"):
        text = path.read_text()
        marker = "    bronnen: [nla]\n    signaaltype: Controle\n"
        if marker in text:
            path.write_text(text.replace(marker, marker.replace("[nla]", "[nla, comensha]")))
    return directory


def _received_by_comensha(policy, store, factory, index, offset, bsn):
    """A politie Signaal about ``bsn``; comensha's references to it, by covenant."""
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    signal["slachtoffer"]["bsn"] = bsn
    routed = _route(policy, store, signal, "politie", offset=offset, index=index)
    refs = {
        parse_reference(v["envelope"]["event_ref"])[1].split("/")[0]: v["envelope"]["event_ref"]
        for topic, v in _views(routed, policy)
        if topic == "inbox.comensha"
    }
    return refs, {e["data_subject_id"] for e in log_entries(routed, policy)}


def _without_person(document: dict) -> dict:
    # no BSN, birth date or name: it names nobody (a name alone would be a person of its own)
    document["slachtoffer"].update(bsn=None, geboortedatum=None, voornamen=None, achternaam=None)
    document["minderjarig"] = False
    return document


def test_a_controle_mixing_references_of_two_covenants_or_an_own_id_is_bound_to_both(
    tmp_path, store, factory
):
    """Held: a Controle linking comensha's 'tweede' and midden-nederland references of two
    signals could go to nobody: it is a dead letter that says so (naming the covenants, not
    the references); one linking an own event id and a 'tweede' reference goes out under
    'tweede' only. Nothing of midden-nederland's domains reaches 'tweede'."""
    policy = _compile(_comensha_controls(_two_covenants(tmp_path)), store)
    index = EventIndex()
    first, one = _received_by_comensha(policy, store, factory, index, 0, "111222333")
    second, other = _received_by_comensha(policy, store, factory, index, 1, "123456782")
    mixed = in_utrecht(factory.make("comensha", "Controle").document)
    mixed["gekoppelde_signalen"] = [first["tweede"], second["midden-nederland"]]
    result = _route(policy, store, mixed, "comensha", offset=2, index=index)
    assert reason(result) == "references_across_covenants" and result.deliveries == ()
    detail = dict(result.dead_letter.headers)["ketenstroom-detail"].decode()
    assert "midden-nederland, tweede" in detail
    assert all(r not in detail for r in (first["tweede"], second["midden-nederland"]))
    assert one and other and one != other
    own = in_utrecht(factory.make("comensha", "Signaal").document)
    _route(policy, store, own, "comensha", offset=3, index=index)
    half = in_utrecht(factory.make("comensha", "Controle").document)
    half["gekoppelde_signalen"] = [str(own["envelope"]["event_id"]), first["tweede"]]
    result = _route(policy, store, half, "comensha", offset=4, index=index)
    domains = {parse_reference(v["envelope"]["event_ref"])[1] for _, v in _views(result, policy)}
    assert domains and {d.split("/")[0] for d in domains} == {"tweede"}


def test_a_follow_up_of_a_follow_up_is_about_the_first_person_and_routed_the_same_again(
    tmp_path, store, factory
):
    """Held: comensha's Verwijzing S1 (no person of its own) refers with a 'tweede' reference;
    its Verwijzing S2 refers to S1 by its own event id. S2 is logged about the politie
    signal's victim (the subject propagates along the chain), and a redelivery of S2 gives the
    same views and log lines byte for byte. S2 is comensha's own record and goes out under
    both covenants (its own event id binds to none), but what midden-nederland's recipients
    get points to S1, never to the politie event that only 'tweede' let comensha refer to."""
    policy = _compile(_two_covenants(tmp_path), store)
    index = EventIndex()
    refs, victim = _received_by_comensha(policy, store, factory, index, 0, "111222333")
    s1 = _without_person(factory.follow_up("comensha", "Verwijzing", refs["tweede"]).document)
    routed = _route(policy, store, in_utrecht(s1), "comensha", offset=1, index=index)
    (zorg_tweede_e,) = [v["signaal_ref"] for _, v in _views(routed, policy)]
    s1_id = str(s1["envelope"]["event_id"])
    s2 = _without_person(factory.follow_up("comensha", "Verwijzing", s1_id).document)
    _, raw = signal_bytes(store, in_utrecht(s2), "comensha", NOW)
    result = route(inbound("comensha", raw, offset=2), policy, NOW, index)
    assert {e["data_subject_id"] for e in log_entries(result, policy)} == victim
    again = route(inbound("comensha", raw, offset=2), policy, NOW, index)
    assert (again.deliveries, again.log, again.claim) == (
        result.deliveries,
        result.log,
        result.claim,
    )
    views = _views(result, policy)
    assert {parse_reference(v["envelope"]["event_ref"])[1] for _, v in views} == {
        "midden-nederland/zorgketen",
        "tweede/zorgketen",
    }
    for _, view in views:
        assert (
            parse_reference(view["signaal_ref"])[1]
            == parse_reference(view["envelope"]["event_ref"])[1]
        )
        assert view["signaal_ref"] != zorg_tweede_e


def test_a_follow_up_after_the_event_id_horizon_is_still_about_the_person(store, policy, factory):
    """Broke before: a follow-up's people come from the referred events' claims, which the
    index forgot after the event-id horizon (90 days): a Verwijzing months later (a case runs
    for months) was disclosed and logged without a data subject, so `verantwoording inzage`
    missed it. Now claims are remembered (and kept on their topic) as long as the disclosure
    log keeps the rules' lines (ops.retention.claims_horizon_ms; the worker sets it)."""
    clock = [NOW.timestamp()]
    ms = claims_horizon_ms(policy.register.values(), Settings().event_id_horizon_ms)
    assert ms >= duration_ms("P5Y")  # the longest bewaartermijn of the example covenant
    index = EventIndex(horizon=dt.timedelta(milliseconds=ms), clock=lambda: clock[0])
    refs, victim = _received_by_comensha(policy, store, factory, index, 0, "111222333")
    clock[0] += dt.timedelta(days=91).total_seconds()  # the case goes on past the horizon
    referral = factory.follow_up("comensha", "Verwijzing", refs["midden-nederland"])
    result = _route(
        policy,
        store,
        _without_person(in_utrecht(referral.document)),
        "comensha",
        offset=1,
        index=index,
    )
    assert result.deliveries, "the referral itself is disclosed"
    assert {e["data_subject_id"] for e in log_entries(result, policy)} == victim


def test_the_people_a_record_is_logged_about_are_bounded(store, policy, factory):
    """Broke before: nothing bounded how many people one record is logged about. A Controle
    takes the people of every event it links, and those of a linked Controle with them, so a
    fan-in of fan-ins grew the claim (~61 bytes per person) and the log lines (one per person
    per disclosure) without limit: with ~17,000 fabricated signals a claim passed Kafka's
    1 MB limit, could never be written, and the partition stalled. Now a record about more
    than MAX_SUBJECTS people is a dead letter that says to split it."""
    from pipeline.router.core import MAX_SUBJECTS
    from tests.helpers import _with_check_digit

    index = EventIndex()
    controles, linked, first8 = [], [], 10_000_000
    per_controle = MAX_SUBJECTS // 2 + 10
    while len(controles) < 2:
        first8 += 1
        bsn = _with_check_digit(first8)
        if not bsn:
            continue
        signal = in_utrecht(factory.make("nla", "Signaal").document)
        signal["slachtoffer"]["bsn"] = bsn
        _route(policy, store, signal, "nla", offset=first8, index=index)
        linked.append(str(signal["envelope"]["event_id"]))
        if len(linked) == per_controle:
            controle = in_utrecht(factory.make("nla", "Controle").document)
            controle["gekoppelde_signalen"], linked = linked, []
            routed = _route(policy, store, controle, "nla", offset=first8 + 1, index=index)
            assert routed.dead_letter is None and len(log_entries(routed, policy)) > per_controle
            controles.append(str(controle["envelope"]["event_id"]))
    fan_in = in_utrecht(factory.make("nla", "Controle").document)
    fan_in["gekoppelde_signalen"] = controles
    result = _route(policy, store, fan_in, "nla", offset=1, index=index)
    assert reason(result) == "too_many_subjects" and result.claim is None
    detail = dict(result.dead_letter.headers)["ketenstroom-detail"].decode()
    assert f"{2 * per_controle} people" in detail


# -- Inference: a condition that names an identifier ----------------------------------------


def test_a_condition_may_not_name_the_identifier_the_rule_pseudonymises(covenant_dir, store):
    """Broke before: `convenant check` accepted a rule whose condition tests an identifier for
    equality (slachtoffer.bsn is 111222333) while the rule gives that field only as a
    reversible pseudonym: every view the gemeente receives then says whose pseudonym it holds,
    a re-identification without a signed request (and of every other view with it). A
    condition's field was counted only for the legal basis."""
    _edit(
        covenant_dir,
        "      - veld: slachtoffer.adres.gemeentecode\n        is: GM0344\n",
        "      - veld: slachtoffer.adres.gemeentecode\n        is: GM0344\n"
        '      - veld: slachtoffer.bsn\n        is: "111222333"\n',
    )
    found = warnings(load_covenants(covenant_dir), load_registry(covenant_dir))
    try:
        _compile(covenant_dir, store)
    except CovenantError as refused:
        found += refused.problems
    (problem,) = [p for p in found if "slachtoffer.bsn" in p]
    assert "doorgeven" in problem and "R3" in problem


# -- Held: kept as regressions ---------------------------------------------------------------


@pytest.mark.parametrize("code", ["", "gm0344", " GM0344", "GM0344 ", "GM9999", "GM0758"])
def test_a_malformed_or_foreign_municipality_never_falls_back_to_the_police_unit(
    store, policy, factory, code
):
    """Held: a municipality code the area does not list (lower case, padded, unknown, Breda)
    decides on its own; the police unit MIDDEN_NEDERLAND does not pull the signal into the
    area, and no regional party receives it."""
    signal = factory.make("politie", "Signaal").document
    signal["slachtoffer"]["adres"]["gemeentecode"] = code
    signal["politie_eenheid"] = "MIDDEN_NEDERLAND"
    result = _route(policy, store, signal, "politie")
    assert result.dead_letter is None
    assert result.deliveries == ()


def test_a_controle_may_link_only_signals_its_publisher_could_refer_to(store, policy, factory):
    """Held: a Controle's gekoppelde_signalen is checked element by element; one element that
    is another party's reference (or another publisher's event id) makes it a dead letter,
    without echoing the value; the NLA's own event ids pass."""
    index = EventIndex()
    own = in_utrecht(factory.make("nla", "Signaal").document)
    _route(policy, store, own, "nla", index=index)
    theirs = in_utrecht(factory.make("politie", "Signaal").document)
    views = dict(_views(_route(policy, store, theirs, "politie", offset=1, index=index), policy))
    comensha_ref = views["inbox.comensha"]["envelope"]["event_ref"]
    for offset, linked in enumerate(
        (
            [str(own["envelope"]["event_id"]), comensha_ref],
            [str(theirs["envelope"]["event_id"])],
        ),
        start=2,
    ):
        controle = in_utrecht(factory.make("nla", "Controle").document)
        controle["gekoppelde_signalen"] = linked
        result = _route(policy, store, controle, "nla", offset=offset, index=index)
        assert reason(result) == "unknown_reference"
        shown = b"".join(value for _, value in result.dead_letter.headers)
        assert all(v.encode() not in shown for v in linked)
    controle = in_utrecht(factory.make("nla", "Controle").document)
    controle["gekoppelde_signalen"] = [str(own["envelope"]["event_id"])]
    assert _route(policy, store, controle, "nla", offset=9, index=index).dead_letter is None


# -- Robustness: a record that vanishes ------------------------------------------------------


#: Batch attributes: bit 4 transactional, bit 5 control (Kafka's message format v2).
TRANSACTIONAL, CONTROL = 0x10, 0x20


def test_a_batch_flagged_control_that_holds_signals_is_a_dead_letter_not_skipped():
    """Broke before: the fetch guard skipped every control batch, as aiokafka does for
    transaction markers. The flag is one bit of the batch attributes that a raw producer sets:
    a "control" batch of signals vanished, with no view, log line or dead letter (the embedded
    broker stores it; Apache Kafka refuses control batches from clients). Genuine commit and
    abort markers are still skipped."""
    from tests.unit.test_fetch_guard import _ok, _read

    hidden = RawBatch(
        [RawRecord(b"k1", b"\xc3\x01 a signal"), RawRecord(b"k2", b"\xc3\x01 another")],
        base_offset=1,
        codec=TRANSACTIONAL | CONTROL,
    )
    records, unreadable = _read([_ok(0, b"a"), hidden, _ok(3, b"b")])
    assert [(r.offset, r.key) for r in records] == [(0, b"a"), (1, None), (3, b"b")]
    ((position, marker),) = unreadable.items()
    assert position[2] == 1 and (marker.first, marker.last) == (1, 2)

    commit = RawRecord(b"\x00\x00\x00\x01", b"\x00\x00\x00\x00\x00\x00")
    marker_batch = RawBatch([commit], base_offset=1, codec=TRANSACTIONAL | CONTROL)
    records, unreadable = _read([_ok(0, b"a"), marker_batch, _ok(2, b"b")])
    assert [(r.offset, r.key) for r in records] == [(0, b"a"), (2, b"b")] and not unreadable


# -- Time: what the source claims about when --------------------------------------------------


@pytest.mark.parametrize(
    "recorded",
    [dt.datetime(2030, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)],
)
def test_a_recording_time_in_the_future_is_an_invalid_record(store, policy, factory, recorded):
    """Broke before: only occurred_at was checked against the clock. A recorded_at in 2030 was
    disclosed as the day of recording to every recipient; one in the last hour of year 9999
    overflowed turning it into a Dutch day and became `internal_error` (an internal fault, in
    metrics and log) instead of the partner's invalid input."""
    from pipeline.codec.framing import encode
    from pipeline.signals.prepare import prepare

    document = in_utrecht(factory.make("politie", "Signaal").document)
    entry, datum = prepare(document, "politie", store, NOW)
    datum["envelope"]["recorded_at"] = recorded
    result = route(inbound("politie", encode(entry, datum)), policy, NOW)
    assert reason(result) == "invalid_record"


# -- The merged system (issues 25-31): where features meet ----------------------------------


def test_two_rules_never_share_a_processing_activity_id(tmp_path, store):
    """Broke before: a processing-activity id is the covenant's `verwerkingsregister`, the rule
    id and the `versie`. A second region that copied the first's covenant as its template (and
    kept its `verwerkingsregister`), or a rule named `herleiding` beside the covenant's
    herleiders, gave one id two meanings; `check` said "in orde", and the register kept only
    the last entry: every log line of the other rule then read in inzage and overzicht as that
    entry (another covenant's fields and legal basis, or a re-identification with no fields)."""
    copied = _two_covenants(tmp_path)
    text = (copied / "midden-nederland.yaml").read_text()
    template = text.replace("id: midden-nederland", "id: tweede", 1)  # its register kept
    (copied / "tweede.yaml").write_text(template)
    problems = _problems_of(copied, store)
    taken = [p for p in problems if "/verwerkingen/midden-nederland/R4/2025.1" in p]
    assert len(taken) == 1 and "tweede" in taken[0] and "verwerkingsregister" in taken[0]
    # with a register of its own (as _two_covenants makes it), the copy compiles
    (copied / "tweede.yaml").write_text(template.replace("verwerkingen/midden-", "verwerkingen/"))
    policy = _compile(copied, store)
    assert policy.register[
        "https://register.ketenstroom.example/verwerkingen/midden-nederland/R4/2025.1"
    ].record["convenant_id"] == "midden-nederland"

    renamed = tmp_path / "herleiding"
    shutil.copytree(CONVENANTEN, renamed)
    _edit(renamed, "  - id: R4\n", "  - id: herleiding\n")
    (problem,) = [p for p in _problems_of(renamed, store) if "/herleiding/2025.1" in p]
    assert "herleiding" in problem.split("2025.1", 1)[1] and "midden-nederland.yaml:2" in problem


def _problems_of(directory: Path, store) -> list[str]:
    with pytest.raises(CovenantError) as refused:
        _compile(directory, store)
    return refused.value.problems


#: Changes under a used `versie` that no register entry shows (issue 25 refuses them at publish).
UNREGISTERED_EDITS = {
    "validity": ("tot: 2030-03-01", "tot: 2040-03-01"),
    "herleider": ("publieke_sleutel: 6y6Xl", "publieke_sleutel: AAAXl"),
    "ook_zonder_locatie": ("    velden:\n", "    ook_zonder_locatie: true\n    velden:\n"),
}


@pytest.mark.parametrize("edit", sorted(UNREGISTERED_EDITS))
def test_a_worker_refuses_a_changed_text_under_a_used_versie_that_no_register_entry_shows(
    edit, policy, registry, store, keyring
):
    """Broke before: a worker judged a bundle against the register and the schemas only, so a
    bundle that the officer's key signed by hand (bypassing `publish`, which refuses it) and
    that changed a published version's validity, herleiders or `ook_zonder_locatie` under the
    same `versie` was adopted: the same processing activities then disclosed more (signals
    without a location), for longer, or let another key re-identify. Refused now, running and
    at start (where the older bundle with that text stays in force), and so are files on disk."""
    from pipeline.codec.schema_store import SchemaStore
    from pipeline.publication.adoption import PolicyHolder
    from pipeline.publication.bundle import Bundle
    from pipeline.publication.precedent import Precedent
    from tests.unit.test_evidence import OFFICER, PROD, TEXT, TRUSTED

    old, new = UNREGISTERED_EDITS[edit]
    changed = TEXT.replace(old, new, 1)
    assert changed != TEXT
    first = OFFICER.sign(Bundle({"m.yaml": TEXT}, "2026-01-01", 2, PROD).to_bytes())
    second = OFFICER.sign(Bundle({"m.yaml": changed}, "2026-01-02", 3, PROD).to_bytes())

    def holder() -> PolicyHolder:
        precedent = Precedent(dict(policy.register), SchemaStore(policy.store))
        return PolicyHolder(
            policy, registry, store, keyring, TRUSTED, installation=PROD, precedent=precedent
        )

    running = holder()
    assert running.apply(first).outcome == "adopted"
    refused = running.apply(second)
    assert refused.outcome == "refused" and "2025.1" in refused.reason
    assert running.version == 2
    starting = holder()
    (reported,) = starting.start([first, second])
    assert starting.version == 2 and reported.outcome == "refused" and reported.version == 3
    # a worker started from such files (no bundle in force) refuses them too
    on_disk = holder()
    on_disk.start([first])
    on_disk.disk = tuple(c.model for c in Bundle({"m.yaml": changed}, "x", 1, PROD).covenants())
    assert on_disk.refuse_disk()


#: R3 gives gemeente-utrecht the BSN in the clear instead of a reversible pseudonym (a widening).
WIDENING = (
    "      slachtoffer.bsn: pseudoniem-herleidbaar   # koppelen",
    "      slachtoffer.bsn: doorgeven   # koppelen",
)


def _describe_r3(directory: Path, quoted: str) -> int:
    """Give rule R3 the description ``quoted`` (a YAML double-quoted text); its line."""
    path = directory / "midden-nederland.yaml"
    text = path.read_text()
    start = text.index("    omschrijving: >\n      De gemeente Utrecht")
    end = text.index("    bronnen:", start)
    path.write_text(f"{text[:start]}    omschrijving: {quoted}\n{text[end:]}")
    return text[:start].count("\n") + 1


@pytest.mark.parametrize(
    "hidden",
    [
        "\\e[8A\\e[J",  # cursor up eight lines, erase to the end: the summary is gone
        "\\r\\e[2K",  # back to the start of the line and erase it
        "\\u202e",  # right-to-left override: what follows reads reversed
        "\\x9b2J",  # the one-byte form of an escape sequence (C1 CSI)
    ],
)
def test_a_covenant_text_cannot_hide_a_widening_on_the_officers_terminal(tmp_path, hidden):
    """Broke before: a covenant's texts reached the terminal as written, escape sequences
    included (YAML writes ESC as "\\e"). A rule description of the new version that moved the
    cursor up and erased the screen wiped "minder beschermd" from `convenant diff` (and from
    `check`, `analyse`, `explain`) on the terminal of whoever read it, and raw in the Markdown
    memo. A hidden character is a check error now, at its line, so no tool shows such a text."""
    before, after = tmp_path / "voor", tmp_path / "na"
    shutil.copytree(CONVENANTEN, before)
    shutil.copytree(CONVENANTEN, after)
    _edit(after, *WIDENING)
    line = _describe_r3(after, '"Geen identiteit, zoals altijd.' + hidden + 'Geen wijziging."')
    for command in (("check", str(after)), ("diff", str(before), str(after))):
        done = run_cli("convenant", *command, env={"KETENSTROOM_TAAL": "nl"})
        assert done.returncode == 1, done.stdout
        shown = done.stdout + done.stderr
        assert f"midden-nederland.yaml:{line}:" in shown and "onzichtbaar teken (U+" in shown
        assert not any(ch in shown for ch in "\x1b\r\u202e\x9b")


def test_the_markdown_memo_shows_a_widening_whatever_the_covenant_texts_say(tmp_path):
    """Broke before: the Markdown memo (`convenant diff --format markdown`, the one an FG of a
    partner attaches and reads rendered) carried the covenants' texts as Markdown. A `versie`
    of `2025.2 <!--` opened an HTML comment that hid the whole memo after it, the summary
    "minder beschermd" included, until a `-->` in a later description brought back what the
    author chose; a description could also add headings, links and lists of its own. Every text
    is escaped now, and renders (markdown-it, CommonMark) as exactly what it says."""
    from markdown_it import MarkdownIt

    before, after = tmp_path / "voor", tmp_path / "na"
    shutil.copytree(CONVENANTEN, before)
    shutil.copytree(CONVENANTEN, after)
    _edit(after, *WIDENING)
    _edit(after, 'versie: "2025.1"', 'versie: "2025.2 <!--"')
    _describe_r3(after, '"--> \\n\\n# Geen wijzigingen\\n\\n[Akkoord](https://example.test/) *niets* |"')
    memo = tmp_path / "notitie.md"
    done = run_cli(
        "convenant", "diff", str(before), str(after), "--format", "markdown", "--uit", str(memo),
        env={"KETENSTROOM_TAAL": "nl"},
    )
    assert done.returncode == 0, done.stderr
    rendered = MarkdownIt("commonmark").render(memo.read_text())
    assert "<!--" not in rendered and "<a " not in rendered and "<em>" not in rendered
    assert rendered.count("<h1>") == 1  # the memo's title only
    visible = re.sub(r"<[^>]+>", "", rendered)
    assert "minder beschermd" in visible and "pseudoniem-herleidbaar → doorgeven" in visible
    assert "2025.2 <!--" in html.unescape(visible) and "[Akkoord](https://example.test/)" in visible


def test_the_overlap_of_an_area_of_police_units_and_one_of_municipalities_is_named(
    tmp_path, store, factory
):
    """Broke before: Midden-Nederland by its police unit alone, and a Rotterdam covenant by
    GM0599. A Rotterdam victim met by the Utrecht police (gemeentecode GM0599, politie_eenheid
    MIDDEN_NEDERLAND) lies in both, and comensha got a view under each; but `check` said the
    areas overlap "in het hele land" and `analyse` "in " (nothing): the overlap was computed
    as if a police unit only ever recorded signals of its own municipalities."""
    from pipeline.covenant.scope import Area, overlap_of

    directory = tmp_path / "gebieden"
    shutil.copytree(CONVENANTEN, directory)
    _edit(directory, "    gemeenten: [GM0307", "    onbekend: [GM0307")
    text = (directory / "midden-nederland.yaml").read_text()
    start = text.index("    onbekend: [GM0307")
    end = text.index("    politie_eenheden:", start)
    (directory / "midden-nederland.yaml").write_text(text[:start] + text[end:])
    (directory / "rotterdam.yaml").write_text(ROTTERDAM)
    policy = _compile(directory, store)
    signal = factory.make("politie", "Signaal").document
    signal["slachtoffer"]["adres"]["gemeentecode"] = "GM0599"
    signal["politie_eenheid"] = "MIDDEN_NEDERLAND"
    to_comensha = [t for t, _ in _views(_route(policy, store, signal, "politie"), policy)]
    assert to_comensha.count("inbox.comensha") == 2  # under each covenant: the overlap is real

    units = Area(frozenset(), frozenset({"MIDDEN_NEDERLAND"}))
    places = Area(frozenset({"GM0599"}), frozenset())
    assert overlap_of(units, places).municipalities == {"GM0599"}
    assert overlap_of(places, units).municipalities == {"GM0599"}
    found = warnings(load_covenants(directory), load_registry(directory))
    (warning,) = [w for w in found if "midden-nederland" in w and "rotterdam (" in w]
    assert "GM0599 Rotterdam" in warning and "whole country" not in warning
    done = run_cli("convenant", "analyse", str(directory), env={"KETENSTROOM_TAAL": "nl"})
    assert "overlap midden-nederland en rotterdam in GM0599 Rotterdam" in done.stdout, done.stdout


#: A covenant for Rotterdam that gives comensha the victim's BSN as a pseudonym only, and says
#: that comensha may re-identify it through Midden-Nederland (which gives it names).
ROTTERDAM = """\
convenant:
  id: rotterdam
  titel: Convenant Rotterdam
  versie: "1"
  geldig:
    van: 2025-03-01
  werkgebied:
    gemeenten: [GM0599]
  partijen: [politie, comensha]
  doelen:
    registratie: Registratie van mogelijke slachtoffers
  herleidbaar_via:
    - ontvanger: comensha
      convenant: midden-nederland
      reden: CoMensha krijgt onder Midden-Nederland de naam; zo bedoeld voor de registratie
  grondslagen:
    wpg-16:
      omschrijving: Wet politiegegevens, artikel 16
      staat_toe: [bijzonder, strafrechtelijk]
      kader: wpg
regels:
  - id: RR1
    bronnen: [politie]
    signaaltype: Signaal
    ontvangers: [comensha]
    doel: registratie
    grondslag: wpg-16
    bewaartermijn: P1Y
    velden:
      uitbuitingsvorm: doorgeven
      slachtoffer.bsn: pseudoniem
"""


def test_a_covenant_file_of_aliases_of_aliases_is_refused_before_anything_reads_it(tmp_path):
    """Broke before: YAML lets a value repeat another (`&a` ... `*a`), and a repetition of
    repetitions: nine short lines are a billion values. `convenant check` (and diff, analyse,
    the live page, a worker reading a bundle) printed the offending value in its message and
    ran out of time and memory (a 9-level file: no answer within 120 s, gigabytes). A file
    with an alias is refused at the anchor now, before any tool walks or prints its values.
    Here with three levels (a thousand values), so that the old code answers too."""
    directory = tmp_path / "ankers"
    shutil.copytree(CONVENANTEN, directory)
    lines = ['  a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level, previous in zip("bc", "ab", strict=True):
        lines.append(f"  {level}: &{level} [{', '.join([f'*{previous}'] * 10)}]")
    text = (directory / "midden-nederland.yaml").read_text()
    anchors = "convenant:\n  ankers:\n" + "\n".join(f"  {line}" for line in lines) + "\n"
    bomb = text.replace("convenant:\n", anchors, 1)
    bomb = re.sub(r"(?m)^  titel: .*$", "  titel: *c", bomb, count=1)  # a value that is printed
    (directory / "midden-nederland.yaml").write_text(bomb)
    done = run_cli("convenant", "check", str(directory), env={"KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 1
    assert "midden-nederland.yaml:" in done.stderr and "anker (`&naam`)" in done.stderr
    assert "'x', 'x'" not in done.stderr and len(done.stderr) < 5000


def test_a_withdrawn_name_beside_a_kept_pseudonym_is_said_to_stay_recognisable(covenant_dir):
    """Works: version 1 gives comensha the victim's name and a pseudonym of the BSN (R4), the
    new version withdraws the name and keeps the pseudonym. The memo says "niet meer gedeeld:
    slachtoffer.voornamen, slachtoffer.achternaam", and the FG signs a narrowing; but the
    pseudonym is the same in both versions (one domain per covenant), so comensha names every
    later signal about anyone it received under version 1, from the table it built then."""
    from pipeline.language import Language, speaking
    from pipeline.officer.comparison.engine import compare
    from pipeline.officer.document import to_markdown
    from pipeline.officer.memo.content import build_memo
    from pipeline.officer.memo.render import memo_document
    from tests.helpers import covenant_facts

    both = "      slachtoffer.achternaam: doorgeven\n      slachtoffer.bsn: pseudoniem\n"
    head, r4, rest = (covenant_dir / "midden-nederland.yaml").read_text().partition("  - id: R4\n")
    rest = rest.replace("      slachtoffer.achternaam: doorgeven\n", both, 1)
    (covenant_dir / "midden-nederland.yaml").write_text(head + r4 + rest)
    before = covenant_facts(covenant_dir)
    after_dir = covenant_dir.parent / "na"
    shutil.copytree(covenant_dir, after_dir)
    _edit(after_dir, 'versie: "2025.1"', 'versie: "2025.2"')
    text = (after_dir / "midden-nederland.yaml").read_text()
    head, r4, rest = text.partition("  - id: R4\n")
    rest = rest.replace("      slachtoffer.voornamen: doorgeven\n", "", 1)
    rest = rest.replace("      slachtoffer.achternaam: doorgeven\n", "", 1)
    (after_dir / "midden-nederland.yaml").write_text(head + r4 + rest)
    after = covenant_facts(after_dir)
    with speaking(Language.NL):
        memo = build_memo(compare(before, after), before, after, "2025.1", "2025.2", NOW.date())
        said = to_markdown(memo_document(memo))
    assert "slachtoffer.voornamen" in said  # the withdrawal itself is in the memo
    # ... and that it does not hold for whom comensha saw before, with the way out
    assert "blijft herkenbaar: Signaal" in said
    assert "slachtoffer.bsn als pseudoniem" in said and "koppeldomein met een nieuwe naam" in said


def test_a_withdrawn_name_in_a_new_linkage_domain_is_not_said_to_stay_recognisable(covenant_dir):
    """The way out the memo names: comensha in a koppeldomein of a new name gets new
    pseudonyms, so nothing it learnt under the old version reads the new ones."""
    from pipeline.officer.comparison.recognition import still_recognisable
    from tests.helpers import covenant_facts

    both = "      slachtoffer.achternaam: doorgeven\n      slachtoffer.bsn: pseudoniem\n"
    path = covenant_dir / "midden-nederland.yaml"
    head, r4, rest = path.read_text().partition("  - id: R4\n")
    path.write_text(head + r4 + rest.replace("      slachtoffer.achternaam: doorgeven\n", both, 1))
    before = covenant_facts(covenant_dir)
    after_dir = covenant_dir.parent / "na"
    shutil.copytree(covenant_dir, after_dir)
    text = (after_dir / "midden-nederland.yaml").read_text()
    head, r4, rest = text.partition("  - id: R4\n")
    rest = rest.replace("      slachtoffer.voornamen: doorgeven\n", "", 1)
    rest = rest.replace("      slachtoffer.achternaam: doorgeven\n", "", 1)
    (after_dir / "midden-nederland.yaml").write_text(head + r4 + rest)
    kept = still_recognisable(before, covenant_facts(after_dir))
    assert [(f.recipient, f.domain) for f in kept] == [("comensha", "midden-nederland/comensha")]
    assert kept[0].withdrawn == ("slachtoffer.achternaam", "slachtoffer.voornamen")
    _edit(after_dir, "  koppeldomeinen:\n", "  koppeldomeinen:\n    opvang-2026:\n      partijen: [comensha]\n")
    assert not still_recognisable(before, covenant_facts(after_dir))
