"""Two covenants together (issue 26, attack 1): one recipient that gets a person's identity under
one and only a pseudonym or generalisation of it under the other can re-identify; `convenant
check` refuses it unless the protecting covenant says so under `herleidbaar_via`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.covenant.checks.checker import check, warnings
from pipeline.covenant.checks.combinations import reidentifiable_across
from pipeline.covenant.loader import load_covenants, read_covenants
from pipeline.language import Language, speaking
from pipeline.registry import load_registry
from tests.integration.combined_attack import NATIONWIDE, nationwide_covenant
from tests.unit.test_covenant_check import _compile, _line_of, _problems


def _nationwide(directory: Path, text: str) -> Path:
    path = directory / f"{NATIONWIDE}.yaml"
    path.write_text(text)
    return path


def _checked(directory: Path, store) -> list[str]:
    reading = read_covenants(directory)
    return reading.problems + check(reading.checkable, load_registry(directory), store)


def test_a_pseudonym_under_one_covenant_and_the_name_under_another_is_refused(covenant_dir, store):
    """Broke before (issue 26, attack 1): a nationwide covenant giving CoMensha only a BSN
    pseudonym next to Midden-Nederland giving it the name compiled without a word; CoMensha
    paired its two views of each Utrecht signal and named 19 of 19 later Rotterdam signals it
    had received only as a pseudonym. Now `check` refuses it, naming both files and lines."""
    path = _nationwide(covenant_dir, nationwide_covenant(statement=False))
    with speaking(Language.NL):
        (problem,) = _problems(covenant_dir, store)
    shipped = covenant_dir / "midden-nederland.yaml"
    assert problem.startswith(f"{path}:{_line_of(path, 'slachtoffer.bsn: pseudoniem')}:")
    assert "comensha krijgt onder dit convenant (landelijk-registratie, regel L1)" in problem
    assert "slachtoffer.bsn (pseudoniem)" in problem and "de naam leesbaar" in problem
    assert "midden-nederland (regel R4, " in problem and str(shipped) in problem
    assert "herleidbaar_via" in problem  # what to do


def test_the_finding_is_plain_data_for_a_side_by_side_view(covenant_dir):
    """The finding is one function's result, with both sides' covenant, rule, fields and
    place, so another view of covenants side by side can show it too."""
    _nationwide(covenant_dir, nationwide_covenant(statement=False))
    (found,) = reidentifiable_across(load_covenants(covenant_dir))
    assert (found.recipient, found.signal_type, found.sources) == (
        "comensha",
        "Signaal",
        ("politie", "nla"),
    )
    assert found.kinds == ("naam",) and found.stated is None
    assert (found.identity.covenant, found.identity.rule) == ("midden-nederland", "R4")
    assert dict(found.identity.fields) == {
        "slachtoffer.voornamen": "doorgeven",
        "slachtoffer.achternaam": "doorgeven",
    }
    assert (found.protected.covenant, found.protected.rule) == (NATIONWIDE, "L1")
    assert dict(found.protected.fields) == {"slachtoffer.bsn": "pseudoniem"}
    assert found.identity.where.startswith(str(covenant_dir / "midden-nederland.yaml"))


def test_a_stated_reason_lets_it_through_and_a_stale_statement_is_a_warning(covenant_dir, store):
    _nationwide(covenant_dir, nationwide_covenant(statement=True))
    policy = _compile(covenant_dir, store)
    assert policy.version == f"{NATIONWIDE}@2026.1+midden-nederland@2025.1"
    (found,) = reidentifiable_across(load_covenants(covenant_dir))
    assert found.stated is not None and found.stated.convenant == "midden-nederland"
    registry = load_registry(covenant_dir)
    assert not [w for w in warnings(load_covenants(covenant_dir), registry) if "herleidbaar" in w]
    # the name no longer reaches CoMensha under Midden-Nederland: nothing left to allow
    shipped = covenant_dir / "midden-nederland.yaml"
    text = shipped.read_text()
    r4 = text.index("  - id: R4")
    r4_end = text.index("  - id: R5")
    rule = text[r4:r4_end]
    shipped.write_text(
        text[:r4]
        + rule.replace(
            "slachtoffer.voornamen: doorgeven", "slachtoffer.voornamen: weglaten"
        ).replace("slachtoffer.achternaam: doorgeven", "slachtoffer.achternaam: weglaten")
        + text[r4_end:]
    )
    with speaking(Language.NL):
        (stale,) = [
            w for w in warnings(load_covenants(covenant_dir), registry) if "herleidbaar_via" in w
        ]
    assert "maar geen regel maakt dat mogelijk" in stale


@pytest.mark.parametrize(
    ("old", "new", "expected", "at"),
    [
        (
            "convenant: midden-nederland",
            "convenant: midden-nederlnd",
            "bedoelt u midden-nederland?",
            "convenant: midden-nederlnd",
        ),
        (
            "convenant: midden-nederland",
            f"convenant: {NATIONWIDE}",
            "dit convenant zelf",
            f"convenant: {NATIONWIDE}",
        ),
        ("ontvanger: comensha", "ontvanger: om", "geen partij van dit convenant", "ontvanger: om"),
        (
            "        Proef: CoMensha mag de landelijke pseudoniemen naast de namen uit Midden-Nederland\n"
            "        leggen; gemeten wordt wat de router daarbij nog aan koppeling geeft.\n",
            "        omdat het moet\n",
            "minstens 20 tekens",
            "reden:",
        ),
    ],
)
def test_a_careless_statement_is_an_error_at_its_line(covenant_dir, store, old, new, expected, at):
    """A careless officer: an unknown covenant, the covenant itself, a recipient that is no
    party, a reason of three words: each an error on the statement's line, in plain Dutch."""
    text = nationwide_covenant(statement=True)
    assert old in text
    path = _nationwide(covenant_dir, text.replace(old, new, 1))
    with speaking(Language.NL):
        problems = _checked(covenant_dir, store)
    (problem,) = [p for p in problems if expected in p]
    line = _line_of(path, at)
    assert problem.startswith(f"{path}:{line}:")
    if "ontvanger" not in old:  # an invalid statement allows nothing: the finding stands
        assert any("comensha krijgt onder dit convenant" in p for p in problems)


