"""convenant explain (the matrix) and convenant diff (what a change discloses)."""

import shutil
import subprocess

from pipeline.covenant.loader import load_covenants
from pipeline.officer.diff import ChangeKind, diff_covenants, load_side, summarise
from pipeline.officer.explain import disclosure_matrix, to_html, to_markdown
from tests.conftest import CONVENANTEN
from tests.unit.test_covenant_check import _edit


def test_matrix_names_every_rule_field_recipient_and_source():
    rows = disclosure_matrix(load_covenants(CONVENANTEN))
    om_bsn = [r for r in rows if r.recipient == "om" and r.field == "slachtoffer.bsn"]
    assert {r.source for r in om_bsn} == {"politie", "nla"}
    assert all(r.rule == "R1" and r.legal_basis == "wjsg" and r.article == "4.1" for r in om_bsn)
    zorg = [
        r for r in rows if r.recipient == "zorgcoordinatie-utrecht" and r.signal_type == "Signaal"
    ]
    assert {r.treatment.value for r in zorg if r.field == "slachtoffer.bsn"} == {"versleuteld"}
    assert {r.treatment.value for r in zorg if r.field == "omschrijving"} == {"weglaten"}
    minors = [r for r in rows if r.recipient == "veilig-thuis-utrecht"]
    assert minors and all(r.conditions == "slachtoffer.geboortedatum: minderjarig" for r in minors)


def test_markdown_and_html_annexes():
    rows = disclosure_matrix(load_covenants(CONVENANTEN))
    markdown = to_markdown(rows, "Bijlage")
    assert "## Signaal" in markdown and "| om | `slachtoffer.bsn` | doorgeven |" in markdown
    page = to_html([r for r in rows if r.recipient == "om"], "Bijlage <om>")
    assert "<title>Bijlage &lt;om&gt;</title>" in page and "<code>slachtoffer.bsn</code>" in page
    assert page.count("<table>") == page.count("</table>") == 1


def test_no_change_no_diff(covenant_dir):
    assert diff_covenants(load_covenants(CONVENANTEN), load_covenants(covenant_dir)) == []


def test_diff_reports_new_withdrawn_and_other_grounds(covenant_dir):
    _edit(covenant_dir, "      omschrijving: weglaten", "      omschrijving: doorgeven")
    _edit(
        covenant_dir,
        "    ontvangers: [riec-midden-nederland, gemeente-utrecht]",
        "    ontvangers: [riec-midden-nederland]",
    )
    _edit(
        covenant_dir,
        "    bewaartermijn: P5Y\n    velden:\n      melder_type: doorgeven\n      uitbuitingsvorm: doorgeven\n      sector: doorgeven\n      slachtoffer.voornamen",
        "    bewaartermijn: P7Y\n    velden:\n      melder_type: doorgeven\n      uitbuitingsvorm: doorgeven\n      sector: doorgeven\n      slachtoffer.voornamen",
    )
    changes = diff_covenants(load_covenants(CONVENANTEN), load_covenants(covenant_dir))
    groups = {
        (g.kind, g.recipient, g.signal_type): g
        for g in summarise(changes)
        if not all(f.startswith("envelope.") for f in g.fields)
    }
    new = groups[(ChangeKind.DISCLOSED, "zorgcoordinatie-utrecht", "Signaal")]
    assert new.fields == ("omschrijving",) and new.sources == ("comensha", "nla", "politie")
    gone = groups[(ChangeKind.WITHDRAWN, "gemeente-utrecht", "Controle")]
    assert "kvk_nummer" in gone.fields and gone.after == "-"
    longer = groups[(ChangeKind.GROUNDS, "comensha", "Signaal")]
    assert "P5Y" in longer.before and "P7Y" in longer.after
    assert changes[0].kind is ChangeKind.DISCLOSED  # most serious first


def test_diff_against_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CONVENANTEN, repo / "convenanten")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    directory = repo / "convenanten"
    _edit(directory, "    ontvangers: [om]", "    ontvangers: [om, comensha]")
    changes = diff_covenants(load_side("HEAD", directory), load_side(str(directory), directory))
    assert {c.recipient for c in changes} == {"comensha"}
    new = {c.field for c in changes if c.kind is ChangeKind.DISCLOSED}
    assert new >= {"slachtoffer.bsn", "omschrijving"}
    # fields comensha already had under R4 now also come under R1: other grounds, not new
    assert {c.field for c in changes if c.kind is ChangeKind.GROUNDS} == {
        "melder_type",
        "sector",
        "slachtoffer.voornamen",
        "slachtoffer.achternaam",
        "slachtoffer.geboortedatum",
        "slachtoffer.geslacht",
        "slachtoffer.nationaliteit",
        "minderjarig",
        "politie_eenheid",
        "uitbuitingsvorm",
        "envelope.source",  # every view's envelope fields, at their standard treatment
        "envelope.occurred_at",
        "envelope.recorded_at",
    }


def test_a_version_bump_alone_is_no_change(covenant_dir):
    from pipeline.officer.diff import covenant_changes

    _edit(covenant_dir, 'versie: "2025.1"', 'versie: "2025.2"')
    before, after = load_covenants(CONVENANTEN), load_covenants(covenant_dir)
    assert diff_covenants(before, after) == []
    assert [c.nl for c in covenant_changes(before, after)] == [
        "midden-nederland: versie 2025.1 → 2025.2"
    ]


def test_a_narrower_condition_shares_less_and_a_dropped_one_more(covenant_dir):
    # R3: gemeente-utrecht only for GM0344 -> also only when urgent: less
    _edit(
        covenant_dir,
        "      - veld: slachtoffer.adres.gemeentecode\n        is: GM0344\n",
        "      - veld: slachtoffer.adres.gemeentecode\n        is: GM0344\n      - veld: urgent\n        is: true\n",
    )
    # R7: Veilig Thuis for minors only -> for everyone: more
    _edit(
        covenant_dir,
        "    voorwaarden:\n      - veld: slachtoffer.geboortedatum\n        minderjarig: true\n",
        "",
    )
    changes = diff_covenants(load_covenants(CONVENANTEN), load_covenants(covenant_dir))
    kinds = {(c.recipient, c.kind) for c in changes}
    assert kinds == {
        ("gemeente-utrecht", ChangeKind.LESS),
        ("veilig-thuis-utrecht", ChangeKind.MORE),
    }
