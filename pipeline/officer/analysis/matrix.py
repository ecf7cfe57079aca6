"""Wie ziet wat: per covenant and signal type, a matrix of fields (rows) by recipients
(columns); each cell the treatment, the rules and their legal bases. Plain data from the
comparison engine's facts, for any renderer (the analysis, an annex, a live page)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.officer.comparison.facts import FieldCover, PolicyFacts


@dataclass(frozen=True)
class MatrixCell:
    """What one recipient gets of one field: treatments, and per rule why."""

    treatments: tuple[str, ...]
    rules: tuple[str, ...]
    bases: tuple[str, ...]
    purposes: tuple[str, ...]
    retentions: tuple[str, ...]
    conditions: tuple[str, ...]

    @property
    def conditional(self) -> bool:
        """True when some rule gives it only under a condition."""
        return bool(self.conditions)


@dataclass(frozen=True)
class MatrixRow:
    """One field: its data categories (AVG art. 9 bijzonder, art. 10 strafrechtelijk) and a
    cell per recipient (None: it never reaches that recipient)."""

    field: str
    categories: tuple[str, ...]
    cells: tuple[MatrixCell | None, ...]


@dataclass(frozen=True)
class MatrixPart:
    """One signal type's matrix."""

    signal_type: str
    recipients: tuple[str, ...]
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class Matrix:
    """One covenant's matrix, a part per signal type, and the legal bases its cells name."""

    covenant: str
    parts: tuple[MatrixPart, ...]
    bases: tuple[tuple[str, str, tuple[str, ...]], ...]


def _cell(covers: list[FieldCover]) -> MatrixCell:
    def each(values: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(values))

    return MatrixCell(
        treatments=each([c.treatment for c in covers]),
        rules=each([c.rule.id for c in covers]),
        bases=each([c.grounds.basis for c in covers]),
        purposes=each([c.grounds.purpose for c in covers]),
        retentions=each([c.grounds.retention for c in covers]),
        conditions=each([x.text for c in covers for x in sorted(c.scope.conditions, key=str)]),
    )


def who_sees_what(facts: PolicyFacts, covenant: str) -> Matrix:
    """The matrix of one covenant: every field some rule gives some recipient, in schema order,
    by every recipient of that signal type."""
    mine = [c for c in facts.fields if c.rule.covenant == covenant]
    parts = []
    for signal_type in sorted({c.signal_type for c in mine}):
        covers = [c for c in mine if c.signal_type == signal_type]
        recipients = tuple(sorted({c.recipient for c in covers}))
        given = {c.field for c in covers}
        rows = []
        for path, categories in facts.schema_fields.get(signal_type, ()):
            if path not in given:
                continue
            cells = tuple(
                _cell(found) if (found := [c for c in covers if c.field == path and c.recipient == r]) else None
                for r in recipients
            )
            rows.append(MatrixRow(path, categories, cells))
        parts.append(MatrixPart(signal_type, recipients, tuple(rows)))
    heading = facts.headings.get(covenant)
    used = {c.grounds.basis for c in mine}
    bases = tuple(
        (b.key, b.text, b.allows) for b in (heading.bases if heading else ()) if b.key in used
    )
    return Matrix(covenant, tuple(parts), bases)
