"""What a covenant change discloses newly, withdraws, or treats differently, per recipient and field."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipeline.covenant.explain import MatrixRow, disclosure_matrix
from pipeline.covenant.loader import LoadedCovenant, load_covenant_texts, load_covenants
from pipeline.covenant.model import Behandeling, Convenant
from pipeline.git_revision import files_at_revision
from pipeline.yaml_source import read_yaml, validate_model


class ChangeKind(StrEnum):
    """Kinds of change, most serious first."""

    DISCLOSED = "newly disclosed"
    TREATMENT = "treated differently"
    GROUNDS = "on other grounds"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Change:
    """One change for one (signal type, recipient, field, source)."""

    kind: ChangeKind
    signal_type: str
    recipient: str
    field: str
    source: str
    before: str
    after: str


def _state(
    rows: list[MatrixRow],
) -> dict[tuple[str, str, str, str], tuple[frozenset[str], frozenset[str]]]:
    """Per key: (treatments that disclose, the grounds for them)."""
    state: dict[tuple[str, str, str, str], tuple[set[str], set[str]]] = {}
    for row in rows:
        if row.treatment is Behandeling.WEGLATEN:
            continue
        treatments, grounds = state.setdefault(row.key, (set(), set()))
        treatments.add(row.treatment.value)
        grounds.add(row.grounds)
    return {key: (frozenset(t), frozenset(g)) for key, (t, g) in state.items()}


def diff_covenants(old: list[LoadedCovenant], new: list[LoadedCovenant]) -> list[Change]:
    """Every difference in what is disclosed, to whom, how and why; sorted by severity."""
    before, after = _state(disclosure_matrix(old)), _state(disclosure_matrix(new))
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if was is None:
            assert now is not None
            kind, old_text, new_text = ChangeKind.DISCLOSED, "-", _describe(now)
        elif now is None:
            kind, old_text, new_text = ChangeKind.WITHDRAWN, _describe(was), "-"
        elif was[0] != now[0]:
            kind, old_text, new_text = ChangeKind.TREATMENT, _describe(was), _describe(now)
        else:
            kind, old_text, new_text = ChangeKind.GROUNDS, _describe(was), _describe(now)
        changes.append(Change(kind, *key, old_text, new_text))
    order = list(ChangeKind)
    return sorted(
        changes, key=lambda c: (order.index(c.kind), c.recipient, c.signal_type, c.field, c.source)
    )


@dataclass(frozen=True)
class ChangeGroup:
    """Changes that differ only in field and source, shown as one entry."""

    kind: ChangeKind
    recipient: str
    signal_type: str
    fields: tuple[str, ...]
    sources: tuple[str, ...]
    before: str
    after: str


def summarise(changes: list[Change]) -> list[ChangeGroup]:
    """Group changes of the same kind, recipient, type and before/after; order kept."""
    groups: dict[tuple[ChangeKind, str, str, str, str], tuple[list[str], list[str]]] = {}
    for c in changes:
        fields, sources = groups.setdefault(
            (c.kind, c.recipient, c.signal_type, c.before, c.after), ([], [])
        )
        if c.field not in fields:
            fields.append(c.field)
        if c.source not in sources:
            sources.append(c.source)
    return [
        ChangeGroup(
            kind, recipient, signal_type, tuple(fields), tuple(sorted(sources)), before, after
        )
        for (kind, recipient, signal_type, before, after), (fields, sources) in groups.items()
    ]


def _describe(state: tuple[frozenset[str], frozenset[str]]) -> str:
    treatments, grounds = state
    return f"{'/'.join(sorted(treatments))} ({'; '.join(sorted(grounds))})"


def load_side(spec: str, default_dir: Path) -> list[LoadedCovenant]:
    """Covenants from a file, a directory, or a git revision of ``default_dir`` (e.g. HEAD~1)."""
    path = Path(spec)
    if path.is_file():
        source = read_yaml(path)
        return [LoadedCovenant(validate_model(source, Convenant), source)]
    if path.is_dir():
        return load_covenants(path)
    files = files_at_revision(default_dir, spec, ".yaml")
    return load_covenant_texts(files, f"{spec}:{default_dir.name}")
