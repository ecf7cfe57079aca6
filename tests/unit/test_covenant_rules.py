"""Conditions, data categories and retention in covenant rules."""

import datetime as dt

import pytest

from pipeline.codec.framing import decode
from pipeline.covenant.conditions import compile_condition
from pipeline.covenant.model import Voorwaarde
from pipeline.router.core import route
from pipeline.router.disclosure import activity_ids
from tests.helpers import in_utrecht, inbound, log_entries, signal_bytes, views_by_recipient
from tests.unit.test_covenant_check import _compile, _edit, _problems


def _signal(store, factory, now, born: str):
    document = in_utrecht(factory.make("politie", "Signaal").document)
    document["slachtoffer"]["geboortedatum"] = born
    return signal_bytes(store, document, "politie", now)[1]


def test_veilig_thuis_receives_only_minors(store, policy, factory, now):
    minor = route(inbound("politie", _signal(store, factory, now, "2012-01-01")), policy, now)
    adult = route(inbound("politie", _signal(store, factory, now, "1990-01-01")), policy, now)
    assert "veilig-thuis-utrecht" in views_by_recipient(minor, policy)
    assert "veilig-thuis-utrecht" not in views_by_recipient(adult, policy)
    entry = next(e for e in log_entries(minor, policy) if e["recipient"] == "veilig-thuis-utrecht")
    (activity,) = activity_ids(entry)
    rule = policy.register[activity].record  # what is fixed per rule: in the register
    assert rule["regel"] == "R7" and rule["bewaartermijn"] == "P1Y"
    assert rule["voorwaarden"] == ["slachtoffer.geboortedatum: minderjarig"]


def _datum(**values):
    return {"envelope": {"occurred_at": dt.datetime(2026, 6, 1, tzinfo=dt.UTC)}, **values}


@pytest.mark.parametrize(
    ("condition", "datum", "holds"),
    [
        ({"veld": "urgent", "is": True}, _datum(urgent=True), True),
        ({"veld": "urgent", "is": True}, _datum(urgent=False), False),
        (
            {"veld": "uitbuitingsvorm", "in": ["SEKSUEEL", "ARBEID"]},
            _datum(uitbuitingsvorm="ARBEID"),
            True,
        ),
        ({"veld": "uitbuitingsvorm", "in": ["SEKSUEEL"]}, _datum(uitbuitingsvorm="ARBEID"), False),
        (
            {"veld": "indicatoren", "is": "BEDREIGING"},
            _datum(indicatoren=["BEDREIGING", "OVERIG"]),
            True,
        ),
        ({"veld": "indicatoren", "in": ["BEDREIGING"]}, _datum(indicatoren=["OVERIG"]), False),
        ({"veld": "mogelijke_slachtoffers", "vanaf": 1}, _datum(mogelijke_slachtoffers=1), True),
        (
            {"veld": "mogelijke_slachtoffers", "vanaf": 1, "tot": 5},
            _datum(mogelijke_slachtoffers=5),
            False,
        ),
        (
            {"veld": "datum", "vanaf": dt.date(2026, 1, 1)},
            _datum(datum=dt.date(2025, 12, 31)),
            False,
        ),
        ({"veld": "p.born", "minderjarig": True}, _datum(p={"born": dt.date(2010, 1, 1)}), True),
        ({"veld": "p.born", "minderjarig": False}, _datum(p={"born": dt.date(2010, 1, 1)}), False),
        ({"veld": "p.born", "minderjarig": True}, _datum(p={"born": None}), False),
        ({"veld": "p.born", "minderjarig": False}, _datum(p=None), False),
        ({"veld": "sector", "is": None}, _datum(sector=None), False),
    ],
)
def test_condition_semantics(condition, datum, holds):
    assert compile_condition(Voorwaarde.model_validate(condition))(datum) is holds


def test_a_condition_needs_exactly_one_test():
    with pytest.raises(ValueError, match="exactly one"):
        Voorwaarde.model_validate({"veld": "urgent", "is": True, "in": [True]})
    with pytest.raises(ValueError, match="exactly one"):
        Voorwaarde.model_validate({"veld": "urgent"})


def test_conditions_are_checked_against_the_schema(covenant_dir, store):
    _edit(
        covenant_dir,
        "        minderjarig: true",
        "        minderjarig: true\n      - veld: uitbuitingsvorm\n        in: [SEKS]",
    )
    (problem,) = _problems(covenant_dir, store)
    assert "uitbuitingsvorm has no value SEKS; it is one of SEKSUEEL" in problem


def test_minor_test_needs_a_date_field(covenant_dir, store):
    _edit(
        covenant_dir,
        "      - veld: slachtoffer.geboortedatum",
        "      - veld: slachtoffer.voornamen",
    )
    (problem,) = _problems(covenant_dir, store)
    assert "minderjarig tests a birth date" in problem


