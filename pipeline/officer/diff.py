"""What a covenant change discloses newly, withdraws, or treats differently: a change memo.

Compared per (signal type, recipient, field, source) on what reaches the recipient: the
treatment, the grounds (covenant, rule, article, basis, purpose, retention) and the conditions.
A new version number alone is no change. A condition added or narrowed shares less; one
removed or widened shares more; both are named as such, not as "other grounds".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pipeline.covenant.fields import ENVELOPE_DEFAULTS
from pipeline.covenant.loader import (
    LoadedCovenant,
    load_covenant,
    load_covenant_texts,
    load_covenants,
)
from pipeline.covenant.model import Behandeling, Voorwaarde, Werkgebied
from pipeline.covenant.reidentifiers import herleider_changes
from pipeline.git_revision import files_at_revision
from pipeline.language import Text


class ChangeKind(Enum):
    """Kinds of change, most serious first; the value is the memo's heading."""

    DISCLOSED = Text("nieuw gedeeld", "newly disclosed")
    MORE = Text("meer gedeeld door een voorwaarde", "more shared by a condition")
    TREATMENT = Text("anders behandeld", "treated differently")
    GROUNDS = Text("op andere gronden", "on other grounds")
    CONDITION = Text("andere voorwaarde", "other condition")
    LESS = Text("minder gedeeld door een voorwaarde", "less shared by a condition")
    WITHDRAWN = Text("niet meer gedeeld", "withdrawn")


@dataclass(frozen=True)
class Cover:
    """One rule that discloses a field to a recipient."""

    treatment: str
    grounds: str
    conditions: tuple[Voorwaarde, ...]

    def describe(self) -> str:
        """Treatment, grounds and conditions in one line."""
        when = (
            f"; alleen als {'; '.join(c.describe() for c in self.conditions)}"
            if self.conditions
            else ""
        )
        return f"{self.treatment} ({self.grounds}{when})"


Key = tuple[str, str, str, str]


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


def _covers(covenants: list[LoadedCovenant]) -> dict[Key, frozenset[Cover]]:
    found: dict[Key, set[Cover]] = {}
    for loaded in covenants:
        kop = loaded.model.convenant
        for rule in loaded.model.regels:
            grounds = ", ".join(
                p
                for p in (
                    f"{kop.id} {rule.id}",
                    f"art. {rule.artikel}" if rule.artikel else "",
                    rule.grondslag,
                    rule.doel,
                    rule.bewaartermijn,
                )
                if p
            )
            fields = {p: Behandeling(t) for p, t in ENVELOPE_DEFAULTS.items()} | dict(rule.velden)
            for path, treatment in fields.items():
                if treatment is Behandeling.WEGLATEN:
                    continue
                cover = Cover(treatment.value, grounds, rule.voorwaarden)
                for recipient in rule.ontvangers:
                    for source in rule.bronnen:
                        found.setdefault((rule.signaaltype, recipient, path, source), set()).add(
                            cover
                        )
    return {k: frozenset(v) for k, v in found.items()}


def _at_least_as_strict(mine: Voorwaarde, other: Voorwaarde) -> bool:
    """True if every value that passes ``mine`` passes ``other`` (same field)."""
    if mine.veld != other.veld:
        return False
    if mine == other:
        return True
    mine_values = [mine.is_] if "is_" in mine.model_fields_set else list(mine.in_ or ())
    other_values = [other.is_] if "is_" in other.model_fields_set else list(other.in_ or ())
    if mine_values and other_values:
        return set(map(str, mine_values)) <= set(map(str, other_values))
    if mine.minderjarig is not None or other.minderjarig is not None:
        return mine.minderjarig == other.minderjarig
    try:
        low_ok = other.vanaf is None or (mine.vanaf is not None and mine.vanaf >= other.vanaf)  # type: ignore[operator]
        high_ok = other.tot is None or (mine.tot is not None and mine.tot <= other.tot)  # type: ignore[operator]
    except TypeError:  # a number against a date: not comparable, so not known to be stricter
        return False
    return bool(low_ok and high_ok)


def _narrower(a: tuple[Voorwaarde, ...], b: tuple[Voorwaarde, ...]) -> bool:
    """True if conditions ``a`` let through no more than conditions ``b``."""
    return all(any(_at_least_as_strict(x, y) for x in a) for y in b)


def _condition_change(was: frozenset[Cover], now: frozenset[Cover]) -> ChangeKind:
    before = {c.conditions for c in was}
    after = {c.conditions for c in now}
    if () in before and () not in after:
        return ChangeKind.LESS
    if () in after and () not in before:
        return ChangeKind.MORE
    if all(any(_narrower(a, b) for b in before) for a in after):
        return ChangeKind.LESS
    if all(any(_narrower(b, a) for a in after) for b in before):
        return ChangeKind.MORE
    return ChangeKind.CONDITION


