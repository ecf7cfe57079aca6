"""Find and load covenant files from a directory."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.covenant.model import Convenant
from pipeline.errors import CovenantError
from pipeline.registry import REGISTRY_FILE
from pipeline.yaml_source import YamlSource, read_yaml, validate_model

EXAMPLES_SUFFIX = ".voorbeelden.yaml"


@dataclass(frozen=True)
class LoadedCovenant:
    """A validated covenant and the YAML it came from (for file:line in later errors)."""

    model: Convenant
    source: YamlSource


def covenant_files(convenanten_dir: Path) -> list[Path]:
    """Covenant files in a directory: ``*.yaml`` except the registry and example files."""
    if not convenanten_dir.is_dir():
        raise CovenantError([f"{convenanten_dir}: covenant directory does not exist"])
    return sorted(
        p
        for p in convenanten_dir.glob("*.yaml")
        if p.name != REGISTRY_FILE and not p.name.endswith(EXAMPLES_SUFFIX)
    )


def load_covenants(convenanten_dir: Path) -> list[LoadedCovenant]:
    """Load every covenant file; all problems of all files are reported together."""
    loaded: list[LoadedCovenant] = []
    problems: list[str] = []
    for path in covenant_files(convenanten_dir):
        try:
            source = read_yaml(path)
            loaded.append(LoadedCovenant(validate_model(source, Convenant), source))
        except CovenantError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CovenantError(problems)
    ids = [c.model.convenant.id for c in loaded]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CovenantError([f"covenant id {d!r} is used by more than one file" for d in dupes])
    return loaded


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
