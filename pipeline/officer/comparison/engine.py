"""Compare what two policies disclose, field by field and table by table.

One engine for two questions. The change memo compares a covenant before and after a change,
per partner (``Naming.PARTNER``). The side-by-side analysis compares two covenants of two
regions per kind of partner (``Naming.KIND``): there the partners differ by name (gemeente
Utrecht, gemeente Enschede) and so do area and validity, so those are left out and the
recipients and sources are taken by their kind (``soort`` in the registry).

For every (partner, signal type, field) the rules that give it are compared on what matters to
whoever receives it: the treatment (and whether it protects more or less), the legal basis,
purpose and retention, and which signals it takes (conditions, area, validity, sources). A
rule's id, article and wording are no change by themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import TypeVar

from pipeline.officer.comparison.facts import (
    FieldCover,
    Grounds,
    PolicyFacts,
    Protection,
    Scope,
    TableCover,
    is_envelope_default,
)
from pipeline.officer.comparison.scopes import (
    Aspect,
    Direction,
    changed_aspects,
    direction,
    merged,
)
from pipeline.places.areas import place_labels
from pipeline.places.municipalities import named_in


class Naming(Enum):
    """How partners are matched between the two sides: by id, or by kind."""

    PARTNER = "partner"
    KIND = "soort"


class Kind(Enum):
    """Kinds of difference, most serious first (the order of the memo)."""

    NEW = "nieuw"
    MORE = "meer"
    WEAKER = "zwakker"
    OTHER_SCOPE = "afbakening"
    DIFFERENT = "anders"
    STRONGER = "sterker"
    GROUNDS = "gronden"
    LESS = "minder"
    WITHDRAWN = "vervalt"


SEVERITY = list(Kind)


@dataclass(frozen=True)
class Difference:
    """One aspect that differs: ``aspect`` names it (behandeling, grondslag, doel,
    bewaartermijn, reikwijdte, drempel, ...); before and after in short words."""

    kind: Kind
    aspect: str
    before: str
    after: str


@dataclass(frozen=True)
class FieldChange:
    """What changes for one (partner or kind, signal type, field)."""

    kind: Kind
    #: For a change in which signals are taken: by which aspects.
    by: tuple[Aspect, ...]
    party: str
    signal_type: str
    field: str
    before: tuple[FieldCover, ...]
    after: tuple[FieldCover, ...]
    differences: tuple[Difference, ...]
    #: An envelope field at its standard treatment on both sides (shown once, not per rule).
    envelope_default: bool = False


@dataclass(frozen=True)
class TableChange:
    """What changes for one (partner or kind, statistics table)."""

    kind: Kind
    by: tuple[Aspect, ...]
    party: str
    table: tuple[str, ...]
    before: tuple[TableCover, ...]
    after: tuple[TableCover, ...]
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class Comparison:
    """Every difference between two policies, most serious first."""

    naming: Naming
    fields: tuple[FieldChange, ...]
    tables: tuple[TableChange, ...]


#: How much a treatment protects, least first. Within one kind of field the order is exact
#: (a date: as is < day < year < age band; a postcode: as is < four digits < municipality).
PROTECTION = {
    "doorgeven": 0,
    "versleuteld": 1,
    "datum": 2,
    "geboortejaar": 2,
    "pc4": 2,
    "pseudoniem-herleidbaar": 3,
    "leeftijdscategorie": 3,
    "gemeente": 3,
    "pseudoniem": 4,
}
_PERIODS = {"maand": 0, "kwartaal": 1, "jaar": 2}
_DAYS = {"Y": 365, "M": 30, "W": 7, "D": 1}


def duration_days(iso: str) -> int:
    """An ISO 8601 duration (P1Y6M) in days, roughly: for longer or shorter only."""
    return sum(int(n) * _DAYS[u] for n, u in re.findall(r"(\d+)([YMWD])", iso))


T = TypeVar("T")


def _grouped(items: Iterable[T], key: Callable[[T], tuple[str, ...]]) -> dict[tuple[str, ...], list[T]]:
    found: dict[tuple[str, ...], list[T]] = {}
    for item in items:
        found.setdefault(key(item), []).append(item)
    return found


@dataclass(frozen=True)
class Domain:
    """A linkage domain as compared: its name (with its members) and whether it is shared."""

    name: str
    shared: bool


class _Side:
    """One side's facts as the naming reads them."""

    def __init__(self, facts: PolicyFacts, naming: Naming) -> None:
        self.facts = facts
        self.naming = naming

    def party(self, partner: str) -> str:
        return partner if self.naming is Naming.PARTNER else self.facts.kind(partner)

    def scope(self, scope: Scope, signal_type: str | None = None) -> Scope:
        """The scope as compared: across regions, sources by kind, and neither area, validity
        nor a condition on the signal's municipality (each region names its own)."""
        if self.naming is Naming.PARTNER:
            return scope
        places = self.facts.location_fields.get(signal_type or "", frozenset())
        return replace(
            scope,
            sources=frozenset(self.facts.kind(s) for s in scope.sources),
            conditions=frozenset(
                replace(c, values=(OWN_PLACES,)) if c.field in places and c.equality else c
                for c in scope.conditions
            ),
            area=None,
            valid_from=_EPOCH,
            valid_until=None,
        )

    def domain(self, cover: FieldCover) -> Domain:
        """The linkage domain a recipient gets the view in: its own, or shared with others (who
        then hold the same pseudonyms and references). Across regions only that counts."""
        name = cover.domain.split("/", 1)[-1]
        members = dict(self.facts.headings[cover.rule.covenant].domains).get(name, ())
        # a koppeldomein of one party is the recipient's own, under a new name: shared with no one
        shared = name != cover.recipient and len(members) > 1
        if self.naming is Naming.KIND:
            return Domain("gedeeld" if shared else "eigen", shared)
        shown = f"{cover.domain} ({', '.join(members)})" if shared else cover.domain
        return Domain(shown, shared)

    def basis(self, grounds: Grounds) -> str:
        if self.naming is Naming.PARTNER:
            return f"{grounds.basis}: {grounds.basis_text}"
        return " ".join(grounds.basis_text.lower().split()) or grounds.basis


