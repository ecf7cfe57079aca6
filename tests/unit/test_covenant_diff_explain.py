"""convenant explain (the matrix) and convenant diff (what a change discloses)."""

import shutil
import subprocess

from pipeline.codec.schema_store import load_store
from pipeline.covenant.loader import load_covenants
from pipeline.officer.comparison.engine import Kind, compare
from pipeline.officer.explain import disclosure_matrix, to_html, to_markdown
from pipeline.officer.sides import compiled, load_side, registry_for
from tests.conftest import CONVENANTEN, ROOT
from tests.helpers import covenant_facts
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
    assert compare(covenant_facts(CONVENANTEN), covenant_facts(covenant_dir)).fields == ()


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
    changes = compare(covenant_facts(CONVENANTEN), covenant_facts(covenant_dir)).fields
    shown = {(c.kind, c.party, c.signal_type, c.field) for c in changes if not c.envelope_default}
    assert (Kind.NEW, "zorgcoordinatie-utrecht", "Signaal", "omschrijving") in shown
    new = next(c for c in changes if c.field == "omschrijving")
    assert new.after[0].scope.sources == {"comensha", "nla", "politie"}
    assert (Kind.WITHDRAWN, "gemeente-utrecht", "Controle", "kvk_nummer") in shown
    longer = next(c for c in changes if c.party == "comensha" and c.field == "sector")
    assert longer.kind is Kind.GROUNDS
    assert ("bewaartermijn langer", "P5Y", "P7Y") in {
        (d.aspect, d.before, d.after) for d in longer.differences
    }
    assert changes[0].kind is Kind.NEW  # most serious first


def test_diff_against_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CONVENANTEN, repo / "convenanten")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    directory = repo / "convenanten"
    _edit(directory, "    ontvangers: [om]", "    ontvangers: [om, comensha]")
    store = load_store(ROOT / "schemas")
    registry = registry_for(str(directory), directory)
    before = compiled("HEAD", load_side("HEAD", directory), registry, store).facts
    after = compiled("nu", load_side(str(directory), directory), registry, store).facts
    changes = compare(before, after).fields
    assert {c.party for c in changes} == {"comensha"}
    new = {c.field for c in changes if c.kind is Kind.NEW}
    assert new >= {"slachtoffer.bsn", "omschrijving"}
    # fields comensha already had under R4 now also come under R1: other grounds, not new
    grounds = {c.field for c in changes if c.kind is Kind.GROUNDS}
    assert grounds >= {"melder_type", "sector", "slachtoffer.voornamen", "politie_eenheid"}
    assert {c.field for c in changes if c.envelope_default} == {
        "envelope.source",  # every view's envelope fields, at their standard treatment
        "envelope.occurred_at",
        "envelope.recorded_at",
    }
