"""Every example in the officer's guide (convenanten/LEESMIJ.md) is current: its YAML blocks
validate and pass the checks, its example test passes, its quoted messages are what `check`
really says, and its treatments exist (issue 20)."""

from __future__ import annotations

import re
import textwrap

import yaml

from pipeline.covenant.checks.checker import check
from pipeline.covenant.loader import LoadedCovenant, load_covenants
from pipeline.covenant.model import Behandeling, Convenant, HerleidbaarVia, Kop, Voorwaarde
from pipeline.language import Language, speaking
from pipeline.officer.examples import Voorbeelden, check_example
from pipeline.registry import Deelnemer
from tests.conftest import CONVENANTEN, NOW
from tests.unit.test_officer_mistakes import MISTAKES, officer_dir, problems_in

GUIDE = (CONVENANTEN / "LEESMIJ.md").read_text()


def blocks(language: str) -> list[str]:
    """The guide's fenced blocks of one language, dedented."""
    return [textwrap.dedent(b) for b in re.findall(rf"```{language}\n(.*?)```", GUIDE, re.S)]


def _yaml(start: str) -> list[object]:
    return [yaml.safe_load(b) for b in blocks("yaml") if b.lstrip().startswith(start)]


def test_the_heading_example_validates_and_names_registered_parties(registry):
    (heading,) = _yaml("convenant:")
    kop = Kop.model_validate(heading["convenant"])  # type: ignore[index]
    assert all(registry.get(p) is not None for p in kop.partijen)
    assert not kop.landelijk


def test_the_rule_example_passes_the_checks_under_the_shipped_heading(registry, store):
    shipped = load_covenants(CONVENANTEN)[0]
    (rules,) = _yaml("regels:")
    model = Convenant.model_validate(
        {"convenant": shipped.model.convenant.model_dump(by_alias=True), **rules}  # type: ignore[dict-item]
    )
    assert check([LoadedCovenant(model, shipped.source)], registry, store) == []


def test_the_linkage_domain_examples_validate():
    shipped = load_covenants(CONVENANTEN)[0].model.convenant.model_dump(by_alias=True)
    domains = _yaml("koppeldomeinen:")
    assert len(domains) == 3
    kops = [Kop.model_validate({**shipped, **block}) for block in domains]  # type: ignore[dict-item]
    assert all("zorgketen" in kop.koppeldomeinen for kop in kops[:2])
    # the way out of "blijft herkenbaar": a domain of one party under a new name
    assert kops[2].koppeldomeinen["comensha-2026"].partijen == ("comensha",)


def test_the_herleidbaar_via_example_validates_and_names_a_party(registry):
    (block,) = _yaml("herleidbaar_via:")
    statements = [HerleidbaarVia.model_validate(s) for s in block["herleidbaar_via"]]  # type: ignore[index]
    assert [s.convenant for s in statements] == ["midden-nederland"]
    assert all(registry.get(s.ontvanger) is not None for s in statements)


def test_the_condition_examples_validate():
    (block,) = _yaml("voorwaarden:")
    conditions = [Voorwaarde.model_validate(c) for c in block["voorwaarden"]]  # type: ignore[index]
    assert len(conditions) == 4


def test_the_partner_example_validates():
    (block,) = _yaml("- id:")
    Deelnemer.model_validate(block[0])  # type: ignore[index]


def test_the_example_test_passes_on_the_shipped_covenant(policy):
    (block,) = _yaml("voorbeelden:")
    for example in Voorbeelden.model_validate(block).voorbeelden:
        with speaking(Language.NL):
            assert check_example(example, policy, NOW) == ([], [])


def test_the_quoted_messages_are_what_check_says(tmp_path, store):
    quoted = [
        re.sub(r"^fout: convenanten/zeeland-west-brabant\.yaml:", "", line)
        for block in blocks("text")
        for line in block.splitlines()
        if line.startswith("fout: ")
    ]
    assert len(quoted) == 4
    real = problems_in(officer_dir(tmp_path, MISTAKES / "meerdere-fouten.yaml"), store)
    assert sorted(re.sub(r"^.*?\.yaml:", "", p) for p in real) == sorted(quoted)  # line:col too
    assert "4 fouten gevonden; er is niets veranderd" in GUIDE


def test_every_treatment_in_the_guide_exists_and_every_treatment_is_in_the_guide():
    named = set(re.findall(r"^\| `([a-z0-9-]+)` \|", GUIDE, re.M))
    treatments = {b.value for b in Behandeling}
    assert treatments <= named
    assert named - treatments <= set()  # the YAML-mistakes table uses no backticked single word


def test_the_midden_nederland_table_matches_the_file():
    covenant = load_covenants(CONVENANTEN)[0].model
    rows = re.findall(r"^\| (R\d+) \|", GUIDE, re.M)
    assert rows == [r.id for r in covenant.regels]


def _commands() -> list[list[str]]:
    """Every `ketenstroom ...` the guide tells the officer to type, as words."""
    spans = re.findall(r"`(ketenstroom [^`]+)`", GUIDE)
    spans += [
        line.strip()
        for language in ("sh", "text")
        for block in blocks(language)
        for line in block.splitlines()
        if line.strip().startswith("ketenstroom ")
    ]
    return [" ".join(span.split()).split(" ")[1:] for span in spans]


def test_every_command_and_option_the_guide_names_exists():
    """A newcomer types what the guide says: each command exists, and each option it shows is
    one that command takes (the guide once named a `keys list` that never existed)."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    root = get_command(app)
    runner = CliRunner()
    commands = _commands()
    assert len(commands) > 25
    checked = set()
    for words in commands:
        path = []
        group = root
        for word in words:
            sub = getattr(group, "commands", {}).get(word)
            if sub is None:
                break
            path.append(word)
            group = sub
        assert path, words
        rest = words[len(path) :]
        # a group followed by a word that is none of its commands: a command that does not exist
        assert not (hasattr(group, "commands") and rest and not rest[0].startswith("-")), words
        options = sorted({w.split("=")[0] for w in words if w.startswith("--")})
        if (tuple(path), tuple(options)) in checked:
            continue
        checked.add((tuple(path), tuple(options)))
        page = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert page.exit_code == 0, (words, page.output)
        for option in options:
            assert option in page.output, (path, option)