#: Across regions, a condition on the signal's municipality reads as "in its own places".
OWN_PLACES = "(eigen gemeenten)"
#: Validity is not compared across regions: every scope gets this start, and no end.
_EPOCH = dt.date(1, 1, 1)


def _names(values: Iterable[str]) -> str:
    return ", ".join(sorted(set(values))) or "-"


def _treatment_kind(before: set[str], after: set[str]) -> Kind:
    weakest_before = min(PROTECTION.get(t, 0) for t in before)
    weakest_after = min(PROTECTION.get(t, 0) for t in after)
    if weakest_after < weakest_before:
        return Kind.WEAKER
    if weakest_after > weakest_before:
        return Kind.STRONGER
    return Kind.DIFFERENT


def _grounds_differences(
    was: list[Grounds], now: list[Grounds], left: _Side, right: _Side, retention: bool
) -> list[Difference]:
    out = []
    bases_before = {left.basis(g): g.basis for g in was}
    bases_after = {right.basis(g): g.basis for g in now}
    if set(bases_before) != set(bases_after):
        old, new = _names(bases_before.values()), _names(bases_after.values())
        if old == new:  # the same key, described otherwise: the descriptions are the change
            old = _names(f"{g.basis}: {g.basis_text}" for g in was)
            new = _names(f"{g.basis}: {g.basis_text}" for g in now)
        out.append(Difference(Kind.GROUNDS, "grondslag", old, new))
    if {g.purpose for g in was} != {g.purpose for g in now}:
        out.append(
            Difference(
                Kind.GROUNDS, "doel", _names(g.purpose for g in was), _names(g.purpose for g in now)
            )
        )
    if retention and {g.retention for g in was} != {g.retention for g in now}:
        longest_before = max(duration_days(g.retention) for g in was)
        longest_after = max(duration_days(g.retention) for g in now)
        aspect = (
            "bewaartermijn langer"
            if longest_after > longest_before
            else "bewaartermijn korter"
            if longest_after < longest_before
            else "bewaartermijn"
        )
        out.append(
            Difference(
                Kind.GROUNDS,
                aspect,
                _names(g.retention for g in was),
                _names(g.retention for g in now),
            )
        )
    return out


