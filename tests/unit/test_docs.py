"""The Dutch guarantees document names the tests that prove each guarantee: they must exist."""

from __future__ import annotations

import re

from tests.conftest import ROOT

_REFERENCE = re.compile(r"`(?:tests/)?((?:unit|property|integration)/[\w/]+\.py)((?:::\w+)?)`")


def test_every_test_the_guarantees_name_exists():
    text = (ROOT / "docs" / "garanties.md").read_text(encoding="utf-8")
    missing = []
    for line in text.splitlines():
        last_file = None
        for match in re.finditer(rf"{_REFERENCE.pattern}|`::(\w+)`", line):
            if match.group(1):
                last_file = ROOT / "tests" / match.group(1)
                if not last_file.exists():
                    missing.append(str(last_file))
                    continue
                name = match.group(2)[2:] if match.group(2) else None
            else:
                name = match.group(3)
            known = last_file is not None and last_file.exists()
            if name and known and f"def {name}(" not in last_file.read_text(encoding="utf-8"):
                missing.append(f"{last_file.relative_to(ROOT)}::{name}")
    assert not missing, missing


# --- the README and the documents it links to (issue 31: a README that shows) ---

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "convenanten" / "LEESMIJ.md",
    ROOT / "deploy" / "README.md",
    ROOT / "tests" / "benchmarks" / "README.md",
]


def test_every_link_in_the_documents_points_at_a_file_of_the_repository():
    broken = []
    for document in _DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        assert "shared/" not in text  # nothing points outside the repository
        for target in _LINK.findall(text):
            if target.startswith(("http://", "https://", "#")):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            if not path.exists() or ROOT not in path.parents:
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_the_readme_shows_what_it_does_before_how_to_run_it():
    """What it does, a picture of the data flow and a sample view come first; then the two
    commands; the depth is in docs/ (the README was 782 lines with an ASCII flow at line 690)."""
    import xml.etree.ElementTree as ET

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    picture = text.index("](docs/dataflow.svg)")
    sample = text.index("```json")
    quick = text.index("make demo    #")
    assert picture < sample < quick < text.index("make test    #")
    svg = ET.parse(ROOT / "docs" / "dataflow.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.find("{*}title") is not None
    assert len(text.splitlines()) < 250
    for audience in ("privacy officer", "FG", "partner", "operator", "Performance"):
        assert re.search(rf"^## .*{audience}", text, re.M), audience


def _paths(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in _paths(v, f"{prefix}{k}.")} or {prefix}
    return {prefix.rstrip(".")}


def _schema_paths(schema: object, prefix: str = "") -> set[str]:
    if isinstance(schema, list):  # a union: the record branch, if any
        records = [s for s in schema if isinstance(s, dict) and s.get("type") == "record"]
        return _schema_paths(records[0], prefix) if records else {prefix.rstrip(".")}
    if isinstance(schema, dict) and schema.get("type") == "record":
        return {
            p for f in schema["fields"] for p in _schema_paths(f["type"], f"{prefix}{f['name']}.")
        }
    return {prefix.rstrip(".")}


def test_the_readme_sample_view_has_the_fields_of_a_real_view_schema(policy):
    """The sample is the demo's output: exactly the fields of one of gemeente-utrecht's
    Signaal view schemas, with a reversible pseudonym where the BSN was."""
    import json

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))  # type: ignore[union-attr]
    assert sample["slachtoffer"]["bsn"].startswith("RP1.k1.midden-nederland/gemeente-utrecht.bsn.")
    schemas = [
        s.expanded
        for s in policy.view_schemas()
        if s.name.startswith("nl.ketenstroom.view.gemeente_utrecht.")
        and s.name.endswith(".Signaal")
    ]
    assert any(_schema_paths(s) == _paths(sample) for s in schemas)
