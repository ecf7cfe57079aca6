"""Example tests (*.voorbeelden.yaml) pass on the shipped covenant and catch a changed one."""

from pipeline.officer.examples import run_examples
from tests.conftest import CONVENANTEN, NOW
from tests.unit.test_covenant_check import _compile, _edit


def test_shipped_examples_pass(policy):
    results = run_examples(CONVENANTEN, policy, NOW)
    assert len(results) >= 5
    assert all(r.passed for r in results), [r.problems for r in results]


def test_a_widened_rule_fails_its_examples(covenant_dir, store):
    # gemeente-utrecht is now also given the victim's surname
    _edit(
        covenant_dir,
        "      slachtoffer.adres.gemeentecode: doorgeven\n      minderjarig: doorgeven\n\n  - id: R4",
        "      slachtoffer.adres.gemeentecode: doorgeven\n      slachtoffer.achternaam: doorgeven\n"
        "      minderjarig: doorgeven\n\n  - id: R4",
    )
    results = run_examples(covenant_dir, _compile(covenant_dir, store), NOW)
    failed = [r for r in results if not r.passed]
    assert len(failed) == 2
    assert "gemeente-utrecht also receives slachtoffer.achternaam" in failed[0].problems


def test_an_unnamed_recipient_must_receive_nothing(covenant_dir, store):
    examples = covenant_dir / "midden-nederland.voorbeelden.yaml"
    examples.write_text(
        examples.read_text().replace(
            "      riec-midden-nederland: [inspectie_id, datum, gemeentecode, sector, kvk_nummer, bevindingen, mogelijke_slachtoffers]\n",
            "",
        )
    )
    results = run_examples(covenant_dir, _compile(covenant_dir, store), NOW)
    (failed,) = [r for r in results if not r.passed]
    assert failed.problems[0].startswith("riec-midden-nederland receives ")
    assert "(not named in the example)" in failed.problems[0]


def test_a_narrowed_rule_fails_too(covenant_dir, store):
    _edit(
        covenant_dir,
        "    ontvangers: [riec-midden-nederland, gemeente-utrecht]",
        "    ontvangers: [riec-midden-nederland]",
    )
    results = run_examples(covenant_dir, _compile(covenant_dir, store), NOW)
    (failed,) = [r for r in results if not r.passed]
    assert failed.problems == (
        "gemeente-utrecht receives nothing, expected inspectie_id, datum, gemeentecode, "
        "sector, kvk_nummer, bevindingen, mogelijke_slachtoffers",
    )
