"""The analysis of the covenants side by side (action 40), as plain data: per covenant who sees
what; per pair of covenants what each kind of partner gets differently and where one gets
nothing comparable (gaps); where their areas overlap, who receives under both and where one
protects a field less; their statistics rules and double counting; and loose ends.

Built on the comparison engine's facts of one compiled policy of all covenants. Pure: what the
disclosure log says about use comes in as ``usage`` (the CLI reads it when asked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.covenant.scope import Area as RoutingArea
from pipeline.covenant.scope import overlap_of
from pipeline.officer.analysis.across import Across
from pipeline.officer.analysis.matrix import Matrix, who_sees_what
from pipeline.officer.comparison.engine import (
    PROTECTION,
    Comparison,
    FieldChange,
    Naming,
    compare,
)
from pipeline.officer.comparison.facts import (
    Area,
    FieldCover,
    Heading,
    PolicyFacts,
    TableCover,
    of_covenant,
)
from pipeline.places.municipalities import labels


@dataclass(frozen=True)
class Pair:
    """Two covenants compared per kind of partner: every difference, and the gaps (a kind that
    receives a signal type under one and nothing of it under the other)."""

    first: str
    second: str
    comparison: Comparison
    gaps: tuple[tuple[str, str, str], ...]  # (kind, signal type, the covenant it receives under)


@dataclass(frozen=True)
class Conflict:
    """In an overlap, one field gets a weaker protection under one covenant than the other."""

    kind: str
    signal_type: str
    field: str
    weaker_under: str
    weaker: tuple[str, ...]
    stronger: tuple[str, ...]
    #: The same partner receives under both (not only partners of the same kind).
    same_partner: bool


@dataclass(frozen=True)
class Overlap:
    """Where two covenants' areas overlap, who receives under both, and the conflicts."""

    first: str
    second: str
    municipalities: tuple[str, ...]  # "GM0345 Veenendaal"
    police_units: tuple[str, ...]
    everywhere: bool
    kinds: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, signal types received under both)
    conflicts: tuple[Conflict, ...]


@dataclass(frozen=True)
class StatisticsLine:
    """One statistics rule as the side-by-side table shows it."""

    covenant: str
    rule: str
    recipients: tuple[str, ...]
    sources: tuple[str, ...]
    signal_types: tuple[str, ...]
    tables: tuple[tuple[str, ...], ...]
    threshold: int
    period: str


@dataclass(frozen=True)
class DoubleCount:
    """Two covenants count the same signals for the same recipient."""

    recipient: str
    first: str
    second: str
    sources: tuple[str, ...]
    signal_types: tuple[str, ...]
    municipalities: tuple[str, ...]
    everywhere: bool


@dataclass(frozen=True)
class LooseEnds:
    """What one covenant declares or names but does not use."""

    covenant: str
    purposes: tuple[str, ...]
    bases: tuple[str, ...]
    #: Parties of the covenant that no rule gives anything nor takes signals from.
    receive_nothing: tuple[str, ...]
    #: Rules that disclosed nothing in the period (None: the log was not read).
    unused_rules: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Usage:
    """What the disclosure log says of one covenant's use in a period."""

    period: str
    unused_rules: tuple[str, ...]


@dataclass(frozen=True)
class Analysis:
    """The whole analysis."""

    today: dt.date
    headings: tuple[Heading, ...]
    matrices: tuple[Matrix, ...]
    pairs: tuple[Pair, ...]
    overlaps: tuple[Overlap, ...]
    statistics: tuple[StatisticsLine, ...]
    double_counts: tuple[DoubleCount, ...]
    loose_ends: tuple[LooseEnds, ...]
    #: Recipients that get a person's identity under one covenant and only a pseudonym or a
    #: coarser value under another that overlaps, and the covenants' ``herleidbaar_via``
    #: statements (None: the covenant files were not given to look at).
    cross_reidentification: Across | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    usage_period: str | None = None


