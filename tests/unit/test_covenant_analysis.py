"""convenant analyse (issue 28): the shipped Midden-Nederland covenant beside a realistic second
region, Oost-Nederland (tests/data/officer/oost-nederland.yaml), and every kind of finding:
who sees what, differences and gaps per kind of partner, the overlap named by municipality,
conflicts, statistics and double counting, loose ends; and the municipality list's checks."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from pipeline.covenant.loader import load_covenants
from pipeline.officer.analysis.across import across
from pipeline.officer.analysis.render import analysis_document, summary, to_json
from pipeline.officer.analysis.report import Usage, analyse, differences_of
from pipeline.officer.comparison.engine import Kind
from pipeline.officer.document import to_html, to_markdown
from pipeline.places.municipalities import known, label, municipalities
from tests.conftest import CONVENANTEN, ROOT
from tests.helpers import covenant_facts, run_cli

DATA = ROOT / "tests" / "data" / "officer"
TODAY = dt.date(2026, 6, 1)


def two_regions(target: Path) -> Path:
    """convenanten/ with the Oost-Nederland covenant and its partners beside it."""
    shutil.copytree(CONVENANTEN, target)
    with (target / "deelnemers.yaml").open("a") as registry:
        registry.write((DATA / "deelnemers-oost.yaml").read_text())
    shutil.copy(DATA / "oost-nederland.yaml", target / "oost-nederland.yaml")
    return target


@pytest.fixture(scope="module")
def regions(tmp_path_factory) -> Path:
    return two_regions(tmp_path_factory.mktemp("regio") / "convenanten")


@pytest.fixture(scope="module")
def analysis(regions):
    return analyse(covenant_facts(regions), TODAY, cross=across(load_covenants(regions)))


def test_the_municipality_list_names_places_and_knows_its_police_units():
    assert len(municipalities()) == 342
    assert label("GM0345") == "GM0345 Veenendaal"
    assert known("GM0153").police_unit == "OOST_NEDERLAND"
    assert known("GM0344").police_unit == "MIDDEN_NEDERLAND"
    assert known("GM0999") is None


def test_every_police_unit_of_the_signals_has_its_plain_name(store):
    """The plain names cover exactly the units a signal can name (the schema's symbols) and the
    units the municipality list places municipalities in."""
    from pipeline.covenant.fields import leaf_paths
    from pipeline.places.areas import place_labels
    from pipeline.places.police_units import NAMES, unit_label

    field = leaf_paths(store.current("Signaal").expanded)["politie_eenheid"]
    (enum,) = [t for t in field["type"] if isinstance(t, dict)]
    assert set(enum["symbols"]) == set(NAMES)
    assert {m.police_unit for m in municipalities().values()} <= set(NAMES)
    assert unit_label("MIDDEN_NEDERLAND") == "politie-eenheid Midden-Nederland (MIDDEN_NEDERLAND)"
    assert place_labels(["GM0345", "GM0344"], ["MIDDEN_NEDERLAND"]) == [
        "GM0344 Utrecht",
        "GM0345 Veenendaal",
        "politie-eenheid Midden-Nederland (MIDDEN_NEDERLAND)",
    ]


def test_check_refuses_a_municipality_the_list_does_not_hold(covenant_dir):
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(path.read_text().replace("GM0307, ", "GM0999, ", 1))
    done = run_cli("convenant", "check", env={"KETENSTROOM_CONVENANTEN_DIR": str(covenant_dir), "KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 1
    assert "gemeente GM0999 bestaat niet in de gemeentelijke indeling van het CBS" in done.stderr


def test_check_of_one_file_names_the_overlap_by_code_and_name_with_a_relative_path(regions):
    done = run_cli("convenant", "check", "oost-nederland.yaml", cwd=regions, env={"KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 0, done.stderr
    assert "let op: oost-nederland.yaml:" in done.stderr  # relative to the working directory
    assert "overlapt met dat van midden-nederland (midden-nederland.yaml:" in done.stderr
    assert "in gemeente GM0345 Veenendaal" in done.stderr
    assert str(regions) not in done.stderr


def test_who_sees_what_marks_treatment_basis_condition_and_special_data(analysis):
    matrix = next(m for m in analysis.matrices if m.covenant == "midden-nederland")
    part = next(x for x in matrix.parts if x.signal_type == "Signaal")
    column = part.recipients.index("gemeente-utrecht")
    rows = {r.field: r for r in part.rows}
    cell = rows["slachtoffer.bsn"].cells[column]
    assert cell.treatments == ("pseudoniem-herleidbaar",) and cell.bases == ("wgs",)
    assert cell.conditional and cell.rules == ("R3",)
    assert rows["uitbuitingsvorm"].categories == ("bijzonder",)
    assert rows["omschrijving"].categories == ("bijzonder", "strafrechtelijk")
    assert rows["slachtoffer.adres.straat"].cells[column] is None  # never reaches it
    assert ("wjsg", "Wet justitiële en strafvorderlijke gegevens", ("bijzonder", "strafrechtelijk")) in matrix.bases


def test_side_by_side_names_every_kind_of_difference(analysis):
    (pair,) = analysis.pairs
    found = {(c.party, c.field): c for c in differences_of(pair)}
    # the municipality: a reversible pseudonym in one region, a plain one in the other
    assert found[("gemeente", "slachtoffer.bsn")].kind is Kind.STRONGER  # less protected under MN
    # the OM gets street and house number in one only
    assert found[("om", "slachtoffer.adres.straat")].kind is Kind.WITHDRAWN
    # treatment and retention for CoMensha
    birth = found[("comensha", "slachtoffer.geboortedatum")]
    aspects = {(d.aspect, d.before, d.after) for d in birth.differences}
    assert ("behandeling", "doorgeven", "geboortejaar") in aspects
    assert ("bewaartermijn korter", "P5Y", "P3Y") in aspects
    # legal basis, purpose and condition
    care = found[("zorgcoordinatie", "slachtoffer.voornamen")]
    assert ("grondslag", "wpg-19", "toestemming") in {(d.aspect, d.before, d.after) for d in care.differences}
    home = found[("veilig-thuis", "indicatoren")]
    assert {d.aspect for d in home.differences} == {"doel", "bewaartermijn langer", "voorwaarde"}
    assert home.kind is Kind.GROUNDS  # the most serious of its differences
    narrower = next(d for d in home.differences if d.aspect == "voorwaarde")
    assert narrower.kind is Kind.LESS  # the condition on urgent narrows it in Oost-Nederland
    # a condition on the own municipality counts as the same across regions; the Controle to
    # every municipality in Midden-Nederland against only its own in Oost-Nederland does not
    assert ("gemeente", "slachtoffer.geboortedatum") not in found
    assert found[("gemeente", "kvk_nummer")].kind is Kind.LESS


def test_gaps_per_kind_of_partner(analysis):
    (pair,) = analysis.pairs
    assert set(pair.gaps) == {
        ("hulpverlening", "Verwijzing", "oost-nederland"),  # FairWork receives in one only
        ("nla", "Signaal", "oost-nederland"),  # so does the NLA
        ("zorgcoordinatie", "Verwijzing", "midden-nederland"),  # referrals to care in one only
    }


def test_the_overlap_names_places_kinds_under_both_and_a_conflict(analysis):
    (overlap,) = analysis.overlaps
    assert overlap.municipalities == ("GM0345 Veenendaal",)
    kinds = dict(overlap.kinds)
    assert set(kinds) == {"comensha", "om", "riec", "veilig-thuis", "zorgcoordinatie"}
    assert "gemeente" not in kinds  # each municipality only receives its own signals
    (conflict,) = overlap.conflicts
    assert (conflict.kind, conflict.field, conflict.weaker_under) == (
        "comensha",
        "slachtoffer.geboortedatum",
        "midden-nederland",
    )
    assert conflict.weaker == ("doorgeven",) and conflict.stronger == ("geboortejaar",)
    assert conflict.same_partner  # CoMensha itself receives under both


def test_statistics_side_by_side_and_double_counting(analysis):
    lines = {(s.covenant, s.rule): s for s in analysis.statistics}
    assert lines[("midden-nederland", "S1")].threshold == 10
    assert lines[("oost-nederland", "S1")].threshold == 15
    assert lines[("oost-nederland", "S1")].tables == (("uitbuitingsvorm", "geslacht"),)
    (double,) = analysis.double_counts
    assert double.recipient == "nationaal-rapporteur"
    assert double.municipalities == ("GM0345 Veenendaal",)
    assert double.sources == ("comensha", "nla", "politie")


def test_loose_ends_and_rules_without_disclosures(regions):
    facts = covenant_facts(regions)
    usage = {"oost-nederland": Usage("van 2026-01-01 tot 2026-02-01", ("O6", "O7"))}
    result = analyse(facts, TODAY, usage)
    east = next(x for x in result.loose_ends if x.covenant == "oost-nederland")
    assert east.purposes == ("bescherming", "preventie") and east.bases == ("wpg-19", "awb")
    assert east.receive_nothing == ("kmar",)
    assert east.unused_rules == ("O6", "O7")
    west = next(x for x in result.loose_ends if x.covenant == "midden-nederland")
    assert west.unused_rules is None and west.purposes == () and west.receive_nothing == ()
    markdown = to_markdown(analysis_document(result))
    assert "regels zonder verstrekking in de periode: O6, O7" in markdown
    assert "niet nagegaan (geef --van/--tot met een broker)" in markdown


def test_the_report_in_markdown_html_and_json(analysis):
    document = analysis_document(analysis)
    markdown, page = to_markdown(document), to_html(document)
    assert "## Wie ziet wat" in markdown and "### midden-nederland: Signaal" in markdown
    assert "Overlap in GM0345 Veenendaal" in markdown
    assert "## Herleidbaar over convenanten heen" in markdown
    assert "Geen: geen ontvanger krijgt onder het ene convenant de identiteit" in markdown
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert 'title="regel R3; grondslag wgs; doel bestuurlijk; bewaren 1 jaar' in page
    data = json.loads(to_json(analysis))
    assert data["overlaps"][0]["municipalities"] == ["GM0345 Veenendaal"]
    assert data["cross_reidentification"] == {"findings": [], "statements": []}
    assert any("dubbel geteld" in line for line in summary(analysis))


def test_diff_between_two_regions_compares_per_kind_of_partner(regions):
    done = run_cli(
        "convenant", "diff", "midden-nederland.yaml", "oost-nederland.yaml", cwd=regions,
        env={"KETENSTROOM_TAAL": "nl"},
    )
    assert done.returncode == 0, done.stderr
    assert "midden-nederland en oost-nederland naast elkaar, per soort partner" in done.stdout
    assert "geen verschil" not in done.stdout
    assert "alleen onder oost-nederland: Verwijzing" in done.stdout  # FairWork
    assert "minder beschermd onder midden-nederland: Signaal" in done.stdout


def test_analyse_command_summary_and_report(regions, tmp_path):
    done = run_cli("convenant", "analyse", str(regions), env={"KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 0, done.stderr
    assert "overlap midden-nederland en oost-nederland in GM0345 Veenendaal" in done.stdout
    target = tmp_path / "analyse.html"
    done = run_cli(
        "convenant", "analyse", str(regions / "midden-nederland.yaml"),
        str(regions / "oost-nederland.yaml"), "--format", "html", "--uit", str(target),
    )
    assert done.returncode == 0, done.stderr
    assert target.read_text().startswith("<!doctype html>")


# --- re-identification across covenants (issue 26's finding, shown side by side) ---------------


def _with_nationwide(directory: Path, statement: bool) -> Path:
    from tests.integration.combined_attack import NATIONWIDE, nationwide_covenant

    (directory / f"{NATIONWIDE}.yaml").write_text(nationwide_covenant(statement=statement))
    return directory


def _analysis_of(directory: Path):
    facts = covenant_facts(directory, combinations=False)
    return analyse(facts, TODAY, cross=across(load_covenants(directory)))


def test_names_under_one_covenant_and_a_pseudonym_under_another_are_a_finding(covenant_dir):
    """CoMensha gets the victim's names under Midden-Nederland (R4) and only a BSN pseudonym
    under a nationwide covenant (L1) that covers the same signals: the analysis shows who,
    which signals, both rules and their fields, and that no covenant allows it, in the summary,
    Markdown, HTML and JSON; `check` refuses the pair, `analyse` reports it."""
    directory = _with_nationwide(covenant_dir, statement=False)
    result = _analysis_of(directory)
    (found,) = result.cross_reidentification.findings
    assert (found.recipient, found.signal_type, found.sources) == ("comensha", "Signaal", ("politie", "nla"))
    assert found.kinds == ("naam",) and found.allowed_because is None
    assert (found.identity.covenant, found.identity.rule) == ("midden-nederland", "R4")
    assert dict(found.identity.fields) == {
        "slachtoffer.voornamen": "doorgeven", "slachtoffer.achternaam": "doorgeven",
    }  # fmt: skip
    assert (found.protected.covenant, found.protected.rule) == ("landelijk-registratie", "L1")
    assert dict(found.protected.fields) == {"slachtoffer.bsn": "pseudoniem"}
    assert result.cross_reidentification.refused == (found,)
    assert (
        "herleidbaar over convenanten heen: comensha krijgt onder midden-nederland de naam "
        "leesbaar en onder landelijk-registratie alleen een pseudoniem of grovere waarde; NIET "
        "toegestaan: check weigert dit"
    ) in summary(result)
    document = analysis_document(result)
    markdown, page = to_markdown(document), to_html(document)
    row = (
        "| comensha | Signaal van politie, nla | midden-nederland R4: slachtoffer.voornamen "
        "(doorgeven), slachtoffer.achternaam (doorgeven) | landelijk-registratie L1: "
        "slachtoffer.bsn (pseudoniem) | nee: niet toegestaan"
    )
    assert row in markdown
    assert 'class="zwak">nee: niet toegestaan' in page
    data = json.loads(to_json(result))["cross_reidentification"]
    assert data["findings"][0]["identity"]["rule"] == "R4"
    assert data["findings"][0]["allowed_because"] is None and data["statements"] == []
    refused = run_cli("convenant", "check", str(directory), env={"KETENSTROOM_TAAL": "nl"})
    assert refused.returncode == 1 and "herleidbaar_via" in refused.stderr
    shown = run_cli("convenant", "analyse", str(directory), env={"KETENSTROOM_TAAL": "nl"})
    assert shown.returncode == 0, shown.stderr
    assert "NIET toegestaan: check weigert dit" in shown.stdout


def test_what_herleidbaar_via_allows_is_shown_with_its_reason(covenant_dir):
    directory = _with_nationwide(covenant_dir, statement=True)
    result = _analysis_of(directory)
    (found,) = result.cross_reidentification.findings
    assert found.allowed_because.startswith("Proef: CoMensha mag de landelijke pseudoniemen")
    (statement,) = result.cross_reidentification.statements
    assert (statement.covenant, statement.recipient, statement.through, statement.used) == (
        "landelijk-registratie", "comensha", "midden-nederland", True,
    )  # fmt: skip
    assert result.cross_reidentification.refused == ()
    markdown = to_markdown(analysis_document(result))
    assert "| ja, onder herleidbaar_via: Proef: CoMensha mag" in markdown
    assert "### Herleidbaar via een ander convenant" in markdown
    assert (
        "| landelijk-registratie | comensha | midden-nederland | Proef: CoMensha mag de "
        "landelijke pseudoniemen naast de namen uit Midden-Nederland leggen; gemeten wordt wat "
        "de router daarbij nog aan koppeling geeft. | ja: een regel van elk convenant"
    ) in markdown
    assert any("toegestaan (herleidbaar_via)" in line for line in summary(result))
