"""Each mistake a privacy officer makes, from a real file in tests/data/officer/fouten/, gets a
Dutch message at the line where it was made that says what to do (issue 20)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.checks.checker import check
from pipeline.covenant.loader import read_covenants
from pipeline.language import Language, speaking
from pipeline.registry import load_registry
from tests.conftest import CONVENANTEN

DATA = Path(__file__).resolve().parent.parent / "data" / "officer"
MISTAKES = DATA / "fouten"


def officer_dir(tmp_path: Path, covenant: Path, with_midden: bool = False) -> Path:
    """convenanten/ as the officer has it after adding the ZWB partners, with one ZWB file."""
    target = tmp_path / "convenanten"
    target.mkdir()
    registry = (CONVENANTEN / "deelnemers.yaml").read_text()
    extra = (DATA / "deelnemers-erbij.yaml").read_text()
    (target / "deelnemers.yaml").write_text(registry + extra)
    if with_midden:
        shutil.copy(CONVENANTEN / "midden-nederland.yaml", target)
    shutil.copy(covenant, target / "zeeland-west-brabant.yaml")
    return target


def problems_in(directory: Path, store: SchemaStore) -> list[str]:
    """What `convenant check` reports, in Dutch: syntax, structure and checks, all at once."""
    with speaking(Language.NL):
        reading = read_covenants(directory)
        return reading.problems + check(reading.checkable, load_registry(directory), store)


def line_of(path: Path, needle: str) -> int:
    """The line that starts with ``needle`` (after any indentation it names itself), else the
    first that contains it."""
    lines = path.read_text().splitlines()
    starts = [i for i, line in enumerate(lines, 1) if line.startswith(needle)]
    return starts[0] if starts else next(i for i, line in enumerate(lines, 1) if needle in line)


CASES = [
    # (file, text on the line of the mistake, what the officer reads)
    ("tab", "\tbewaartermijn", "hier staat een tab; YAML kent alleen spaties om in te springen"),
    (
        "dubbele-punt-in-tekst",
        "Let op:",
        "in de tekst na `omschrijving:` staat een dubbele punt met een spatie erachter; YAML "
        "leest dat als een nieuwe sleutel. Zet de hele tekst tussen dubbele aanhalingstekens: "
        'omschrijving: "Let op: het OM ontvangt signalen van politie en NLA."',
    ),
    (
        "apostrof",
        "'s-Hertogenbosch",
        "de tekst na `omschrijving:` begint met een apostrof ('s-Hertogenbosch doet niet mee; de "
        "gemeente Breda ontvangt signalen uit Breda.). YAML leest dat als het begin van een tekst "
        "tussen aanhalingstekens",
    ),
    ("inspringen", '    versie: "2026.1"', "springt verder in dan regel"),
    (
        "versie-als-getal",
        "versie: 2026.10",
        "kop: `versie` moet tekst zijn, maar YAML leest 2026.10 als een getal en laat daarbij "
        'nullen aan het eind weg. Zet het tussen aanhalingstekens: versie: "2026.10"',
    ),
    (
        "nee-in-plaats-van-false",
        "ook_zonder_locatie: nee",
        "regel Z3: `ook_zonder_locatie` is ja of nee: schrijf `true` (ja) of `false` (nee), niet nee",
    ),
    (
        "behandeling-verschreven",
        "slachtoffer.bsn: pseudoniemen",
        "regel Z3: pseudoniemen is geen behandeling (bij slachtoffer.bsn); bedoelt u pseudoniem?",
    ),
    (
        "signaaltype-kleine-letters",
        "signaaltype: signaal",
        "regel Z3: signaaltype 'signaal' bestaat niet; bedoelt u Signaal?",
    ),
    (
        "partij-verschreven",
        "gemeente-bredaa",
        "regel Z3: 'gemeente-bredaa' is geen partij van dit convenant; bedoelt u gemeente-breda?",
    ),
    (
        "sleutel-verschreven",
        "omschrijvng:",
        "regel Z3: `omschrijvng` is hier geen bekende sleutel; bedoelt u `omschrijving`?",
    ),
    (
        "bewaartermijn-in-woorden",
        "bewaartermijn: 2 jaar",
        "regel Z2: `bewaartermijn: 2 jaar` kan de pijplijn niet lezen; schrijf `bewaartermijn: P2Y`",
    ),
    (
        "veld-naast-velden",
        "    uitbuitingsvorm: doorgeven",
        "regel Z3: `uitbuitingsvorm` is een veld, maar staat niet onder `velden:`",
    ),
    (
        "noorwegen",
        "in: [NO, SWE]",
        "YAML leest deze waarde van slachtoffer.nationaliteit als ja/nee (false); bedoelt u de "
        'tekst, zet die dan tussen aanhalingstekens (bijvoorbeeld "NO" voor Noorwegen)',
    ),
    (
        "tot-voor-van",
        "tot: 2025-12-31",
        "kop: `tot` moet na `van` liggen (tot is de eerste dag waarop het convenant niet meer geldt)",
    ),
    (
        "gemeentecode-verschreven",
        "is: GM758",
        "regel Z3: voorwaarde: slachtoffer.adres.gemeentecode is een gemeentecode, maar GM758 is "
        "geen gemeente in de gemeentelijke indeling van het CBS op 1 januari 2023; bedoelt u "
        "GM0758 (Breda)? Met deze waarde geldt de voorwaarde voor geen enkel signaal",
    ),
    (
        "gemeentecode-bestaat-niet",
        "in: [GM0758, GM9999]",
        "regel Z3: voorwaarde: slachtoffer.adres.gemeentecode is een gemeentecode, maar GM9999 is "
        "geen gemeente in de gemeentelijke indeling van het CBS op 1 januari 2023. Met deze "
        "waarde geldt de voorwaarde",
    ),
    (
        "koppeldomein-met-bsn",
        "zorg-en-gemeente:",
        "zorgcoordinatie-zwb zit in koppeldomein zorg-en-gemeente en krijgt ook het BSN leesbaar",
    ),
]


@pytest.mark.parametrize(("name", "needle", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_gets_a_dutch_message_at_its_line(tmp_path, store, name, needle, message):
    directory = officer_dir(tmp_path, MISTAKES / f"{name}.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    problems = problems_in(directory, store)
    assert problems, f"{name}: no problem found"
    matching = [p for p in problems if message in p]
    assert matching, f"{name}: expected {message!r} in {problems}"
    line = line_of(path, needle)
    lines = {
        int(m.group(1))
        for p in matching
        if (m := re.match(rf"{re.escape(str(path))}:(\d+):\d+: ", p))
    }
    assert line in lines or (name == "koppeldomein-met-bsn" and line + 1 in lines), (line, matching)
    jargon = (
        "Input should",
        "Extra inputs",
        "mapping values",
        "could not find",
        "regels.",
        "found character",
    )
    assert not any(j in p for p in problems for j in jargon), problems


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tot-voor-van", "2025-12-31"),
        ("gemeentecode-verschreven", "GM758"),
        ("gemeentecode-bestaat-niet", "GM9999"),
    ],
)
def test_the_mistake_is_reported_at_the_value_itself(tmp_path, store, name, value):
    """file:line:column points at the wrong value, not at the key above it (`geldig`) or at the
    start of the list it stands in."""
    directory = officer_dir(tmp_path, MISTAKES / f"{name}.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    (problem,) = problems_in(directory, store)
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if value in text and "#" not in text)
    column = lines[line - 1].index(value) + 1
    assert problem.startswith(f"{path}:{line}:{column}: "), problem


def test_a_municipality_suggestion_is_always_a_real_municipality():
    """The did-you-mean of a municipality names only codes of the CBS list (never a guess
    that is itself no municipality), and prefers the covenant's own area."""
    from pipeline.places.municipalities import closest, known

    assert closest("GM758").code == "GM0758"
    assert closest("0758").code == "GM0758"
    assert closest("breda").code == "GM0758"
    assert closest("Bredaa").code == "GM0758"
    assert closest("GM0759", nearby=["GM0758", "GM0826"]).code == "GM0758"
    assert closest("GM9999") is None and closest("GM0999") is None
    for typo in ("GM0000", "GM1", "GM12345", "Utreht", "GM03444", "gm0344", "Den Bosch", ""):
        found = closest(typo)
        assert found is None or known(found.code) == found, typo