def _routing_area(area: Area | None) -> RoutingArea | None:
    return None if area is None else RoutingArea(area.municipalities, area.police_units)


def _gaps(first: PolicyFacts, second: PolicyFacts) -> tuple[tuple[str, str, str], ...]:
    """(kind, signal type, covenant) where a kind receives a signal type under one covenant and
    nothing of it under the other (statistics tables count as the type "statistiek")."""

    def received(facts: PolicyFacts) -> set[tuple[str, str]]:
        found = {(facts.kind(c.recipient), c.signal_type) for c in facts.fields}
        return found | {(facts.kind(c.recipient), "statistiek") for c in facts.tables}

    a, b = received(first), received(second)
    (cid_a,), (cid_b,) = first.headings, second.headings
    return tuple(
        sorted([(k, t, cid_a) for k, t in a - b] + [(k, t, cid_b) for k, t in b - a])
    )


def _received_in(cover: FieldCover, overlap: frozenset[str], places: frozenset[str]) -> bool:
    """Whether a rule can give its field for a signal in the overlap: not when a condition on
    the signal's municipality names none of the overlap's."""
    for cond in cover.scope.conditions:
        if cond.field in places and cond.equality and not {str(v) for v in cond.values} & overlap:
            return False
    return True


def _overlap(facts: PolicyFacts, a: Heading, b: Heading) -> Overlap | None:
    area_a, area_b = _routing_area(a.area), _routing_area(b.area)
    if area_a is not None and area_b is not None and not area_a.overlaps(area_b):
        return None
    shared = overlap_of(area_a, area_b)
    municipalities = frozenset(shared.municipalities)

    def covers(cid: str) -> list[FieldCover]:
        return [
            c
            for c in facts.fields
            if c.rule.covenant == cid
            and _received_in(c, municipalities, facts.location_fields.get(c.signal_type, frozenset()))
        ]

    left: dict[tuple[str, str, str], list[FieldCover]] = {}
    right: dict[tuple[str, str, str], list[FieldCover]] = {}
    for target, cid in ((left, a.id), (right, b.id)):
        for c in covers(cid):
            target.setdefault((facts.kind(c.recipient), c.signal_type, c.field), []).append(c)
    kinds: dict[str, set[str]] = {}
    conflicts = []
    for key in sorted(set(left) & set(right)):
        kind, signal_type, path = key
        kinds.setdefault(kind, set()).add(signal_type)
        weakest_a = min(PROTECTION.get(c.treatment, 0) for c in left[key])
        weakest_b = min(PROTECTION.get(c.treatment, 0) for c in right[key])
        if weakest_a == weakest_b:
            continue
        weak, strong, under = (left, right, a.id) if weakest_a < weakest_b else (right, left, b.id)
        conflicts.append(
            Conflict(
                kind,
                signal_type,
                path,
                under,
                tuple(sorted({c.treatment for c in weak[key]})),
                tuple(sorted({c.treatment for c in strong[key]})),
                bool({c.recipient for c in left[key]} & {c.recipient for c in right[key]}),
            )
        )
    return Overlap(
        a.id,
        b.id,
        () if shared.everywhere else tuple(labels(municipalities)),
        tuple(sorted(shared.police_units)),
        shared.everywhere,
        tuple((k, tuple(sorted(v))) for k, v in sorted(kinds.items())),
        tuple(conflicts),
    )


def _statistics(tables: tuple[TableCover, ...]) -> list[StatisticsLine]:
    found: dict[tuple[str, str], list[TableCover]] = {}
    for cover in tables:
        found.setdefault((cover.rule.covenant, cover.rule.id), []).append(cover)
    return [
        StatisticsLine(
            covenant,
            rule,
            tuple(dict.fromkeys(c.recipient for c in covers)),
            tuple(sorted(covers[0].scope.sources)),
            tuple(sorted(covers[0].scope.types)),
            tuple(dict.fromkeys(c.table for c in covers)),
            covers[0].protection.threshold,
            covers[0].protection.period,
        )
        for (covenant, rule), covers in sorted(found.items())
    ]