def _period(scope: Scope) -> str:
    until = scope.valid_until.isoformat() if scope.valid_until else "onbepaald"
    return f"{scope.valid_from.isoformat()} tot {until}"


def _area_words(scope: Scope) -> frozenset[str]:
    if scope.area is None:
        return frozenset({"landelijk"})
    return frozenset(place_labels(scope.area.municipalities, scope.area.police_units))


def _describe(aspect: Aspect, was: list[Scope], now: list[Scope]) -> tuple[str, str]:
    """Before and after of one aspect of the scopes, in short words."""
    if aspect is Aspect.CONDITION:

        def conditions(scopes: list[Scope]) -> str:
            texts = {
                "; ".join(sorted(named_in(c.text) for c in s.conditions)) or "zonder voorwaarde"
                for s in scopes
            }
            return " | ".join(sorted(texts))

        return conditions(was), conditions(now)
    if aspect is Aspect.AREA:
        before = frozenset().union(*map(_area_words, was))
        after = frozenset().union(*map(_area_words, now))
        return _names(before - after) if before - after else "-", (
            _names(after - before) if after - before else "-"
        )
    if aspect is Aspect.VALIDITY:
        return _names(map(_period, was)), _names(map(_period, now))
    if aspect is Aspect.SOURCE:
        return _names(s for x in was for s in x.sources), _names(s for x in now for s in x.sources)
    if aspect is Aspect.TYPES:
        return _names(s for x in was for s in x.types), _names(s for x in now for s in x.types)
    return _yes(was), _yes(now)


def _yes(scopes: list[Scope]) -> str:
    return "ja" if any(s.without_location for s in scopes) else "nee"


def _scope_differences(
    was: list[Scope], now: list[Scope]
) -> tuple[list[Difference], tuple[Aspect, ...]]:
    """One difference per aspect of the scopes that changed, all of the scope's direction."""
    found = direction(was, now)
    if found is Direction.EQUAL:
        return [], ()
    kind = {
        Direction.NARROWER: Kind.LESS,
        Direction.WIDER: Kind.MORE,
        Direction.OTHER: Kind.OTHER_SCOPE,
    }[found]
    aspects = changed_aspects(was, now)
    merged_was, merged_now = merged(was), merged(now)
    out = [Difference(kind, a.value, *_describe(a, merged_was, merged_now)) for a in aspects]
    return out or [Difference(kind, "reikwijdte", found.value, found.value)], aspects


def _most_serious(differences: list[Difference]) -> Kind:
    return min((d.kind for d in differences), key=SEVERITY.index)


def _field_change(
    key: tuple[str, ...], was: list[FieldCover], now: list[FieldCover], left: _Side, right: _Side
) -> FieldChange | None:
    party, signal_type, path = key
    default = all(is_envelope_default(path, c.treatment) for c in [*was, *now])
    if not was or not now:
        kind = Kind.NEW if not was else Kind.WITHDRAWN
        return FieldChange(kind, (), party, signal_type, path, tuple(was), tuple(now), (), default)
    differences: list[Difference] = []
    before, after = {c.treatment for c in was}, {c.treatment for c in now}
    if before != after:
        differences.append(
            Difference(_treatment_kind(before, after), "behandeling", _names(before), _names(after))
        )
    differences += _grounds_differences(
        [c.grounds for c in was], [c.grounds for c in now], left, right, retention=True
    )
    domains_before = {left.domain(c) for c in was}
    domains_after = {right.domain(c) for c in now}
    if domains_before != domains_after:
        shared_before = any(d.shared for d in domains_before)
        shared_after = any(d.shared for d in domains_after)
        kind = (
            Kind.WEAKER
            if shared_after and not shared_before
            else Kind.STRONGER
            if shared_before and not shared_after
            else Kind.DIFFERENT
        )
        differences.append(
            Difference(
                kind,
                "koppeldomein",
                _names(d.name for d in domains_before),
                _names(d.name for d in domains_after),
            )
        )
    scope, by = _scope_differences(
        [left.scope(c.scope, signal_type) for c in was],
        [right.scope(c.scope, signal_type) for c in now],
    )
    differences += scope
    if not differences:
        return None
    return FieldChange(
        _most_serious(differences), by, party, signal_type, path, tuple(was), tuple(now),
        tuple(differences), default,
    )  # fmt: skip