#: The Wmo 2015 basis of R7 (Veilig Thuis) with, and without, the art. 9 exception it names.
WMO_ALLOWS_SPECIAL = "      staat_toe: [bijzonder]\n      avg_6: e                            # wettelijke taak van Veilig Thuis\n      avg_9: h"
WMO_ALLOWS_NOTHING = "      staat_toe: []\n      avg_6: e"


def test_special_category_data_needs_a_basis_that_allows_it(covenant_dir, store):
    path = _edit(
        covenant_dir, WMO_ALLOWS_SPECIAL, WMO_ALLOWS_NOTHING
    )
    (problem,) = _problems(covenant_dir, store)
    assert problem.startswith(str(path))
    assert "rule R7 discloses uitbuitingsvorm, which holds bijzonder (AVG art. 9) data" in problem
    assert "grondslag 'wmo-2015'" in problem


def test_leaving_out_special_data_needs_no_basis_for_it(covenant_dir, store):
    _edit(covenant_dir, WMO_ALLOWS_SPECIAL, WMO_ALLOWS_NOTHING)
    _edit(
        covenant_dir,
        "    velden:\n      uitbuitingsvorm: doorgeven\n      indicatoren: doorgeven\n      urgent",
        "    velden:\n      uitbuitingsvorm: weglaten\n      indicatoren: doorgeven\n      urgent",
    )
    _compile(covenant_dir, store)


@pytest.mark.parametrize("term", ["5 jaar", "P", "PT5H", "5Y"])
def test_retention_must_be_an_iso_duration(covenant_dir, store, term):
    _edit(covenant_dir, "    bewaartermijn: P5Y", f"    bewaartermijn: {term}")
    (problem,) = _problems(covenant_dir, store)
    assert "bewaartermijn" in problem


def test_missing_retention_says_what_to_add(covenant_dir, store):
    _edit(covenant_dir, "    bewaartermijn: P5Y\n", "")
    (problem,) = _problems(covenant_dir, store)
    assert "rule R1: `bewaartermijn:` is required here (retention, e.g. P5Y)" in problem


SECOND = """
convenant:
  id: landelijk-registratie
  titel: Landelijke afspraken registratie CoMensha (voorbeeld)
  versie: "1"
  geldig: {van: 2024-01-01}
  werkgebied: landelijk
  partijen: [politie, comensha]
  doelen: {registratie: Landelijke registratie van mogelijke slachtoffers}
  grondslagen:
    wpg-16: Wet politiegegevens artikel 16
regels:
  - id: L1
    bronnen: [politie]
    signaaltype: Signaal
    ontvangers: [comensha]
    doel: registratie
    grondslag: wpg-16
    bewaartermijn: P10Y
    velden:
      slachtoffer.adres.gemeentecode: doorgeven
"""


def test_several_covenants_each_account_for_what_they_allow(covenant_dir, store, factory, now):
    """Each covenant discloses on its own: a view per covenant, in that covenant's linkage
    domain, logged under that covenant; the national one also outside the regional area."""
    (covenant_dir / "landelijk.yaml").write_text(SECOND)
    policy = _compile(covenant_dir, store)
    assert policy.version == "landelijk-registratie@1+midden-nederland@2025.1"
    document = in_utrecht(factory.make("politie", "Signaal").document)
    result = route(
        inbound("politie", signal_bytes(store, document, "politie", now)[1]), policy, now
    )
    views = [
        decode(o.value, policy.store)[1] for o in result.deliveries if o.topic == "inbox.comensha"
    ]
    by_domain = {v["envelope"]["event_ref"].split(".")[2]: v for v in views}
    assert set(by_domain) == {"midden-nederland/comensha", "landelijk-registratie/comensha"}
    national = by_domain["landelijk-registratie/comensha"]
    assert national["slachtoffer"] == {"adres": {"gemeentecode": "GM0344"}}
    assert national["envelope"]["doelen"] == [{"doel": "registratie", "bewaartermijn": "P10Y"}]
    entries = [e for e in log_entries(result, policy) if e["recipient"] == "comensha"]
    rules = [policy.register[a].record for e in entries for a in activity_ids(e)]
    assert sorted((r["convenant_id"], r["regel"]) for r in rules) == [
        ("landelijk-registratie", "L1"),
        ("midden-nederland", "R4"),
    ]
    # outside the Midden-Nederland area only the national covenant applies
    document = factory.make("politie", "Signaal").document
    document["slachtoffer"]["adres"]["gemeentecode"] = "GM0758"  # Breda
    result = route(
        inbound("politie", signal_bytes(store, document, "politie", now)[1], offset=1), policy, now
    )
    assert [o.topic for o in result.deliveries] == ["inbox.comensha"]