def _double_counts(facts: PolicyFacts) -> list[DoubleCount]:
    out = []
    rules: dict[tuple[str, str, str], TableCover] = {}
    for cover in facts.tables:
        rules.setdefault((cover.rule.covenant, cover.rule.id, cover.recipient), cover)
    covers = list(rules.values())
    for i, x in enumerate(covers):
        for y in covers[i + 1 :]:
            if x.rule.covenant == y.rule.covenant or x.recipient != y.recipient:
                continue
            sources = x.scope.sources & y.scope.sources
            types = x.scope.types & y.scope.types
            area_x, area_y = _routing_area(x.scope.area), _routing_area(y.scope.area)
            if not sources or not types:
                continue
            if area_x is not None and area_y is not None and not area_x.overlaps(area_y):
                continue
            shared = overlap_of(area_x, area_y)
            out.append(
                DoubleCount(
                    x.recipient,
                    f"{x.rule.covenant} {x.rule.id}",
                    f"{y.rule.covenant} {y.rule.id}",
                    tuple(sorted(sources)),
                    tuple(sorted(types)),
                    () if shared.everywhere else tuple(labels(shared.municipalities)),
                    shared.everywhere,
                )
            )
    return out


def _loose_ends(facts: PolicyFacts, heading: Heading, usage: Usage | None) -> LooseEnds:
    fields = [c for c in facts.fields if c.rule.covenant == heading.id]
    tables = [c for c in facts.tables if c.rule.covenant == heading.id]
    grounds = [c.grounds for c in fields] + [c.grounds for c in tables]
    receiving = {c.recipient for c in fields} | {c.recipient for c in tables}
    sending = {s for c in fields for s in c.scope.sources}
    sending |= {s for c in tables for s in c.scope.sources}
    return LooseEnds(
        heading.id,
        tuple(k for k, _ in heading.purposes if k not in {g.purpose for g in grounds}),
        tuple(b.key for b in heading.bases if b.key not in {g.basis for g in grounds}),
        tuple(p for p in heading.parties if p not in receiving | sending),
        usage.unused_rules if usage is not None else None,
    )


def analyse(
    facts: PolicyFacts,
    today: dt.date,
    usage: Mapping[str, Usage] | None = None,
    cross: Across | None = None,
) -> Analysis:
    """The analysis of every covenant in ``facts`` (one policy compiled from all of them);
    ``cross``: re-identification across them (analysis.across, from the covenant files)."""
    headings = tuple(facts.headings.values())
    pairs, overlaps = [], []
    for i, a in enumerate(headings):
        for b in headings[i + 1 :]:
            left, right = of_covenant(facts, a.id), of_covenant(facts, b.id)
            comparison = compare(left, right, Naming.KIND)
            pairs.append(Pair(a.id, b.id, comparison, _gaps(left, right)))
            found = _overlap(facts, a, b)
            if found is not None:
                overlaps.append(found)
    usage = usage or {}
    periods = {u.period for u in usage.values()}
    return Analysis(
        today=today,
        headings=headings,
        matrices=tuple(who_sees_what(facts, h.id) for h in headings),
        pairs=tuple(pairs),
        overlaps=tuple(overlaps),
        statistics=tuple(_statistics(facts.tables)),
        double_counts=tuple(_double_counts(facts)),
        loose_ends=tuple(_loose_ends(facts, h, usage.get(h.id)) for h in headings),
        cross_reidentification=cross,
        names=dict(facts.names),
        kinds=dict(facts.kinds),
        usage_period=next(iter(periods)) if periods else None,
    )


def differences_of(pair: Pair) -> list[FieldChange]:
    """A pair's field differences that are not gaps of a whole signal type (those are listed
    apart), envelope defaults left out."""
    gaps = {(kind, signal_type) for kind, signal_type, _ in pair.gaps}  # whole types apart
    return [
        c
        for c in pair.comparison.fields
        if (c.party, c.signal_type) not in gaps and not c.envelope_default
    ]
