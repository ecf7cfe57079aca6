"""The change memo (convenant diff): every change to what leaves classified right, on pairs of
covenant texts (issue 29). Each test edits a copy of convenanten/ and compares it with the
original through the comparison engine, as `convenant diff` does."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.language import Language, speaking
from pipeline.officer.comparison.engine import Kind, compare
from pipeline.officer.comparison.scopes import Aspect
from pipeline.officer.document import to_html, to_markdown
from pipeline.officer.memo.content import build_memo
from pipeline.officer.memo.render import memo_document
from tests.conftest import CONVENANTEN
from tests.helpers import covenant_facts
from tests.unit.test_covenant_check import _edit

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def original():
    return covenant_facts(CONVENANTEN)


def _changes(original, directory):
    return compare(original, covenant_facts(directory))


def _kinds(comparison, shown_only=True):
    """(party, signal type, kind, aspects) of every field change, envelope defaults left out."""
    return {
        (c.party, c.signal_type, c.kind, c.by)
        for c in comparison.fields
        if not (shown_only and c.envelope_default)
    }


R5_SPLIT = """    ontvangers: [riec-midden-nederland, gemeente-utrecht]
    doel: bestuurlijk"""


def test_splitting_a_rule_per_municipality_is_less_by_a_condition(original, covenant_dir):
    # the case: each municipality receives only its own inspections
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    r5 = text[text.index("  - id: R5") : text.index("  - id: R6")]
    own = (
        r5.replace("id: R5", "id: R5-gemeente")
        .replace("ontvangers: [riec-midden-nederland, gemeente-utrecht]", "ontvangers: [gemeente-utrecht]")
        .replace("    velden:", "    voorwaarden:\n      - veld: gemeentecode\n        is: GM0344\n    velden:")
    )
    text = text.replace(R5_SPLIT, "    ontvangers: [riec-midden-nederland]\n    doel: bestuurlijk")
    path.write_text(text.replace("  - id: R6", own + "  - id: R6"))
    found = _kinds(_changes(original, covenant_dir))
    assert found == {("gemeente-utrecht", "Controle", Kind.LESS, (Aspect.CONDITION,))}
    with speaking(Language.NL):
        memo = build_memo(_changes(original, covenant_dir), original, covenant_facts(covenant_dir), "a", "b", TODAY)
        text = to_markdown(memo_document(memo))
    assert "minder gedeeld door een voorwaarde: Controle" in text
    assert "zonder voorwaarde → gemeentecode is GM0344" in text


def test_a_rule_that_only_changed_its_id_or_article_is_no_change(original, covenant_dir):
    _edit(covenant_dir, "  - id: R4\n    artikel: \"7.1\"", "  - id: R4-registratie\n    artikel: \"7.2\"")
    comparison = _changes(original, covenant_dir)
    assert comparison.fields == () and comparison.tables == ()


def test_a_rule_split_per_source_or_per_value_reads_as_the_rule_it_was(original, covenant_dir):
    # R3 for GM0344 only -> two rules, one per source; and R5 split in two, each one municipality
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    r3 = text[text.index("  - id: R3") : text.index("  - id: R4")]
    politie = r3.replace("bronnen: [politie, nla]", "bronnen: [politie]")
    nla = r3.replace("id: R3", "id: R3-nla").replace("bronnen: [politie, nla]", "bronnen: [nla]")
    path.write_text(text.replace(r3, politie + nla))
    assert _changes(original, covenant_dir).fields == ()


def test_dropping_a_condition_shares_more_and_a_narrower_one_less(original, covenant_dir):
    _edit(covenant_dir, "    voorwaarden:\n      - veld: slachtoffer.geboortedatum\n        minderjarig: true\n", "")
    _edit(
        covenant_dir,
        "        is: GM0344\n",
        "        is: GM0344\n      - veld: urgent\n        is: true\n",
    )
    found = _kinds(_changes(original, covenant_dir))
    assert found == {
        ("veilig-thuis-utrecht", "Signaal", Kind.MORE, (Aspect.CONDITION,)),
        ("gemeente-utrecht", "Signaal", Kind.LESS, (Aspect.CONDITION,)),
    }


def test_in_with_one_more_value_shares_more_and_reordered_values_nothing(original, covenant_dir):
    _edit(covenant_dir, "        is: GM0344\n", "        in: [GM0345, GM0344]\n")
    found = _kinds(_changes(original, covenant_dir))
    assert found == {("gemeente-utrecht", "Signaal", Kind.MORE, (Aspect.CONDITION,))}
    _edit(covenant_dir, "        in: [GM0345, GM0344]\n", "        in: [GM0344]\n")
    assert _changes(original, covenant_dir).fields == ()


def test_the_area_narrows_and_widens_naming_the_municipality(original, covenant_dir):
    _edit(covenant_dir, "GM0307, GM0308, ", "GM0308, ")  # Amersfoort leaves the area
    comparison = _changes(original, covenant_dir)
    kinds = {(c.kind, c.by) for c in comparison.fields}
    assert kinds == {(Kind.LESS, (Aspect.AREA,))}
    difference = comparison.fields[0].differences[0]
    assert difference.before == "GM0307 Amersfoort" and difference.after == "-"
    _edit(covenant_dir, "GM0308, ", "GM0307, GM0308, GM0200, ")  # and Apeldoorn joins
    kinds = {(c.kind, c.by) for c in _changes(original, covenant_dir).fields}
    assert kinds == {(Kind.MORE, (Aspect.AREA,))}


def test_validity_narrows_and_widens(original, covenant_dir):
    _edit(covenant_dir, "    tot: 2030-03-01", "    tot: 2028-03-01")
    comparison = _changes(original, covenant_dir)
    assert {(c.kind, c.by) for c in comparison.fields} == {(Kind.LESS, (Aspect.VALIDITY,))}
    assert {(c.kind, c.by) for c in comparison.tables} == {(Kind.LESS, (Aspect.VALIDITY,))}
    _edit(covenant_dir, "    tot: 2028-03-01", "    tot: 2031-03-01")
    assert {c.kind for c in _changes(original, covenant_dir).fields} == {Kind.MORE}


def test_a_source_more_or_less(original, covenant_dir):
    _edit(covenant_dir, "    bronnen: [politie, nla]\n    signaaltype: Signaal\n    ontvangers: [om]", "    bronnen: [politie]\n    signaaltype: Signaal\n    ontvangers: [om]")
    found = _kinds(_changes(original, covenant_dir))
    assert found == {("om", "Signaal", Kind.LESS, (Aspect.SOURCE,))}
    _edit(covenant_dir, "    bronnen: [politie]\n    signaaltype: Signaal\n    ontvangers: [om]", "    bronnen: [politie, nla, comensha]\n    signaaltype: Signaal\n    ontvangers: [om]")
    found = _kinds(_changes(original, covenant_dir))
    assert found == {("om", "Signaal", Kind.MORE, (Aspect.SOURCE,))}


def test_treatment_weaker_or_stronger_and_a_new_linkage_domain(original, covenant_dir):
    _edit(covenant_dir, "slachtoffer.bsn: pseudoniem-herleidbaar", "slachtoffer.bsn: doorgeven")
    _edit(covenant_dir, "      slachtoffer.geboortedatum: doorgeven\n      slachtoffer.geslacht: doorgeven\n      slachtoffer.nationaliteit: doorgeven\n      minderjarig: doorgeven\n      politie_eenheid: doorgeven", "      slachtoffer.geboortedatum: geboortejaar\n      slachtoffer.geslacht: doorgeven\n      slachtoffer.nationaliteit: doorgeven\n      minderjarig: doorgeven\n      politie_eenheid: doorgeven")
    by_field = {(c.party, c.field): c.kind for c in _changes(original, covenant_dir).fields}
    assert by_field[("gemeente-utrecht", "slachtoffer.bsn")] is Kind.WEAKER
    assert by_field[("comensha", "slachtoffer.geboortedatum")] is Kind.STRONGER


def test_joining_a_shared_linkage_domain_is_less_protection(original, covenant_dir):
    # a careless officer puts the RIEC in the care domain: its references become the same as
    # the care partners' (check allows it: the RIEC reads no identifier)
    _edit(covenant_dir, "partijen: [zorgcoordinatie-utrecht, veilig-thuis-utrecht]", "partijen: [zorgcoordinatie-utrecht, veilig-thuis-utrecht, riec-midden-nederland]")
    comparison = _changes(original, covenant_dir)
    riec = {c.kind for c in comparison.fields if c.party == "riec-midden-nederland"}
    assert riec == {Kind.WEAKER}
    aspects = {d.aspect for c in comparison.fields for d in c.differences}
    assert aspects == {"koppeldomein"}
    general = [t.nl for t in build_memo(comparison, original, covenant_facts(covenant_dir), "a", "b", TODAY).general]
    assert any("koppeldomein zorgketen" in line for line in general)


def test_other_grounds_name_basis_purpose_and_retention(original, covenant_dir):
    _edit(covenant_dir, "    grondslag: wpg-16\n    bewaartermijn: P5Y", "    grondslag: toestemming\n    bewaartermijn: P7Y")
    changes = [c for c in _changes(original, covenant_dir).fields if c.party == "comensha"]
    assert {c.kind for c in changes} == {Kind.GROUNDS}
    aspects = {(d.aspect, d.before, d.after) for d in changes[0].differences}
    assert aspects == {("grondslag", "wpg-16", "toestemming"), ("bewaartermijn langer", "P5Y", "P7Y")}


def test_statistics_new_table_raised_threshold_and_new_source(original, covenant_dir):
    # the three cases, which read as "geen verschil" before
    _edit(covenant_dir, "      - [leeftijdscategorie]\n", "      - [leeftijdscategorie]\n      - [melder_type]\n")
    _edit(covenant_dir, "      drempel: 10 ", "      drempel: 15 ")
    _edit(covenant_dir, "    bronnen: [politie, nla, comensha, gemeente-utrecht]", "    bronnen: [politie, nla, comensha, gemeente-utrecht, om]")
    tables = {c.table: c for c in _changes(original, covenant_dir).tables}
    assert tables[("melder_type",)].kind is Kind.NEW
    age = tables[("leeftijdscategorie",)]
    assert age.kind is Kind.MORE and age.by == (Aspect.SOURCE,)
    assert ("drempel", "10", "15") in {(d.aspect, d.before, d.after) for d in age.differences}
    assert {d.kind for d in age.differences if d.aspect == "drempel"} == {Kind.STRONGER}


def test_statistics_threshold_alone_is_better_protection_and_a_finer_period_less(original, covenant_dir):
    _edit(covenant_dir, "      drempel: 10 ", "      drempel: 15 ")
    assert {c.kind for c in _changes(original, covenant_dir).tables} == {Kind.STRONGER}
    _edit(covenant_dir, "    periode: kwartaal", "    periode: maand")
    assert {c.kind for c in _changes(original, covenant_dir).tables} == {Kind.WEAKER}


def test_a_version_bump_alone_changes_nothing_that_leaves(original, covenant_dir):
    _edit(covenant_dir, 'versie: "2025.1"', 'versie: "2025.2"')
    after = covenant_facts(covenant_dir)
    comparison = compare(original, after)
    assert comparison.fields == () and comparison.tables == ()
    memo = build_memo(comparison, original, after, "a", "b", TODAY)
    assert memo.empty and [t.nl for t in memo.general] == ["midden-nederland: versie 2025.1 → 2025.2"]


def test_the_memo_per_recipient_reads_without_the_yaml(original, covenant_dir):
    # a new recipient of R1: the envelope is said once, each rule with its description, its
    # legal basis in words, from which date
    _edit(covenant_dir, "    ontvangers: [om]", "    ontvangers: [om, riec-midden-nederland]")
    after = covenant_facts(covenant_dir)
    with speaking(Language.NL):
        memo = build_memo(compare(original, after), original, after, "v1", "v2", TODAY)
        document = memo_document(memo)
        markdown, page = to_markdown(document), to_html(document)
    assert [r.party for r in memo.recipients] == ["riec-midden-nederland"]
    assert "## Wat verandert voor RIEC Midden-Nederland (riec-midden-nederland)" in markdown
    assert "nieuw gedeeld: Signaal" in markdown
    assert "envelope.source" not in markdown.split("Samenvatting")[1]  # only in the note
    assert markdown.count("envelopvelden") == 1
    assert "“Het OM ontvangt signalen van politie en NLA volledig, voor opsporing en vervolging.”" in markdown
    assert "grondslag wjsg (Wet justitiële en strafvorderlijke gegevens)" in markdown
    assert "bewaren: 5 jaar" in markdown
    assert "Vanaf de publicatie (het convenant geldt sinds 2025-03-01)" in markdown
    assert page.startswith("<!doctype html>") and 'lang="nl"' in page and "http" not in page.split("<body>")[1].split("register.ketenstroom")[0]
    only = build_memo(compare(original, after), original, after, "v1", "v2", TODAY, recipient="om")
    assert only.recipients == ()


def test_a_change_in_the_future_says_from_when(original, covenant_dir):
    _edit(covenant_dir, "    van: 2025-03-01", "    van: 2027-01-01")
    after = covenant_facts(covenant_dir)
    with speaking(Language.NL):
        text = to_markdown(memo_document(build_memo(compare(original, after), original, after, "a", "b", TODAY)))
    assert "minder gedeeld door de geldigheid" in text and "Vanaf 2027-01-01." in text


def test_signals_without_a_location_and_a_condition_turned_around(original, covenant_dir):
    # a careless officer: also signals without a location, and minors turned into adults
    _edit(covenant_dir, "    grondslag: wgs\n    bewaartermijn: P1Y\n    voorwaarden:", "    grondslag: wgs\n    bewaartermijn: P1Y\n    ook_zonder_locatie: true\n    voorwaarden:")
    _edit(covenant_dir, "        minderjarig: true", "        minderjarig: false")
    found = _kinds(_changes(original, covenant_dir))
    assert found == {
        ("gemeente-utrecht", "Signaal", Kind.MORE, (Aspect.WITHOUT_LOCATION,)),
        ("veilig-thuis-utrecht", "Signaal", Kind.OTHER_SCOPE, (Aspect.CONDITION,)),
    }
    after = covenant_facts(covenant_dir)
    with speaking(Language.NL):
        text = to_markdown(memo_document(build_memo(compare(original, after), original, after, "a", "b", TODAY)))
    assert "meer gedeeld door signalen zonder locatie: Signaal" in text
    assert "anders afgebakend door een voorwaarde: Signaal" in text


def test_the_engines_results_are_plain_data(original):
    # plain data: every change converts to JSON without custom types (the live page reads it)
    import json

    from pipeline.officer.analysis.render import as_plain_data

    comparison = compare(original, original)
    assert comparison.fields == () and json.dumps(as_plain_data(comparison))


def test_a_herleidbaar_via_statement_is_classified_for_its_recipient(tmp_path):
    """Adding `herleidbaar_via` undoes what the covenant protects for that recipient: the memo
    says so under the recipient as less protected (with the reason); removing it protects it
    again; another reason is other grounds."""
    import shutil

    from pipeline.officer.comparison.covenants import statement_changes
    from tests.integration.combined_attack import NATIONWIDE, nationwide_covenant

    def directory(name: str, text: str):
        target = tmp_path / name
        shutil.copytree(CONVENANTEN, target)
        (target / f"{NATIONWIDE}.yaml").write_text(text)
        return covenant_facts(target)

    names = "      slachtoffer.voornamen: doorgeven\n      slachtoffer.achternaam: doorgeven\n"
    named = nationwide_covenant(statement=False) + names  # names under both: nothing to undo
    stated = nationwide_covenant(statement=True)
    reworded = stated.replace("Proef: CoMensha mag", "Voortaan: CoMensha mag")
    before, after, other = directory("voor", named), directory("na", stated), directory("anders", reworded)
    (added,) = statement_changes(before, after)
    assert (added.kind, added.covenant, added.recipient, added.through) == (
        Kind.WEAKER, NATIONWIDE, "comensha", "midden-nederland",
    )  # fmt: skip
    (removed,) = statement_changes(after, before)
    assert removed.kind is Kind.STRONGER and removed.reason_after is None
    (changed,) = statement_changes(after, other)
    assert changed.kind is Kind.GROUNDS
    memo = build_memo(compare(before, after), before, after, "a", "b", TODAY)
    (comensha,) = memo.recipients
    assert comensha.party == "comensha" and comensha.kinds[0] is Kind.WEAKER
    text = to_markdown(memo_document(memo))
    assert "- minder beschermd: herleiden via convenant midden-nederland" in text  # summary
    assert "### minder beschermd: herleiden via convenant midden-nederland" in text
    assert (
        f"Nieuw in {NATIONWIDE} (herleidbaar_via): comensha mag wat {NATIONWIDE} beschermt "
        "(pseudoniemen en grovere waarden van een persoon) herleiden met wat convenant "
        "midden-nederland het leesbaar geeft. Voor comensha is die bescherming daarmee "
        "opgeheven"
    ) in text
    assert "Reden: Proef: CoMensha mag de landelijke pseudoniemen" in text
    assert "..\n" not in text and ".. " not in text
    back = to_markdown(memo_document(build_memo(compare(after, before), after, before, "b", "a", TODAY)))
    assert "### beter beschermd: herleiden via convenant midden-nederland" in back
    # only the statement changed: the memo is not empty and says nothing else for comensha
    same = build_memo(compare(after, other), after, other, "b", "c", TODAY)
    assert not same.empty and same.recipients[0].entries == ()
    assert "op andere gronden: herleiden via convenant midden-nederland" in to_markdown(memo_document(same))


def test_a_basis_described_otherwise_under_its_key_shows_both_descriptions(original, covenant_dir):
    """The same key (wpg-16), another text: the memo shows the two texts, not "wpg-16 → wpg-16"."""
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    start = text.index("    wpg-16:\n")
    old = text[start : text.index("\n", text.index("omschrijving:", start)) + 1]
    line = old.splitlines()[1]
    new = old.replace(line, line.split(":", 1)[0] + ": Wet politiegegevens, artikel 16 lid 1 onder a")
    path.write_text(text.replace(old, new, 1))
    after = covenant_facts(covenant_dir)
    with speaking(Language.NL):
        memo = build_memo(compare(original, after), original, after, "oud", "nieuw", TODAY)
        said = to_markdown(memo_document(memo))
    assert "grondslag: wpg-16: Wet politiegegevens, artikel 16 (" in said
    assert "→ wpg-16: Wet politiegegevens, artikel 16 lid 1 onder a" in said
    assert "wpg-16 → wpg-16" not in said
