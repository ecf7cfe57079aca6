"""Covenant checking: every problem names file:line:column and what to do."""

import re
from pathlib import Path

import pytest

from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.errors import CovenantError
from pipeline.privacy.keyring import ephemeral_keyring
from pipeline.registry import load_registry


def _compile(directory: Path, store):
    registry = load_registry(directory)
    return compile_policy(
        load_covenants(directory), registry, store, ephemeral_keyring(registry.ids)
    )


def _edit(directory: Path, old: str, new: str) -> Path:
    path = directory / "midden-nederland.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def _problems(directory, store) -> list[str]:
    with pytest.raises(CovenantError) as err:
        _compile(directory, store)
    return err.value.problems


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_the_shipped_covenant_compiles(covenant_dir, store):
    policy = _compile(covenant_dir, store)
    assert policy.version == "midden-nederland@2025.1"


def test_misspelt_field_gets_file_line_and_a_suggestion(covenant_dir, store):
    path = _edit(
        covenant_dir, "      slachtoffer.bsn: doorgeven", "      slachtoffer.bsnn: doorgeven"
    )
    (problem,) = _problems(covenant_dir, store)
    assert problem.startswith(f"{path}:{_line_of(path, 'slachtoffer.bsnn')}:")
    assert "unknown field slachtoffer.bsnn in rule R1; did you mean slachtoffer.bsn?" in problem


def test_a_group_of_fields_must_be_spelt_out(covenant_dir, store):
    _edit(
        covenant_dir,
        "      slachtoffer.adres.gemeentecode: doorgeven\n      minderjarig: doorgeven\n      urgent",
        "      slachtoffer.adres: doorgeven\n      minderjarig: doorgeven\n      urgent",
    )
    (problem,) = _problems(covenant_dir, store)
    assert "slachtoffer.adres in rule R2 is a group of fields" in problem
    assert "slachtoffer.adres.postcode" in problem


def test_unknown_party_and_undefined_purpose_and_basis(covenant_dir, store):
    path = _edit(covenant_dir, "    ontvangers: [om]", "    ontvangers: [ommm]")
    _edit(covenant_dir, "    doel: opsporing", "    doel: opsporen")
    _edit(covenant_dir, "    grondslag: wjsg", "    grondslag: wjsgg")
    problems = _problems(covenant_dir, store)
    assert len(problems) == 3
    assert any(
        "'ommm' in rule R1 is not a party" in p and "did you mean om?" in p for p in problems
    )
    assert any("doel 'opsporen'" in p and "did you mean opsporing?" in p for p in problems)
    assert any("grondslag 'wjsgg'" in p for p in problems)
    assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", p) for p in problems)


def test_unknown_signal_type(covenant_dir, store):
    _edit(covenant_dir, "    signaaltype: Controle", "    signaaltype: Inspectie")
    (problem,) = _problems(covenant_dir, store)
    assert "unknown signal type 'Inspectie'" in problem and "Controle" in problem


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      sector: doorgeven\n      indicatoren: doorgeven\n      slachtoffer.bsn: pseudoniem-herleidbaar",
            "      sector: pc4\n      indicatoren: doorgeven\n      slachtoffer.bsn: pseudoniem-herleidbaar",
            "pc4 applies to a postcode field; sector is not one",
        ),
        (
            "      slachtoffer.voornamen: doorgeven\n      slachtoffer.achternaam: doorgeven\n      slachtoffer.geboortedatum: doorgeven\n      slachtoffer.geslacht: doorgeven\n      slachtoffer.adres.gemeentecode: doorgeven\n      minderjarig: doorgeven\n      urgent",
            "      slachtoffer.voornamen: geboortejaar\n      slachtoffer.achternaam: doorgeven\n      slachtoffer.geboortedatum: doorgeven\n      slachtoffer.geslacht: doorgeven\n      slachtoffer.adres.gemeentecode: doorgeven\n      minderjarig: doorgeven\n      urgent",
            "geboortejaar needs a date field; slachtoffer.voornamen is not one",
        ),
        (
            "      indicatoren: doorgeven\n      slachtoffer.bsn: doorgeven",
            "      indicatoren: pseudoniem\n      slachtoffer.bsn: doorgeven",
            "pseudoniem applies to text, number or date fields; indicatoren is array",
        ),
    ],
)
def test_treatments_must_fit_the_field(covenant_dir, store, old, new, message):
    _edit(covenant_dir, old, new)
    (problem,) = _problems(covenant_dir, store)
    assert message in problem


def test_one_field_gets_one_treatment_per_recipient(covenant_dir, store):
    # a second rule gives om the BSN as a pseudonym, while R1 passes it on
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(
        path.read_text()
        + """
  - id: R9
    bronnen: [politie]
    signaaltype: Signaal
    ontvangers: [om]
    doel: opsporing
    grondslag: wjsg
    bewaartermijn: P1Y
    velden:
      slachtoffer.bsn: pseudoniem
"""
    )
    (problem,) = _problems(covenant_dir, store)
    last = len(path.read_text().splitlines())  # R9's field is the file's last line
    assert problem.startswith(f"{path}:{last}:")
    line_r1 = _line_of(path, "slachtoffer.bsn: doorgeven")
    assert (
        f"slachtoffer.bsn of Signaal from politie to om: rule R1 (line {line_r1}) says doorgeven, "
        "this rule says pseudoniem; one field gets one treatment" in problem
    )


