"""Find and load covenant files from a directory."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.covenant.model import Behandeling, Convenant
from pipeline.covenant.salvage import salvage
from pipeline.errors import CovenantError
from pipeline.language import Text
from pipeline.messages import covenant as msg
from pipeline.messages import structure as structure_msg
from pipeline.registry import REGISTRY_FILE
from pipeline.yaml_files.source import (
    YamlSource,
    read_yaml,
    read_yaml_lenient,
    structure_problems,
    validate_model,
)

EXAMPLES_SUFFIX = ".voorbeelden.yaml"
_TREATMENTS = {b.value for b in Behandeling}


@dataclass(frozen=True)
class LoadedCovenant:
    """A validated covenant and the YAML it came from (for file:line in later errors)."""

    model: Convenant
    source: YamlSource


@dataclass(frozen=True)
class Reading:
    """What a directory's covenant files say: the valid covenants, the readable parts of the
    invalid ones (``salvaged``: for finding further mistakes only, never for routing), and
    every problem of syntax and structure."""

    covenants: list[LoadedCovenant]
    salvaged: list[LoadedCovenant]
    problems: list[str]

    @property
    def checkable(self) -> list[LoadedCovenant]:
        """Everything that can still be checked against the registry and the schemas."""
        return self.covenants + self.salvaged


def describe(data: Any, loc: tuple[str | int, ...]) -> Text | None:
    """What a location in a covenant file belongs to: ``regel R5`` (not ``regels.4``), ``kop``."""
    if len(loc) >= 2 and loc[0] == "regels" and isinstance(loc[1], int):
        rules = data.get("regels") if isinstance(data, dict) else None
        rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        return msg.in_rule(str(rule_id) if rule_id is not None else None, loc[1] + 1)
    if loc[:1] == ("convenant",) and len(loc) > 1:
        return msg.in_heading()
    return None


def key_hint(data: Any, loc: tuple[str | int, ...]) -> Text | None:
    """An unknown key in a rule that is really a field (``melder_type: doorgeven`` written
    beside ``velden:`` instead of under it)."""
    if len(loc) == 3 and loc[0] == "regels" and isinstance(loc[2], str):
        rules = data.get("regels") if isinstance(data, dict) else None
        rule = rules[loc[1]] if isinstance(rules, list) and isinstance(loc[1], int) else None
        value = rule.get(loc[2]) if isinstance(rule, dict) else None
        if "." in loc[2] or value in _TREATMENTS:
            return structure_msg.field_outside_velden(loc[2])
    return None


def covenant_files(convenanten_dir: Path) -> list[Path]:
    """Covenant files in a directory: ``*.yaml`` except the registry and example files."""
    if convenanten_dir.is_file():
        return [convenanten_dir]
    if not convenanten_dir.is_dir():
        raise CovenantError(
            [
                str(
                    Text(
                        f"{convenanten_dir}: deze map bestaat niet",
                        f"{convenanten_dir}: covenant directory does not exist",
                    )
                )
            ]
        )
    return sorted(
        p
        for p in convenanten_dir.glob("*.yaml")
        if p.name != REGISTRY_FILE and not p.name.endswith(EXAMPLES_SUFFIX)
    )


def read_covenant_file(
    path: Path,
) -> tuple[LoadedCovenant | None, LoadedCovenant | None, list[str]]:
    """(valid covenant, salvaged parts, problems) of one file; every mistake of the file at once."""
    source = read_yaml_lenient(path)
    problems = list(source.problems)
    if source.data is None and source.root is None:
        return None, None, problems
    if not isinstance(source.data, dict):
        return None, None, [*problems, f"{path}:1:1: {structure_msg.missing('convenant')}"]
    try:
        model = Convenant.model_validate(source.data)
    except ValidationError as exc:
        problems += structure_problems(source, Convenant, exc, describe, key_hint)
        rescued = salvage(source.data, source.root, exc)
        if rescued is None:
            return None, None, problems
        model, root = rescued
        return None, LoadedCovenant(model, dataclasses.replace(source, root=root)), problems
    loaded = LoadedCovenant(model, source)
    return (None, loaded, problems) if problems else (loaded, None, problems)


def read_covenants(convenanten_dir: Path) -> Reading:
    """Read every covenant file; nothing stops at the first mistake."""
    valid: list[LoadedCovenant] = []
    salvaged: list[LoadedCovenant] = []
    problems: list[str] = []
    for path in covenant_files(convenanten_dir):
        good, part, found = read_covenant_file(path)
        problems += found
        if good is not None:
            valid.append(good)
        if part is not None:
            salvaged.append(part)
    problems += _duplicate_ids(valid + salvaged)
    return Reading(valid, salvaged, problems)


def _duplicate_ids(covenants: list[LoadedCovenant]) -> list[str]:
    """A covenant id used by two files: both files named."""
    first: dict[str, LoadedCovenant] = {}
    problems = []
    for loaded in covenants:
        covenant_id = loaded.model.convenant.id
        if covenant_id in first:
            earlier = first[covenant_id].source.where(("convenant", "id"))
            problems.append(
                f"{loaded.source.where(('convenant', 'id'))}: {msg.duplicate_covenant_id(covenant_id, earlier)}"
            )
        else:
            first[covenant_id] = loaded
    return problems


def load_covenants(convenanten_dir: Path) -> list[LoadedCovenant]:
    """Load every covenant file; all problems of all files are reported together."""
    reading = read_covenants(convenanten_dir)
    if reading.problems:
        raise CovenantError(reading.problems)
    return reading.covenants


def load_covenant(path: Path) -> LoadedCovenant:
    """One covenant file, valid or a CovenantError naming every problem."""
    source = read_yaml(path)
    return LoadedCovenant(validate_model(source, Convenant, describe, key_hint), source)


def load_covenant_texts(files: dict[str, str], label: str) -> list[LoadedCovenant]:
    """Load covenants given as {file name: YAML text}; problems name the files as ``label:name``."""
    with tempfile.TemporaryDirectory(prefix="ketenstroom-covenants-") as tmp:
        for name, text in files.items():
            if "/" in name or name == REGISTRY_FILE or name.endswith(EXAMPLES_SUFFIX):
                continue
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        try:
            loaded = load_covenants(Path(tmp))
        except CovenantError as exc:
            raise CovenantError([p.replace(tmp, label) for p in exc.problems]) from exc
    # later problems (compiling) must name the files as the user knows them, not the temp dir
    return [
        LoadedCovenant(
            c.model, dataclasses.replace(c.source, path=Path(label) / c.source.path.name)
        )
        for c in loaded
    ]