def test_only_overlapping_scopes_count(covenant_dir, store):
    """Areas apart (a Rotterdam-only covenant), periods apart, or another signal type: no
    signal reaches the recipient under both, nothing to join."""
    base = nationwide_covenant(statement=False)
    rotterdam = base.replace(
        "werkgebied: landelijk",
        "werkgebied:\n    gemeenten: [GM0599]\n    politie_eenheden: [ROTTERDAM]",
    )
    _nationwide(covenant_dir, rotterdam)
    assert reidentifiable_across(load_covenants(covenant_dir)) == []
    assert _compile(covenant_dir, store)
    # both rules also take signals without a location: those reach both
    both = rotterdam.replace(
        "    bewaartermijn: P5Y\n", "    bewaartermijn: P5Y\n    ook_zonder_locatie: true\n"
    )
    _nationwide(covenant_dir, both)
    shipped = covenant_dir / "midden-nederland.yaml"
    shipped.write_text(
        shipped.read_text().replace(
            "    grondslag: wpg-16\n    bewaartermijn: P5Y\n    velden:\n      melder_type",
            "    grondslag: wpg-16\n    bewaartermijn: P5Y\n    ook_zonder_locatie: true\n    velden:\n      melder_type",
        )
    )
    assert len(reidentifiable_across(load_covenants(covenant_dir))) == 1
    shipped.write_text(shipped.read_text().replace("    ook_zonder_locatie: true\n", ""))
    ended = base.replace("    van: 2025-01-01\n", "    van: 2020-01-01\n    tot: 2025-03-01\n")
    _nationwide(covenant_dir, ended)  # ends the day Midden-Nederland starts
    assert reidentifiable_across(load_covenants(covenant_dir)) == []
    referral = base.replace("signaaltype: Signaal", "signaaltype: Verwijzing").replace(
        "bronnen: [politie, nla]", "bronnen: [politie]"
    )
    _nationwide(covenant_dir, referral)
    assert reidentifiable_across(load_covenants(covenant_dir)) == []


def test_a_generalisation_counts_and_a_covenant_that_names_too_does_not(covenant_dir):
    """An age band is protection the name undoes; a covenant that gives the name itself has
    nothing to undo, unless it keeps the BSN from the recipient that the other one gives."""
    age = nationwide_covenant(statement=False).replace(
        "slachtoffer.bsn: pseudoniem", "slachtoffer.geboortedatum: leeftijdscategorie"
    )
    _nationwide(covenant_dir, age)
    (found,) = reidentifiable_across(load_covenants(covenant_dir))
    assert dict(found.protected.fields) == {"slachtoffer.geboortedatum": "leeftijdscategorie"}
    named = nationwide_covenant(statement=False).replace(
        "      slachtoffer.bsn: pseudoniem\n",
        "      slachtoffer.bsn: pseudoniem\n      slachtoffer.achternaam: doorgeven\n",
    )
    _nationwide(covenant_dir, named)
    assert [f.recipient for f in reidentifiable_across(load_covenants(covenant_dir))] == []
    # the zorgcoördinator reads the BSN under Midden-Nederland (versleuteld); given the name
    # and only a BSN pseudonym nationwide, it learns the BSN the nationwide covenant keeps
    zorg = named.replace("ontvangers: [comensha]", "ontvangers: [zorgcoordinatie-utrecht]").replace(
        "partijen: [politie, nla, comensha]", "partijen: [politie, nla, zorgcoordinatie-utrecht]"
    )
    _nationwide(covenant_dir, zorg)
    (found,) = reidentifiable_across(load_covenants(covenant_dir))
    assert found.recipient == "zorgcoordinatie-utrecht" and found.kinds == ("bsn",)
    assert dict(found.identity.fields) == {"slachtoffer.bsn": "versleuteld"}


def test_a_copy_of_the_covenant_under_another_id_gives_no_finding(covenant_dir):
    """Held: the same rules twice give every recipient the same form of each field twice, so
    neither covenant protects what the other discloses."""
    text = (covenant_dir / "midden-nederland.yaml").read_text()
    text = text.replace("verwerkingen/midden-nederland", "verwerkingen/tweede")
    (covenant_dir / "tweede.yaml").write_text(text.replace("id: midden-nederland", "id: tweede", 1))
    assert reidentifiable_across(load_covenants(covenant_dir)) == []


def test_checking_one_file_checks_it_with_the_others_beside_it(covenant_dir):
    """A careless officer checks only the file she changed: the pair is still found, from
    either side, and a statement naming a covenant beside it is no unknown covenant."""
    from tests.helpers import run_cli

    _nationwide(covenant_dir, nationwide_covenant(statement=False))
    env = {"KETENSTROOM_TAAL": "nl"}
    for name in ("midden-nederland.yaml", f"{NATIONWIDE}.yaml"):
        done = run_cli("convenant", "check", str(covenant_dir / name), env=env)
        assert done.returncode == 1, done.stdout
        assert "comensha krijgt onder dit convenant (landelijk-registratie" in done.stderr
    _nationwide(covenant_dir, nationwide_covenant(statement=True))
    done = run_cli("convenant", "check", str(covenant_dir / f"{NATIONWIDE}.yaml"), env=env)
    assert done.returncode == 0, done.stderr