def test_a_duplicate_rule_id_names_both_lines(tmp_path, store):
    directory = officer_dir(tmp_path, MISTAKES / "dubbele-regel-id.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    text = path.read_text().splitlines()
    first, second = [i for i, line in enumerate(text, 1) if line == "  - id: Z2"]
    (problem,) = [p for p in problems_in(directory, store) if "twee keer" in p]
    assert problem.startswith(f"{path}:{second}:")
    assert f"regel-id Z2 komt twee keer voor: ook op regel {first} van dit bestand" in problem


def test_every_independent_mistake_of_a_file_in_one_run(tmp_path, store):
    # an unquoted version, retention in words, a misspelt field and a misspelt party: four
    # mistakes in the heading and three rules; none hides another
    directory = officer_dir(tmp_path, MISTAKES / "meerdere-fouten.yaml")
    problems = problems_in(directory, store)
    expected = [
        'versie: "2026.10"',
        "schrijf `bewaartermijn: P5Y`",
        "Signaal heeft geen veld slachtoffer.bsnn; bedoelt u slachtoffer.bsn?",
        "bedoelt u gemeente-breda?",
    ]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)
    assert len(problems) == 4, problems


def test_a_conflict_between_covenants_names_both_files_and_lines(tmp_path, store):
    # om is in a linkage domain of the ZWB covenant and reads the BSN under Midden-Nederland R1
    directory = officer_dir(
        tmp_path, MISTAKES / "koppeldomein-over-convenanten.yaml", with_midden=True
    )
    midden = directory / "midden-nederland.yaml"
    zwb = directory / "zeeland-west-brabant.yaml"
    problems = problems_in(directory, store)
    assert len(problems) == 2  # the BSN and the name, each read under Midden-Nederland R1
    problem = next(p for p in problems if "het BSN" in p)
    bsn_line = line_of(midden, "slachtoffer.bsn: doorgeven")
    assert problem.startswith(f"{zwb}:{line_of(zwb, 'handhaving:')}:")
    assert f"(convenant midden-nederland, regel R1, {midden}:{bsn_line}:" in problem
    assert "om zit in koppeldomein handhaving en krijgt ook het BSN leesbaar" in problem


def test_two_files_with_one_covenant_id_are_both_named(tmp_path, store):
    directory = officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml")
    shutil.copy(directory / "zeeland-west-brabant.yaml", directory / "kopie.yaml")
    (problem,) = problems_in(directory, store)
    assert problem.startswith(f"{directory / 'zeeland-west-brabant.yaml'}:")
    assert (
        f"convenant-id 'zeeland-west-brabant' wordt ook gebruikt in {directory / 'kopie.yaml'}:"
        in problem
    )


def test_the_scenario_covenant_is_valid(tmp_path, store):
    assert problems_in(officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml", True), store) == []


def test_a_long_quoted_text_over_several_lines_is_no_mistake():
    from pipeline.yaml_files.syntax import parse

    text = yaml.dump(
        {"a": {"omschrijving": "'s-Hertogenbosch: " + "woord: " * 30, "b": 1}}, width=60
    )
    parsed = parse(text)
    assert parsed.findings == () and parsed.data["a"]["b"] == 1