def _measures(p: Protection) -> dict[str, tuple[int, str]]:
    """Each measure of a table's protection: (higher protects more, as shown)."""
    return {
        "drempel": (p.threshold, str(p.threshold)),
        "bescherming": (p.protection, str(p.protection)),
        "periode": (_PERIODS.get(p.period, 0), p.period),
        "afronden": (p.rounding or 1, str(p.rounding or "-")),
        "nullen": (1 if p.zeros == "onderdrukken" else 0, p.zeros),
    }


def _protection_differences(was: list[Protection], now: list[Protection]) -> list[Difference]:
    if set(was) == set(now):
        return []
    out = []
    before, after = [_measures(p) for p in was], [_measures(p) for p in now]
    for aspect in before[0]:
        if aspect == "bescherming" and all(p.protection == p.threshold for p in [*was, *now]):
            continue  # the protection range follows the threshold: said once, under drempel
        low_before = min(m[aspect][0] for m in before)
        low_after = min(m[aspect][0] for m in after)
        if low_before != low_after:
            out.append(
                Difference(
                    Kind.STRONGER if low_after > low_before else Kind.WEAKER,
                    aspect,
                    _names(m[aspect][1] for m in before),
                    _names(m[aspect][1] for m in after),
                )
            )
    if {p.categories for p in was} != {p.categories for p in now}:
        out.append(Difference(Kind.DIFFERENT, "indeling", "", ""))
    return out


def _table_change(
    key: tuple[str, ...], was: list[TableCover], now: list[TableCover], left: _Side, right: _Side
) -> TableChange | None:
    party, *_ = key
    table = (was or now)[0].table
    if not was or not now:
        kind = Kind.NEW if not was else Kind.WITHDRAWN
        return TableChange(kind, (), party, table, tuple(was), tuple(now), ())
    differences = _protection_differences([c.protection for c in was], [c.protection for c in now])
    differences += _grounds_differences(
        [c.grounds for c in was], [c.grounds for c in now], left, right, retention=False
    )
    scope, by = _scope_differences(
        [left.scope(c.scope) for c in was], [right.scope(c.scope) for c in now]
    )
    differences += scope
    if not differences:
        return None
    return TableChange(
        _most_serious(differences), by, party, table, tuple(was), tuple(now), tuple(differences)
    )


def compare(before: PolicyFacts, after: PolicyFacts, naming: Naming = Naming.PARTNER) -> Comparison:
    """Every difference in what ``after`` discloses compared with ``before``, per partner (or
    per kind of partner), signal type and field, and per statistics table."""
    left, right = _Side(before, naming), _Side(after, naming)

    def field_key(side: _Side) -> Callable[[FieldCover], tuple[str, ...]]:
        return lambda c: (side.party(c.recipient), c.signal_type, c.field)

    def table_key(side: _Side) -> Callable[[TableCover], tuple[str, ...]]:
        return lambda c: (side.party(c.recipient), *sorted(c.table))

    was = _grouped(before.fields, field_key(left))
    now = _grouped(after.fields, field_key(right))
    fields = [
        change
        for key in sorted(set(was) | set(now))
        if (change := _field_change(key, was.get(key, []), now.get(key, []), left, right))
    ]
    tables_was = _grouped(before.tables, table_key(left))
    tables_now = _grouped(after.tables, table_key(right))
    tables = [
        table
        for key in sorted(set(tables_was) | set(tables_now))
        if (
            table := _table_change(
                key, tables_was.get(key, []), tables_now.get(key, []), left, right
            )
        )
    ]
    fields.sort(key=lambda c: (SEVERITY.index(c.kind), c.party, c.signal_type, c.field))
    tables.sort(key=lambda c: (SEVERITY.index(c.kind), c.party, c.table))
    return Comparison(naming, tuple(fields), tuple(tables))


def by_party(changes: Iterable[FieldChange]) -> Mapping[str, list[FieldChange]]:
    """The changes per partner (or kind), in the order given."""
    found: dict[str, list[FieldChange]] = {}
    for change in changes:
        found.setdefault(change.party, []).append(change)
    return found
