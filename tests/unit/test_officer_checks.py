"""The mistakes a privacy officer made writing a second region's covenant from the guide alone
(issue 27): each one, from a real file in tests/data/officer/, gets a Dutch message that says
what to do; the officer's commands speak Dutch, help pages included."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.covenant.checks.checker import warnings
from pipeline.covenant.checks.keys import encryption_warnings, unchecked_keys
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.language import Language, speaking
from pipeline.messages import tools as tools_msg
from pipeline.officer.examples import run_examples
from pipeline.privacy.keyring import ephemeral_keyring
from pipeline.registry import load_registry, read_registry
from tests.conftest import CONVENANTEN, NOW, ROOT
from tests.helpers import run_cli
from tests.unit.test_officer_mistakes import DATA, MISTAKES, line_of, officer_dir, problems_in


def test_is_ja_on_a_true_false_field_is_an_error_at_its_line(tmp_path, store):
    directory = officer_dir(tmp_path, MISTAKES / "ja-bij-waar-onwaar.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    (problem,) = problems_in(directory, store)
    assert problem.startswith(f"{path}:{line_of(path, 'is: ja')}:")
    assert (
        "regel Z3: voorwaarde: urgent is ja of nee (true of false), dus ja komt er nooit in voor "
        "en deze regel zou nooit gelden; schrijf `is: true` (ja) of `is: false` (nee)" in problem
    )


def test_encrypting_for_a_recipient_without_a_key_is_a_dutch_warning(tmp_path, store):
    directory = officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    covenants = load_covenants(directory)
    keyring = tmp_path / "keyring.json"
    others = frozenset(load_registry(directory).ids) - {"zorgcoordinatie-zwb"}
    with speaking(Language.NL):
        (warning,) = encryption_warnings(covenants, others, keyring)
        unknown = unchecked_keys(covenants, None, keyring)
    assert warning.startswith(f"{path}:{line_of(path, 'slachtoffer.bsn: versleuteld')}:")
    assert (
        f"regel Z2: deze regel versleutelt slachtoffer.bsn voor zorgcoordinatie-zwb, maar de "
        f"sleutelring ({keyring}) heeft geen sleutel van zorgcoordinatie-zwb; zonder sleutel "
        "start de router niet. Laat de beheerder eerst `ketenstroom keys recipient --for "
        "zorgcoordinatie-zwb` draaien" in warning
    )
    assert encryption_warnings(covenants, others | {"zorgcoordinatie-zwb"}, keyring) == []
    # without a keyring to read, check notes what it cannot know, once, and names the command
    # that exists (`keys show`; there is no `keys list`)
    (note,) = unknown
    assert note.startswith("of zorgcoordinatie-zwb een sleutel heeft voor de versleutelde velden")
    assert "`ketenstroom keys show`" in note and "keys list" not in note
    assert unchecked_keys(covenants, others, keyring) == []  # readable: warnings say it


def test_make_tests_own_check_prints_its_verdict_and_one_note_only(tmp_path):
    """`make test` runs `ketenstroom convenant check` on a machine without the router's keyring
    (as an officer's is): exit 0, the verdict and one note of what it could not check there; no
    warning ("let op") on every run, which would teach the officer to overlook warnings."""
    done = run_cli("convenant", "check", env={"KETENSTROOM_KEYRING": str(tmp_path / "geen.json")})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    verdict, note = done.stdout.splitlines()
    assert verdict.startswith("in orde: convenant midden-nederland (versie 2025.1). ")
    assert note.startswith("niet nagegaan: of zorgcoordinatie-utrecht een sleutel heeft ")
    assert "`ketenstroom keys show`" in note and "let op" not in done.stdout
    # the command it names exists
    assert run_cli("keys", "show", "--help").returncode == 0
    assert run_cli("keys", "list", "--help").returncode != 0


def test_a_tab_hides_no_other_mistake(tmp_path, store):
    # a tab three levels deep and one at the end of a block, among four other mistakes
    directory = officer_dir(tmp_path, MISTAKES / "tab-en-andere-fouten.yaml")
    problems = problems_in(directory, store)
    expected = [
        "hier staat een tab",
        'versie: "2026.10"',
        "schrijf `bewaartermijn: P2Y`",
        "'gemeente-bredaa' is geen partij van dit convenant; bedoelt u gemeente-breda?",
        "Signaal heeft geen veld slachtoffer.bsnn; bedoelt u slachtoffer.bsn?",
    ]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)
    assert len(problems) == 6, problems  # two tabs, four mistakes: no follow-on error
    assert not any("springt" in p for p in problems), problems


def test_every_registry_mistake_at_once_in_dutch(tmp_path, store):
    directory = officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml")
    registry_file = directory / "deelnemers.yaml"
    registry_file.write_text(
        registry_file.read_text() + (DATA / "deelnemers-fouten.yaml").read_text()
    )
    with speaking(Language.NL):
        reading = read_registry(directory)
    problems = reading.problems
    expected = [
        (
            "id: Gemeente Hengelo",
            "`id: Gemeente Hengelo` kan niet: een deelnemer-id heeft alleen "
            "kleine letters, cijfers en streepjes, en begint met een letter; bijvoorbeeld "
            "`id: gemeente-hengelo`",
        ),
        ("soort: zorgcoördinatie", "bedoelt u zorgcoordinatie?"),
        ("publiceert: nee", "`publiceert` is ja of nee: schrijf `true` (ja) of `false` (nee)"),
        ("    naam:\n", "deelnemer gemeente-almelo: `naam` is leeg; vul het in"),
        (
            "Gemeente Enschede (afdeling",
            "deelnemer-id 'gemeente-enschede' staat twee keer in het register (eerst op regel",
        ),
    ]
    lines = registry_file.read_text()
    for needle, text in expected:
        (problem,) = [p for p in problems if text in p]
        line = lines[: lines.index(needle)].count("\n") + 1
        if needle.startswith("Gemeente Enschede"):
            line -= 1  # the second `- id: gemeente-enschede`, one line above its name
        assert problem.startswith(f"{registry_file}:{line}:"), (problem, line)
    assert len(problems) == len(expected), problems
    assert not any("appears twice" in p or "Input should" in p for p in problems)
    # the partners around the mistakes still count: the covenant is checked in the same run
    assert {"gemeente-breda", "zorgcoordinatie-twente", "gemeente-almelo"} <= set(
        reading.registry.ids
    )


def test_the_registry_problems_come_with_the_covenant_problems(tmp_path):
    directory = officer_dir(tmp_path, MISTAKES / "partij-verschreven.yaml")
    registry_file = directory / "deelnemers.yaml"
    registry_file.write_text(
        registry_file.read_text() + (DATA / "deelnemers-fouten.yaml").read_text()
    )
    done = run_cli("convenant", "check", str(directory), env={"KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 1
    assert "staat twee keer in het register" in done.stderr
    assert "bedoelt u gemeente-breda?" in done.stderr  # the covenant's own mistake, same run
    assert done.stderr.rstrip().endswith("6 fouten gevonden; er is niets veranderd")


def test_an_impossible_date_is_said_once(tmp_path, store):
    directory = officer_dir(tmp_path, MISTAKES / "datum-bestaat-niet.yaml")
    (problem,) = problems_in(directory, store)
    assert "2031-02-30 is geen bestaande datum" in problem


def test_a_suggestion_never_proposes_another_typo(tmp_path, store):
    directory = officer_dir(tmp_path, MISTAKES / "partij-verschreven-in-kop.yaml")
    problems = problems_in(directory, store)
    heading = next(p for p in problems if "'fairwerk' staat niet in het partnerregister" in p)
    assert "bedoelt u fairwork?" in heading
    rule = next(p for p in problems if "'fairwork' is geen partij" in p)
    assert "fairwerk" not in rule  # the heading's typo is no suggestion
    assert "'fairwork' is geen partij van dit convenant; Zet haar bij" in rule


def test_unused_legal_bases_and_purposes_are_flagged(tmp_path, store):
    directory = officer_dir(tmp_path, MISTAKES / "ongebruikte-grondslag.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    assert problems_in(directory, store) == []
    covenants = load_covenants(directory)
    with speaking(Language.NL):
        found = warnings(covenants, load_registry(directory))
    basis = next(w for w in found if "grondslag 'toestemming'" in w)
    assert basis.startswith(f"{path}:{line_of(path, '    toestemming:')}:")
    assert "wordt door geen regel gebruikt" in basis
    purpose = next(w for w in found if "doel 'registratie'" in w)
    assert purpose.startswith(f"{path}:{line_of(path, '    registratie:')}:")
    with speaking(Language.NL):  # the shipped files define nothing they do not use
        shipped = warnings(load_covenants(CONVENANTEN), load_registry(CONVENANTEN))
    assert not any("door geen regel gebruikt" in w for w in shipped), shipped


def test_the_closing_line_of_check_is_plain():
    with speaking(Language.NL):
        one = str(tools_msg.check_ok([("midden-nederland", "2025.1")], 8, 7, 4))
        two = str(tools_msg.check_ok([("a", "1"), ("b", "2"), ("c", "3")], 1, 1, 1))
    assert one == (
        "in orde: convenant midden-nederland (versie 2025.1). 8 regels geven 7 ontvangers "
        "gegevens van 4 bronnen"
    )
    assert two.startswith("in orde: convenanten a (versie 1), b (versie 2) en c (versie 3). ")
    assert "1 regel geeft 1 ontvanger gegevens van 1 bron" in two


def _examples_dir(tmp_path: Path) -> Path:
    directory = officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml", with_midden=True)
    shutil.copy(
        DATA / "utrecht-naar-niemand.voorbeelden.yaml",
        directory / "zeeland-west-brabant.voorbeelden.yaml",
    )
    return directory


def _results(target: Path, directory: Path, store):
    registry = load_registry(directory)
    policy = compile_policy(
        load_covenants(target), registry, store, ephemeral_keyring(registry.ids)
    )
    with speaking(Language.NL):
        return run_examples(target, policy, NOW)


def test_an_example_has_one_verdict_alone_or_in_its_directory(tmp_path, store):
    directory = _examples_dir(tmp_path)
    alone = _results(directory / "zeeland-west-brabant.yaml", directory, store)
    together = [
        r for r in _results(directory, directory, store) if "zeeland-west-brabant" in r.where
    ]
    assert [r.passed for r in alone] == [r.passed for r in together] == [True, False, False]
    assert alone[0].notes == ()
    # in the directory, the covenant that does disclose the signal is named
    notes = together[0].notes
    assert any(
        n.startswith(
            "let op: om ontvangt dit signaal ook onder convenant midden-nederland (regel R1): "
        )
        for n in notes
    ), notes
    assert all("dit voorbeeld toetst alleen zijn eigen convenant" in n for n in notes)


def test_a_failing_example_says_how_to_write_what_arrives(tmp_path):
    """A newcomer's example lists a field alone where it arrives as pc4, and forgets a
    recipient: the message says how to write the treatment, names no envelope field, and a
    covenant without any example is pointed out when the others' examples pass."""
    directory = officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml", with_midden=True)
    examples = (DATA / "zeeland-west-brabant.voorbeelden.yaml").read_text()
    (directory / "zeeland-west-brabant.voorbeelden.yaml").write_text(
        examples.replace("slachtoffer.adres.postcode: pc4", "slachtoffer.adres.postcode").replace(
            "      om: [uitbuitingsvorm, sector, indicatoren, slachtoffer.bsn, slachtoffer.voornamen,\n"
            "           slachtoffer.achternaam, slachtoffer.geboortedatum, slachtoffer.adres.gemeentecode,\n"
            "           minderjarig, politie_eenheid]\n",
            "",
            1,
        )
    )
    done = run_cli("convenant", "test", str(directory), env={"KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 1
    assert (
        "gemeente-breda ontvangt slachtoffer.adres.postcode als pc4, verwacht: doorgeven; is pc4 "
        "de bedoeling, schrijf dan `slachtoffer.adres.postcode: pc4` in het voorbeeld"
    ) in done.stdout
    (unexpected,) = [line for line in done.stdout.splitlines() if "om ontvangt" in line]
    assert "(het voorbeeld noemt deze ontvanger niet, dus: niets)" in unexpected
    assert "envelope." not in unexpected
    assert (
        "let op: convenant midden-nederland heeft geen voorbeeldtests: schrijf ze in "
        "midden-nederland.voorbeelden.yaml"
    ) in done.stderr


def test_an_example_signal_is_refused_in_dutch(tmp_path, store):
    directory = _examples_dir(tmp_path)
    _, typo, no_age = _results(directory / "zeeland-west-brabant.yaml", directory, store)
    assert typo.problems == (
        "het voorbeeldsignaal zelf wordt geweigerd: uitbuitingsvorm: 'ARBEIDD' kan niet; kies "
        "uit SEKSUEEL, ARBEID, CRIMINEEL, ORGAANVERWIJDERING, ONBEKEND",
    )
    assert no_age.problems == (
        "het voorbeeldsignaal zelf wordt geweigerd: minderjarig is verplicht als slachtoffer.geboortedatum onbekend is: zet "
        "`minderjarig: true` of `minderjarig: false`",
    )


def test_publish_of_one_file_says_it_takes_the_folder():
    done = run_cli(
        "convenant",
        "publish",
        "convenanten/midden-nederland.yaml",
        env={"KETENSTROOM_TAAL": "nl"},
    )
    assert done.returncode == 1
    assert "Not a directory" not in done.stderr
    assert "publish neemt de map, niet één bestand" in done.stderr
    assert "`ketenstroom convenant publish convenanten`" in done.stderr


#: Prints every officer command's help page as JSON ({command: text}); run in a fresh
#: interpreter because typer reads the help texts when the command tree is built.
HELP_PAGES = """
import json, sys
from typer.testing import CliRunner
from pipeline.cli.main import app
commands = [[g] for g in ("convenant", "verantwoording", "reidentify")] + [
    ["convenant", c]
    for c in (
        "check", "test", "explain", "diff", "analyse", "proef", "bekijk", "publish", "status"
    )
] + [["verantwoording", c] for c in ("inzage", "overzicht", "register", "export")] + [
    ["reidentify", c] for c in ("verzoek", "uitvoeren")
] + [["keys", c] for c in ("ondertekening", "herleider")]
runner = CliRunner()
pages = {" ".join(c): runner.invoke(app, [*c, "--help"], terminal_width=100).output for c in commands}
print(json.dumps(pages))
"""


def _help_pages(env: dict[str, str]) -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("KETENSTROOM_", "LC_", "LANG"))
    }
    done = subprocess.run(
        [sys.executable, "-c", HELP_PAGES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **env},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pages: dict[str, str] = json.loads(done.stdout)
    return pages


def test_every_officer_help_page_is_dutch_by_default_and_english_on_request():
    dutch = _help_pages({})
    english = _help_pages({"KETENSTROOM_TAAL": "en"})
    assert len(dutch) == len(english) == 20
    for command, page in dutch.items():
        assert page.lstrip().startswith(f"Gebruik: ketenstroom {command}"), page
        assert "Toon deze uitleg en stop." in page, command
        for word in ("Usage", "Options", "Arguments", "Commands", "Show this message", "[default"):
            assert word not in page, (command, word)
        for kind in ("<str>", "<list", "PATHS", "TEXT", "DATE"):  # the kind of value too
            assert kind not in page, (command, kind)
    for command, page in english.items():
        assert page.lstrip().startswith(f"Usage: ketenstroom {command}"), page
        assert "Show this message and exit." in page and "Gebruik" not in page, command
        for word in ("standaard", "Schrijf", "Alleen", "Vanaf", "Tot deze dag", "Wie ondertekent"):
            assert word not in page, (command, word)
    # the option and argument texts of analyse, proef, diff and the officer's keys
    for command, nl, en in (
        ("convenant analyse", "Schrijf het verslag naar dit bestand.", "Write the report"),
        ("convenant analyse", "Convenantbestanden of mappen", "Covenant files or directories"),
        ("convenant proef", "Vanaf deze dag (standaard: 7 dagen geleden).", "From this day"),
        ("convenant proef", "Eén JSON-document", "One JSON document"),
        ("convenant diff", "Alleen het deel van deze ontvanger.", "Only this recipient's part."),
        ("convenant diff", "Vóór: een convenantbestand", "Before: a covenant file"),
        ("keys ondertekening", "Wie ondertekent", "Who signs"),
        ("keys herleider", "De partij namens wie u herleidt", "The party you act for"),
    ):
        assert nl in " ".join(dutch[command].split()), (command, nl)
        assert en in " ".join(english[command].split()), (command, en)
    assert "Controleer convenanten tegen het partnerregister" in dutch["convenant"]
    assert "Check covenant files against the registry" in english["convenant"]
    assert "[standaard: tabel]" in dutch["convenant explain"]
    assert "Het BSN van de persoon." in dutch["verantwoording inzage"]
    assert (
        "PSEUDONIEM" in dutch["reidentify verzoek"] and "[verplicht]" in dutch["reidentify verzoek"]
    )


def test_explain_piped_to_a_file_gives_plain_lines():
    done = run_cli("convenant", "explain", env={"COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) > 50
    assert max(len(line) for line in lines) < 1000
    assert not any(line != line.rstrip() for line in lines)  # no padding
    assert "Wat Gemeente Utrecht (gemeente-utrecht) ontvangt" in done.stdout


def test_explain_on_a_terminal_keeps_to_columns():
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENSTROOM_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "convenant", "explain", "--recipient", "om"],
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**env, "COLUMNS": "90", "TERM": "dumb"},
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(primary)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode())
    lines = text.replace("\r", "").splitlines()
    assert len(lines) > 20
    assert max(len(line) for line in lines) <= 90, max(lines, key=len)


# --- the annex's accountability elements (issue 27, item 2) ------------------------------------


def _annex_text(directory: Path, store, status: str | None = None) -> str:
    from pipeline.officer.annex.content import AnnexContext, build_annex
    from pipeline.officer.annex.render import to_text

    loaded = next(
        c for c in load_covenants(directory) if c.model.convenant.id == "midden-nederland"
    )
    extra = {"status": status} if status else {}
    context = AnnexContext(loaded, load_registry(directory), store, **extra)
    return to_text([build_annex(context)])


def test_the_annex_carries_what_the_authority_asks(store):
    text = _annex_text(CONVENANTEN, store)
    for expected in (
        "Status: concept",
        "gemeenten GM0307 Amersfoort, GM0308 Baarn, GM0310 De Bilt",
        "GM0344 Utrecht",
        "; politie-eenheid Midden-Nederland (MIDDEN_NEDERLAND), voor signalen zonder gemeente",
        "Alleen als: slachtoffer.adres.gemeentecode is GM0344 (Utrecht).",
        "Elke partij is zelfstandig verwerkingsverantwoordelijke",
        "Verwerker (AVG art. 28): De beheerder van ketenstroom",
        "wgs | Wet gegevensverwerking door samenwerkingsverbanden",
        "art. 6 lid 1 sub e: taak van algemeen belang of openbaar gezag",
        "art. 9 lid 2 sub g: zwaarwegend algemeen belang",
        "strafrechtelijke gegevens, art. 10: Wet gegevensverwerking door samenwerkingsverbanden",
        "Wet politiegegevens (Richtlijn (EU) 2016/680); de AVG is op deze verstrekking niet",
        "Een betrokkene kan voor elke partij terecht bij Gemeente Utrecht (gemeente-utrecht)",
        "bezwaar | AVG art. 21 | bij een verwerking op grond van art. 6 lid 1 sub e of f",
        "pseudonimisering | Identificerende gegevens",
        "versleuteling | Velden die een regel versleuteld geeft",
        "afspraak van de partijen | Medewerkers met toegang hebben een geheimhoudingsplicht",
        "Wie ziet wat",
        "gemeente-utrecht | Controle, Signaal | herleidbaar pseudoniem | leeftijdsklasse",
        "Openbaar Ministerie (om) | zelfstandig | niets | Signaal",
        "vorm van uitbuiting (uitbuitingsvorm) | ongewijzigd",
        "Envelop: de standaard",
        "Herleidbaar via een ander convenant",
        "Niemand: midden-nederland staat geen enkele ontvanger toe om wat dit convenant beschermt",
    ):
        assert expected in text, expected
    # envelope fields are not listed as data of a person in a rule's table
    rules = text[text.index("Wat Openbaar Ministerie") :]
    assert "(envelope.source)" not in rules.split("Envelop:")[0]


def test_the_annex_says_who_may_re_identify_through_another_covenant(covenant_dir, store):
    """herleidbaar_via in the annex: who may re-identify what this covenant protects through
    which other covenant, and why; with --recipient only theirs."""
    from pipeline.officer.annex.content import AnnexContext, build_annex
    from pipeline.officer.annex.render import to_text
    from tests.integration.combined_attack import NATIONWIDE, nationwide_covenant

    (covenant_dir / f"{NATIONWIDE}.yaml").write_text(nationwide_covenant(statement=True))
    loaded = next(c for c in load_covenants(covenant_dir) if c.model.convenant.id == NATIONWIDE)
    registry = load_registry(covenant_dir)
    text = to_text([build_annex(AnnexContext(loaded, registry, store))])
    part = text[text.index("Herleidbaar via een ander convenant") :]
    assert "onder landelijk-registratie van dezelfde signalen alleen een pseudoniem" in part
    assert "voor hen beschermt het pseudoniem de persoon dus niet" in part
    assert (
        "- CoMensha, Coördinatiecentrum tegen Mensenhandel (comensha) | midden-nederland | "
        "Proef: CoMensha mag de landelijke pseudoniemen naast de namen uit Midden-Nederland "
        "leggen; gemeten wordt wat de router daarbij nog aan koppeling geeft."
    ) in part
    other = to_text([build_annex(AnnexContext(loaded, registry, store, recipient="om"))])
    assert "Niemand: landelijk-registratie staat geen enkele ontvanger toe" in other


def test_the_status_names_the_publication_and_signer():
    from pipeline.officer.annex.publication import SignedPublication, status_of

    text = (CONVENANTEN / "midden-nederland.yaml").read_text()
    name = "midden-nederland.yaml"
    one = SignedPublication(1, "2026-04-01T10:00:00+00:00", "FG Midden-Nederland", {name: text})
    two = SignedPublication(2, "2026-05-01T10:00:00+00:00", "FG Midden-Nederland", {name: "x"})
    assert status_of(name, text, [one]) == (
        "vastgesteld: publicatie 1 van 2026-04-01, ondertekend door FG Midden-Nederland"
    )
    assert status_of(name, text, [one, two]).endswith("; sinds publicatie 2 geldt een andere tekst")
    assert status_of(name, "changed", [one]).startswith("concept")
    assert status_of(name, text, None).startswith("concept")


def test_the_new_heading_elements_are_checked(tmp_path, store):
    directory = officer_dir(tmp_path, DATA / "zeeland-west-brabant.yaml")
    path = directory / "zeeland-west-brabant.yaml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "      staat_toe: [bijzonder, strafrechtelijk]\n    wpg-19:",
            "      staat_toe: [bijzonder, strafrechtelijk]\n      kader: wjsg\n      avg_6: e\n"
            "    wpg-19:",
        ).replace(
            "  verwerkingsregister:",
            "  verwerkingsverantwoordelijken:\n    verhouding: gezamenlijk\n"
            "    contactpunt: gemeente-bredaa\n"
            "  rechten_betrokkenen:\n    loket: gemeente-breda\n    contact: privacy@breda.example\n"
            "  verwerkingsregister:",
        )
    )
    problems = problems_in(directory, store)
    assert any(
        "`contactpunt: gemeente-bredaa` is geen partij van dit convenant; bedoelt u "
        "gemeente-breda?" in p
        for p in problems
    ), problems
    assert any(
        "bij `verhouding: gezamenlijk` (AVG art. 26) hoort een `regeling`" in p for p in problems
    )
    assert any(
        p.startswith(f"{path}:{line_of(path, 'avg_6: e')}:")
        and "grondslag 'wjsg' valt onder de Wet justitiële en strafvorderlijke gegevens" in p
        for p in problems
    ), problems
    path.write_text(text)
    with speaking(Language.NL):
        found = warnings(load_covenants(directory), load_registry(directory))
    basis = next(w for w in found if "grondslag 'wgs' noemt niet op welke grond" in w)
    assert "Ook: grondslag 'wgs' staat bijzondere persoonsgegevens toe" in basis
    assert any(
        "het convenant zegt niets over wie verwerkingsverantwoordelijke is" in w for w in found
    )


def test_a_reversible_pseudonym_that_no_one_may_re_identify_is_a_warning(covenant_dir):
    """pseudoniem-herleidbaar for a party no herleider acts for: no one may re-identify it,
    yet the router's key can; the warning names the rule's line and both ways out."""
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    start = text.index("  herleiders:\n")
    end = text.index("publieke_sleutel:", start)
    end = text.index("\n", end) + 1
    path.write_text(text[:start] + text[end:])  # gemeente-utrecht's only herleider goes
    with speaking(Language.NL):
        found = warnings(load_covenants(covenant_dir), load_registry(covenant_dir))
        shipped = warnings(load_covenants(CONVENANTEN), load_registry(CONVENANTEN))
    (warning,) = [w for w in found if "geen herleider in de kop" in w]
    assert warning.startswith(f"{path}:{line_of(path, 'slachtoffer.bsn: pseudoniem-herleidbaar')}:")
    assert "gemeente-utrecht slachtoffer.bsn als pseudoniem-herleidbaar" in warning
    assert "Kies pseudoniem" in warning and "herleiders" in warning
    assert not [w for w in shipped if "geen herleider in de kop" in w]  # it has one
