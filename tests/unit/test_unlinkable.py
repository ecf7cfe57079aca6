"""Issue 15: what the covenant keeps apart stays apart. Area, time, inference, linkage domains,
references back and the publisher's claims, each tried as a hostile partner or a curious
recipient would."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.codec.framing import encode
from pipeline.language import Language, speaking
from pipeline.privacy.pseudonyms import parse_label
from pipeline.router.core import route
from pipeline.router.dead_letter import DETAIL_HEADER, header
from pipeline.router.disclosure import activity_ids
from pipeline.router.event_index import EventIndex
from pipeline.signals.prepare import prepare
from tests.helpers import (
    in_utrecht,
    inbound,
    log_entries,
    reason,
    signal_bytes,
    views_by_recipient,
)
from tests.unit.test_covenant_check import _compile, _edit, _problems


@pytest.fixture(autouse=True)
def dutch():
    """The checks below are read by a privacy officer: in Dutch."""
    with speaking(Language.NL):
        yield


def _route(policy, store, document, source, now, offset=0, index=None):
    _, raw = signal_bytes(store, document, source, now)
    result = route(inbound(source, raw, offset=offset), policy, now, index)
    if index is not None and result.claim is not None:
        index.learn_record(result.claim.key, result.claim.value)
    return result


# -- 3. Area (werkgebied) -------------------------------------------------------------------


def test_a_signal_outside_the_area_reaches_no_regional_party(store, policy, factory, now):
    document = factory.make("politie", "Signaal").document
    document["slachtoffer"]["adres"]["gemeentecode"] = "GM0758"  # Breda
    result = _route(policy, store, document, "politie", now)
    assert result.deliveries == ()
    (entry,) = log_entries(result, policy)
    assert entry["outcome"] == "NO_RECIPIENT"


def test_the_police_unit_decides_only_without_a_municipality(store, policy, factory, now):
    document = factory.make("politie", "Signaal").document
    document["slachtoffer"]["adres"] = None
    document["politie_eenheid"] = "MIDDEN_NEDERLAND"
    assert views_by_recipient(_route(policy, store, document, "politie", now), policy)
    document["politie_eenheid"] = "ZEELAND_WEST_BRABANT"
    assert _route(policy, store, document, "politie", now, 1).deliveries == ()
    # a municipality outside the area wins over a police unit inside it
    document = factory.make("politie", "Signaal").document
    document["slachtoffer"]["adres"]["gemeentecode"] = "GM0758"
    document["politie_eenheid"] = "MIDDEN_NEDERLAND"
    assert _route(policy, store, document, "politie", now, 2).deliveries == ()


def test_without_a_usable_location_nothing_is_disclosed_and_that_is_logged(
    covenant_dir, store, factory, now
):
    policy = _compile(covenant_dir, store)
    document = factory.make("nla", "Signaal").document  # nla sets no police unit
    document["slachtoffer"]["adres"] = None
    result = _route(policy, store, document, "nla", now)
    assert result.deliveries == ()
    entries = log_entries(result, policy)
    withheld = [e for e in entries if e["outcome"] == "WITHHELD"]
    assert withheld and all(e["reason"] == "no_location" for e in withheld)
    rules = {policy.register[a].record["regel"] for e in withheld for a in activity_ids(e)}
    assert rules >= {"R1", "R2", "R4"}
    assert [e["outcome"] for e in entries if e["outcome"] != "WITHHELD"] == ["NO_RECIPIENT"]
    # a rule may say otherwise, for itself only
    _edit(
        covenant_dir,
        "    bewaartermijn: P5Y\n",
        "    bewaartermijn: P5Y\n    ook_zonder_locatie: true\n",
    )
    policy = _compile(covenant_dir, store)
    views = views_by_recipient(_route(policy, store, document, "nla", now), policy)
    assert set(views) == {"om"}  # R1 only: the first rule with bewaartermijn P5Y


def test_a_referral_reaches_only_the_party_it_names(covenant_dir, store, factory, now):
    _edit(
        covenant_dir,
        "    ontvangers: [zorgcoordinatie-utrecht]\n    doel: zorg\n    grondslag: toestemming",
        "    ontvangers: [zorgcoordinatie-utrecht, comensha]\n    doel: zorg\n"
        "    grondslag: toestemming",
    )
    policy = _compile(covenant_dir, store)
    referral = in_utrecht(factory.make("politie", "Verwijzing").document)
    referral["naar"] = "zorgcoordinatie-zwb-bestaat-niet"
    assert reason(_route(policy, store, referral, "politie", now)) == "invalid_record"
    referral["naar"] = "comensha"
    views = views_by_recipient(_route(policy, store, referral, "politie", now, 1), policy)
    assert set(views) == {"comensha"}
    referral["naar"] = "zorgcoordinatie-utrecht"
    views = views_by_recipient(_route(policy, store, referral, "politie", now, 2), policy)
    assert set(views) == {"zorgcoordinatie-utrecht"}


def test_overlapping_areas_for_the_same_kind_of_recipient_are_a_warning(
    covenant_dir, store, registry
):
    from pipeline.covenant.checks.checker import warnings
    from pipeline.covenant.loader import load_covenants

    second = (covenant_dir / "midden-nederland.yaml").read_text()
    second = second.replace("id: midden-nederland", "id: utrecht-stad", 1)
    second = second.replace("verwerkingen/midden-nederland", "verwerkingen/utrecht-stad")
    second = second.replace("zorgketen:", "zorgketen-stad:", 1)
    (covenant_dir / "utrecht-stad.yaml").write_text(second)
    (warning,) = [w for w in warnings(load_covenants(covenant_dir), registry) if "werkgebied" in w]
    assert "midden-nederland" in warning and "utrecht-stad" in warning
    assert "overlapt" in warning


# -- 4. Time ---------------------------------------------------------------------------------


def test_an_expired_covenant_discloses_nothing_whatever_the_source_claims(
    covenant_dir, store, factory
):
    _edit(covenant_dir, "    tot: 2030-03-01", "    tot: 2026-01-01")
    policy = _compile(covenant_dir, store)
    june = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    document = in_utrecht(factory.make("politie", "Signaal").document)
    december = "2025-12-30T10:00:00+01:00"  # dated inside the validity, processed after it
    document["envelope"].update(occurred_at=december, recorded_at=december)
    document["slachtoffer"]["geboortedatum"] = "1990-01-01"
    result = _route(policy, store, document, "politie", june)
    assert result.deliveries == ()
    # the same signal processed while the covenant was in force is disclosed
    assert _route(policy, store, document, "politie", dt.datetime(2025, 12, 31, tzinfo=dt.UTC), 1)


# -- 5. Inference ----------------------------------------------------------------------------


def test_a_condition_on_special_category_data_needs_a_basis_that_allows_it(covenant_dir, store):
    _edit(
        covenant_dir,
        "    grondslag: wpg-16\n    bewaartermijn: P5Y\n",
        "    grondslag: wpg-16\n    bewaartermijn: P5Y\n"
        "    voorwaarden:\n      - veld: uitbuitingsvorm\n        is: SEKSUEEL\n",
    )
    _edit(
        covenant_dir,
        "      staat_toe: [bijzonder, strafrechtelijk]\n      kader: wpg\n    wpg-19",
        "      staat_toe: [strafrechtelijk]\n      kader: wpg\n    wpg-19",
    )
    _edit(
        covenant_dir,
        "      uitbuitingsvorm: doorgeven\n      sector: doorgeven\n      slachtoffer.voornamen",
        "      sector: doorgeven\n      slachtoffer.voornamen",
    )
    problems = _problems(covenant_dir, store)
    (problem,) = [p for p in problems if "R4" in p]
    assert "voorwaarde op uitbuitingsvorm" in problem and "bijzonder" in problem


def test_fields_of_a_rule_that_did_not_apply_are_absent_not_null(store, policy, factory, now):
    # veilig-thuis-utrecht: R7 only for minors; zorgcoordinatie-utrecht has R2 for all
    adult = in_utrecht(factory.make("politie", "Signaal").document)
    adult["slachtoffer"]["geboortedatum"] = "1990-01-01"
    views = views_by_recipient(_route(policy, store, adult, "politie", now), policy)
    assert "veilig-thuis-utrecht" not in views
    gemeente = views["gemeente-utrecht"]
    assert "omschrijving" not in gemeente and "voornamen" not in gemeente["slachtoffer"]

    # a view holds only what was disclosed: no null stands in for a withheld field
    def nulls(value, prefix=""):
        found = []
        for key, item in value.items():
            if item is None:
                found.append(f"{prefix}{key}")
            elif isinstance(item, dict):
                found += nulls(item, f"{prefix}{key}.")
        return found

    assert nulls(gemeente) == [p for p in nulls(gemeente) if p.startswith("slachtoffer.")]


# -- 6. Linkage domains ----------------------------------------------------------------------


def test_a_linkage_domain_may_not_take_a_partners_name(covenant_dir, store):
    _edit(covenant_dir, "    zorgketen:\n", "    om:\n")
    problems = _problems(covenant_dir, store)
    assert any("koppeldomein 'om' heeft de naam van een deelnemer" in p for p in problems)


def test_a_member_that_reads_the_identifier_can_only_join_with_a_reason(covenant_dir, store):
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    start = text.index("      # Wie in het domein")
    end = text.index("  verwerkingsregister:")
    path.write_text(text[:start] + text[end:])  # the herleidbaar_door block removed
    problems = _problems(covenant_dir, store)
    flagged = [p for p in problems if "zit in koppeldomein zorgketen" in p]
    assert len(flagged) >= 2  # zorgcoördinator (BSN encrypted, names) and Veilig Thuis (names)
    assert any("zorgcoordinatie-utrecht" in p and "het BSN leesbaar" in p for p in flagged)


def test_domains_belong_to_one_covenant(covenant_dir, store, factory, now):
    """Two covenants that both name a domain 'zorgketen' do not share its pseudonyms."""
    second = (covenant_dir / "midden-nederland.yaml").read_text()
    second = second.replace("id: midden-nederland", "id: tweede", 1)
    second = second.replace("verwerkingen/midden-nederland", "verwerkingen/tweede")
    (covenant_dir / "tweede.yaml").write_text(second)
    policy = _compile(covenant_dir, store)
    minor = in_utrecht(factory.make("politie", "Signaal").document)
    minor["slachtoffer"].update({"bsn": "111222333", "geboortedatum": "2011-01-01"})
    result = _route(policy, store, minor, "politie", now)
    from pipeline.codec.framing import decode

    vt = [
        decode(o.value, policy.store)[1]
        for o in result.deliveries
        if o.topic == "inbox.veilig-thuis-utrecht"
    ]
    labels = {v["slachtoffer"]["bsn"] for v in vt}
    assert {parse_label(label)[2] for label in labels} == {
        "midden-nederland/zorgketen",
        "tweede/zorgketen",
    }
    assert len({parse_label(label)[4] for label in labels}) == 2  # different keys: unlinkable


# -- 2. References back ----------------------------------------------------------------------


def test_a_partner_refers_back_with_its_own_reference_and_each_recipient_gets_its_own(
    store, policy, factory, now
):
    index = EventIndex()
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    first = _route(policy, store, signal, "politie", now, index=index)
    views = views_by_recipient(first, policy)
    comensha_ref = views["comensha"]["envelope"]["event_ref"]
    zorg_ref = views["zorgcoordinatie-utrecht"]["envelope"]["event_ref"]
    referral = in_utrecht(factory.follow_up("comensha", "Verwijzing", comensha_ref).document)
    result = _route(policy, store, referral, "comensha", now, offset=1, index=index)
    (view,) = views_by_recipient(result, policy).values()
    # the zorgcoördinator can link the referral to the signal it received, nobody else can
    assert view["signaal_ref"] == zorg_ref != comensha_ref
    assert str(signal["envelope"]["event_id"]) not in str(view)


def test_a_publisher_may_refer_to_its_own_event_id(store, policy, factory, now):
    index = EventIndex()
    signal = in_utrecht(factory.make("comensha", "Signaal").document)
    _route(policy, store, signal, "comensha", now, index=index)
    referral = in_utrecht(
        factory.follow_up("comensha", "Verwijzing", signal["envelope"]["event_id"]).document
    )
    result = _route(policy, store, referral, "comensha", now, offset=1, index=index)
    (view,) = views_by_recipient(result, policy).values()
    assert view["signaal_ref"].startswith("EV1.k1.midden-nederland/zorgketen.")


@pytest.mark.parametrize("whose", ["another partner's reference", "another's event id", "forged"])
def test_a_reference_the_publisher_could_not_have_is_a_dead_letter(
    store, policy, factory, now, whose
):
    index = EventIndex()
    signal = in_utrecht(factory.make("politie", "Signaal").document)
    views = views_by_recipient(_route(policy, store, signal, "politie", now, index=index), policy)
    ref = {
        "another partner's reference": views["gemeente-utrecht"]["envelope"]["event_ref"],
        "another's event id": str(signal["envelope"]["event_id"]),  # politie's, not comensha's
        "forged": views["comensha"]["envelope"]["event_ref"][:-4] + "AAAA",
    }[whose]
    referral = in_utrecht(factory.follow_up("comensha", "Verwijzing", ref).document)
    result = _route(policy, store, referral, "comensha", now, offset=1, index=index)
    assert reason(result) == "unknown_reference"
    assert ref not in header(result.dead_letter.headers, DETAIL_HEADER)


# -- 7. The publisher's claims ---------------------------------------------------------------


def test_the_router_derives_minderjarig_and_refuses_a_false_claim(store, policy, factory, now):
    entry, datum = prepare(
        in_utrecht(factory.make("politie", "Signaal").document), "politie", store, now
    )
    datum["slachtoffer"]["geboortedatum"] = dt.date(1990, 1, 1)
    datum["minderjarig"] = True  # an adult forwarded as a minor
    result = route(inbound("politie", encode(entry, datum)), policy, now)
    assert reason(result) == "invalid_record"
    assert "minderjarig" in header(result.dead_letter.headers, DETAIL_HEADER)


@pytest.mark.parametrize("written", ["111 222 333", "111.222.333", "111-222-333"])
def test_a_bsn_with_separators_is_read_as_nine_digits(store, policy, factory, now, written):
    entry, datum = prepare(
        in_utrecht(factory.make("politie", "Signaal").document), "politie", store, now
    )
    datum["slachtoffer"]["bsn"] = written  # as a non-Python partner might send it
    views = views_by_recipient(route(inbound("politie", encode(entry, datum)), policy, now), policy)
    assert views["om"]["slachtoffer"]["bsn"] == "111222333"
    plain = dict(datum, slachtoffer={**datum["slachtoffer"], "bsn": "111222333"})
    same = views_by_recipient(
        route(inbound("politie", encode(entry, plain), offset=1), policy, now), policy
    )
    assert (
        views["gemeente-utrecht"]["slachtoffer"]["bsn"]
        == same["gemeente-utrecht"]["slachtoffer"]["bsn"]
    )


def test_a_referral_from_someone_else_is_a_spoofed_source(store, policy, factory, now):
    referral = in_utrecht(factory.make("comensha", "Verwijzing").document)
    entry, datum = prepare(referral, "comensha", store, now)
    datum["van"] = "politie"
    result = route(inbound("comensha", encode(entry, datum)), policy, now)
    assert reason(result) == "source_mismatch"