def _describe(covers: frozenset[Cover]) -> str:
    return " | ".join(sorted(c.describe() for c in covers))


def diff_covenants(old: list[LoadedCovenant], new: list[LoadedCovenant]) -> list[Change]:
    """Every difference in what is disclosed, to whom, how and why; sorted by severity."""
    before, after = _covers(old), _covers(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if was is None:
            assert now is not None
            changes.append(Change(ChangeKind.DISCLOSED, *key, "-", _describe(now)))
            continue
        if now is None:
            changes.append(Change(ChangeKind.WITHDRAWN, *key, _describe(was), "-"))
            continue
        if {c.treatment for c in was} != {c.treatment for c in now}:
            kind = ChangeKind.TREATMENT
        elif {(c.treatment, c.grounds) for c in was} != {(c.treatment, c.grounds) for c in now}:
            kind = ChangeKind.GROUNDS
        else:
            kind = _condition_change(was, now)
        changes.append(Change(kind, *key, _describe(was), _describe(now)))
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


@dataclass(frozen=True)
class RecipientSummary:
    """Per recipient: per kind of change, the signal types and how many fields."""

    recipient: str
    lines: tuple[tuple[ChangeKind, str, int], ...]


def per_recipient(changes: list[Change]) -> list[RecipientSummary]:
    """The memo's summary: per recipient, what kind of change touches which signal types."""
    found: dict[str, dict[tuple[ChangeKind, str], set[str]]] = {}
    for c in changes:
        found.setdefault(c.recipient, {}).setdefault((c.kind, c.signal_type), set()).add(c.field)
    order = list(ChangeKind)
    return [
        RecipientSummary(
            recipient,
            tuple(
                (kind, signal_type, len(fields))
                for (kind, signal_type), fields in sorted(
                    kinds.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])
                )
            ),
        )
        for recipient, kinds in sorted(found.items())
    ]


def _area_words(area: object) -> set[str]:
    if isinstance(area, Werkgebied):
        return set(area.gemeenten) | set(area.politie_eenheden)
    return {"landelijk"}


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "onbepaald"


def covenant_changes(old: list[LoadedCovenant], new: list[LoadedCovenant]) -> list[Text]:
    """Changes of a covenant as a whole: added or removed, area, validity, version, who may
    re-identify."""
    before = {c.model.convenant.id: c.model.convenant for c in old}
    after = {c.model.convenant.id: c.model.convenant for c in new}
    out = []
    for cid in sorted(set(before) | set(after)):
        was, now = before.get(cid), after.get(cid)
        if was is None:
            out.append(Text(f"convenant {cid} is nieuw", f"covenant {cid} is new"))
            continue
        if now is None:
            out.append(Text(f"convenant {cid} is weg", f"covenant {cid} is gone"))
            continue
        if was.versie != now.versie:
            out.append(
                Text(
                    f"{cid}: versie {was.versie} → {now.versie}",
                    f"{cid}: version {was.versie} -> {now.versie}",
                )
            )
        gained = sorted(_area_words(now.werkgebied) - _area_words(was.werkgebied))
        lost = sorted(_area_words(was.werkgebied) - _area_words(now.werkgebied))
        if gained or lost:
            nl = "; ".join(
                p
                for p in (
                    f"erbij: {', '.join(gained)}" if gained else "",
                    f"eraf: {', '.join(lost)}" if lost else "",
                )
                if p
            )
            en = "; ".join(
                p
                for p in (
                    f"added: {', '.join(gained)}" if gained else "",
                    f"removed: {', '.join(lost)}" if lost else "",
                )
                if p
            )
            out.append(Text(f"{cid}: werkgebied gewijzigd ({nl})", f"{cid}: area changed ({en})"))
        if was.geldig != now.geldig:
            out.append(
                Text(
                    f"{cid}: geldig van {_date(was.geldig.van)} tot {_date(was.geldig.tot)} → van "
                    f"{_date(now.geldig.van)} tot {_date(now.geldig.tot)}",
                    f"{cid}: validity {_date(was.geldig.van)}..{_date(was.geldig.tot)} -> "
                    f"{_date(now.geldig.van)}..{_date(now.geldig.tot)}",
                )
            )
        out += herleider_changes(cid, was, now)
    return out


def load_side(spec: str, default_dir: Path) -> list[LoadedCovenant]:
    """Covenants from a file, a directory, or a git revision of ``default_dir`` (e.g. HEAD~1)."""
    path = Path(spec)
    if path.is_file():
        return [load_covenant(path)]
    if path.is_dir():
        return load_covenants(path)
    files = files_at_revision(default_dir, spec, ".yaml")
    return load_covenant_texts(files, f"{spec}:{default_dir.name}")