def test_keyed_treatments_need_a_keyring_and_recipient_keys(covenant_dir, store):
    from pipeline.privacy.keyring import Keyring

    registry = load_registry(covenant_dir)  # the shipped covenant encrypts the BSN in rule R2
    with pytest.raises(CovenantError) as err:
        compile_policy(load_covenants(covenant_dir), registry, store, None)
    assert "the router needs a keyring" in str(err.value)
    with pytest.raises(CovenantError) as err:
        compile_policy(load_covenants(covenant_dir), registry, store, Keyring())
    # the worker's refusal to start, in words the operator can act on
    assert (
        "covenant midden-nederland, rule R2 encrypts slachtoffer.bsn for zorgcoordinatie-utrecht, "
        "but the keyring has no public key for zorgcoordinatie-utrecht. Run `ketenstroom keys "
        "recipient --for zorgcoordinatie-utrecht`" in str(err.value)
    )
    assert "then start the worker again" in str(err.value)


def test_structural_errors_point_at_the_field(covenant_dir, store):
    path = _edit(
        covenant_dir,
        "      slachtoffer.geslacht: doorgeven\n      slachtoffer.adres.gemeentecode",
        "      slachtoffer.geslacht: doorgevn\n      slachtoffer.adres.gemeentecode",
    )
    (problem,) = _problems(covenant_dir, store)
    assert problem.startswith(f"{path}:{_line_of(path, 'doorgevn')}:")
    assert (
        "rule R2: doorgevn is not a treatment (for slachtoffer.geslacht); did you mean doorgeven?"
        in problem
    )


def test_yaml_syntax_error_has_a_position(covenant_dir, store):
    path = _edit(covenant_dir, "  titel: Convenant", "  titel: [Convenant")
    (problem,) = _problems(covenant_dir, store)
    assert problem.startswith(f"{path}:{_line_of(path, '[Convenant')}:")
    assert "the [ ... ] opened on line" in problem


def test_validity_period_must_be_ordered(covenant_dir, store):
    _edit(covenant_dir, "    tot: 2030-03-01", "    tot: 2020-03-01")
    (problem,) = _problems(covenant_dir, store)
    assert "tot must lie after van" in problem


def test_registry_duplicates_are_refused(covenant_dir, store):
    registry = covenant_dir / "deelnemers.yaml"
    registry.write_text(registry.read_text() + "  - id: om\n    naam: Nog een OM\n    soort: om\n")
    with pytest.raises(CovenantError, match="'om' appears twice"):
        load_registry(covenant_dir)


def test_a_registry_recipient_without_inbox_cannot_receive(covenant_dir, store):
    registry = covenant_dir / "deelnemers.yaml"
    registry.write_text(
        registry.read_text().replace(
            "  - id: om\n    naam: Openbaar Ministerie\n    soort: om\n",
            "  - id: om\n    naam: Openbaar Ministerie\n    soort: om\n    ontvangt: false\n",
        )
    )
    problems = _problems(covenant_dir, store)
    assert any("'om' in rule R1: the registry says ontvangt: false" in p for p in problems)


def test_a_linkage_domain_of_one_party_gives_it_pseudonyms_of_their_own(covenant_dir, store):
    """The way out of "blijft herkenbaar" (the memo): a koppeldomein of one party under a new
    name. The OM receives names readably (R1), which would refuse it in a shared domain; alone
    in its domain there is no one else whose pseudonyms it could read."""
    before = _compile(covenant_dir, store)
    _edit(covenant_dir, "  koppeldomeinen:\n", "  koppeldomeinen:\n    om-2026:\n      partijen: [om]\n")
    after = _compile(covenant_dir, store)
    assert before.domains_of["om"] == {"midden-nederland/om"}
    assert after.domains_of["om"] == {"midden-nederland/om-2026"}


def test_a_statistics_category_of_no_municipality_is_named_with_its_likely_code(
    covenant_dir, store
):
    """`indeling: gemeente: [GM344]` would count nothing there (every signal to OVERIG)."""
    path = _edit(
        covenant_dir,
        "      - [leeftijdscategorie]\n",
        "      - [leeftijdscategorie]\n      - [gemeente]\n"
        "    indeling:\n      gemeente: [GM0344, GM344]\n",
    )
    problems = [p for p in _problems(covenant_dir, store) if "GM344" in p]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{_line_of(path, 'gemeente: [GM0344, GM344]')}:")
    assert "gemeente GM344 bestaat niet" in problems[0] and "GM0344 (Utrecht)" in problems[0]
