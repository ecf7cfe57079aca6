"""The change memo as plain data: per recipient, what they will receive newly, no longer or
differently, which fields, from which sources, from which date, under which rule (with its
description), on which legal basis, for which purpose and for how long.

Built from one Comparison (pipeline.officer.comparison), so that each output format (terminal,
Markdown, HTML) says the same, and an FG of a partner can read it without the covenant files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.language import Text
from pipeline.officer.comparison.covenants import (
    StatementChange,
    covenant_changes,
    statement_changes,
)
from pipeline.officer.comparison.engine import (
    SEVERITY,
    Comparison,
    Difference,
    FieldChange,
    Kind,
    Naming,
    TableChange,
)
from pipeline.officer.comparison.facts import FieldCover, PolicyFacts, TableCover
from pipeline.officer.comparison.recognition import StillRecognisable, still_recognisable


@dataclass(frozen=True)
class Grounding:
    """One rule behind a disclosure: which, why, for how long, which signals, since when."""

    covenant: str
    version: str
    rule: str
    article: str | None
    description: str | None
    basis: str
    basis_text: str
    purpose: str
    purpose_text: str
    retention: str
    sources: tuple[str, ...]
    conditions: tuple[str, ...]
    valid_from: dt.date
    valid_until: dt.date | None


@dataclass(frozen=True)
class Side:
    """How the fields of an entry reach the recipient on one side: per treatment the fields,
    and the rules that give them."""

    treatments: tuple[tuple[str, tuple[str, ...]], ...]
    rules: tuple[Grounding, ...]


@dataclass(frozen=True)
class Entry:
    """Fields of one signal type that change in the same way for one recipient."""

    kind: Kind
    by: tuple[str, ...]
    signal_type: str
    fields: tuple[str, ...]
    differences: tuple[Difference, ...]
    was: Side | None
    becomes: Side | None
    #: The date from which it applies (the new rule's covenant validity; the old one's for a
    #: withdrawal).
    since: dt.date


@dataclass(frozen=True)
class TableEntry:
    """One statistics table that changes for one recipient."""

    kind: Kind
    by: tuple[str, ...]
    table: tuple[str, ...]
    differences: tuple[Difference, ...]
    was: tuple[str, ...]
    becomes: tuple[str, ...]
    rules: tuple[Grounding, ...]
    since: dt.date


@dataclass(frozen=True)
class RecipientMemo:
    """Everything that changes for one recipient (or, between regions, one kind of partner):
    fields, statistics tables, and whether it may newly (or no longer) re-identify what a
    covenant protects through another covenant (``herleidbaar_via``)."""

    party: str
    name: str
    entries: tuple[Entry, ...]
    tables: tuple[TableEntry, ...]
    statements: tuple[StatementChange, ...] = ()
    #: Withdrawn names or BSNs whose pseudonym the recipient keeps: not a narrowing for whom
    #: it already saw (pipeline.officer.comparison.recognition).
    recognisable: tuple[StillRecognisable, ...] = ()

    @property
    def kinds(self) -> list[Kind]:
        """The kinds of change for this recipient, most serious first."""
        found = {e.kind for e in self.entries} | {t.kind for t in self.tables}
        found |= {s.kind for s in self.statements}
        return sorted(found, key=SEVERITY.index)


@dataclass(frozen=True)
class Memo:
    """The whole memo."""

    naming: Naming
    old: str
    new: str
    general: tuple[Text, ...]
    recipients: tuple[RecipientMemo, ...]
    today: dt.date

    @property
    def empty(self) -> bool:
        """True when nothing leaves differently (a version number alone changes nothing)."""
        return not self.recipients


def grounding(cover: FieldCover | TableCover) -> Grounding:
    """The rule behind a cover, as the memo shows it."""
    rule, grounds, scope = cover.rule, cover.grounds, cover.scope
    return Grounding(
        covenant=rule.covenant,
        version=rule.version,
        rule=rule.id,
        article=rule.article,
        description=rule.description,
        basis=grounds.basis,
        basis_text=grounds.basis_text,
        purpose=grounds.purpose,
        purpose_text=grounds.purpose_text,
        retention=grounds.retention,
        sources=tuple(sorted(scope.sources)),
        conditions=tuple(sorted(c.text for c in scope.conditions)),
        valid_from=scope.valid_from,
        valid_until=scope.valid_until,
    )


def _side(covers: Iterable[FieldCover]) -> Side | None:
    covers = list(covers)
    if not covers:
        return None
    treatments: dict[str, list[str]] = {}
    for cover in covers:
        fields = treatments.setdefault(cover.treatment, [])
        if cover.field not in fields:
            fields.append(cover.field)
    rules = tuple(sorted(set(map(grounding, covers)), key=lambda g: (g.covenant, g.rule)))
    return Side(tuple((t, tuple(f)) for t, f in sorted(treatments.items())), rules)


def _since(covers: Iterable[FieldCover | TableCover]) -> dt.date:
    return max((c.scope.valid_from for c in covers), default=dt.date.min)


def _signature(covers: tuple[FieldCover, ...]) -> frozenset[Grounding]:
    """What makes two fields' changes read alike: the rules behind them, without the field
    (each field's treatment is said inside the entry, so one rule reads as one entry)."""
    return frozenset(grounding(c) for c in covers)


def _shown(changes: list[FieldChange]) -> list[FieldChange]:
    """The changes without the envelope at its standard treatment (said once for the whole
    memo), unless a signal type's envelope is all that changes for it."""
    types_with_more = {c.signal_type for c in changes if not c.envelope_default}
    return [c for c in changes if not c.envelope_default or c.signal_type not in types_with_more]


def _entries(changes: list[FieldChange]) -> tuple[Entry, ...]:
    groups: dict[tuple[object, ...], list[FieldChange]] = {}
    for change in _shown(changes):
        key = (
            change.kind,
            change.by,
            change.signal_type,
            change.differences,
            _signature(change.before),
            _signature(change.after),
        )
        groups.setdefault(key, []).append(change)
    entries = []
    for shown in groups.values():
        first = shown[0]
        entries.append(
            Entry(
                kind=first.kind,
                by=tuple(a.value for a in first.by),
                signal_type=first.signal_type,
                fields=tuple(c.field for c in shown),
                differences=first.differences,
                was=_side(c for m in shown for c in m.before),
                becomes=_side(c for m in shown for c in m.after),
                since=_since([*first.after] or [*first.before]),
            )
        )
    return tuple(entries)


def _protection_words(cover: TableCover) -> str:
    p = cover.protection
    parts = [f"per {p.period}", f"drempel {p.threshold}"]
    if p.protection != p.threshold:
        parts.append(f"bescherming {p.protection}")
    if p.rounding:
        parts.append(f"afgerond op {p.rounding}")
    parts.append(f"nullen {p.zeros}")
    return ", ".join(parts)


def _table_entry(change: TableChange) -> TableEntry:
    covers = [*change.after] or [*change.before]
    return TableEntry(
        kind=change.kind,
        by=tuple(a.value for a in change.by),
        table=change.table,
        differences=change.differences,
        was=tuple(sorted({_protection_words(c) for c in change.before})),
        becomes=tuple(sorted({_protection_words(c) for c in change.after})),
        rules=tuple(sorted(set(map(grounding, covers)), key=lambda g: (g.covenant, g.rule))),
        since=_since(covers),
    )


def build_memo(
    comparison: Comparison,
    before: PolicyFacts,
    after: PolicyFacts,
    old: str,
    new: str,
    today: dt.date,
    recipient: str | None = None,
) -> Memo:
    """The memo of a comparison (per partner: a change; per kind: two regions), for every
    recipient or only ``recipient``."""
    parties: dict[str, tuple[list[FieldChange], list[TableChange]]] = {}
    for change in comparison.fields:
        parties.setdefault(change.party, ([], []))[0].append(change)
    for table in comparison.tables:
        parties.setdefault(table.party, ([], []))[1].append(table)
    statements: dict[str, list[StatementChange]] = {}
    recognisable: dict[str, list[StillRecognisable]] = {}
    if comparison.naming is Naming.PARTNER:  # two regions side by side: nothing changes
        for statement in statement_changes(before, after):
            statements.setdefault(statement.recipient, []).append(statement)
            parties.setdefault(statement.recipient, ([], []))
        for found in still_recognisable(before, after):
            recognisable.setdefault(found.recipient, []).append(found)
            parties.setdefault(found.recipient, ([], []))
    names = {**before.names, **after.names}
    memos = []
    for party, (fields, tables) in sorted(parties.items()):
        if recipient is not None and party != recipient:
            continue
        name = names.get(party, party) if comparison.naming is Naming.PARTNER else party
        memos.append(
            RecipientMemo(
                party,
                name,
                _entries(fields),
                tuple(map(_table_entry, tables)),
                tuple(statements.get(party, ())),
                tuple(recognisable.get(party, ())),
            )
        )
    general = (
        tuple(covenant_changes(before, after)) if comparison.naming is Naming.PARTNER else ()
    )
    return Memo(comparison.naming, old, new, general, tuple(memos), today)
