"""Which signals a set of rules takes, compared: narrower, wider, equal or otherwise, and by
which aspect (condition, area, validity, source, signals without location, signal types).

A field usually comes under one rule, but a rule split in two (one per municipality, one per
source) must read as the same thing: scopes that differ only in their sources, or only in the
values of one equality condition, are merged before they are compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from enum import Enum

from pipeline.officer.comparison.facts import Area, Condition, Scope


class Aspect(Enum):
    """What about a scope changed; the value is how the memo names it (``door ...``)."""

    CONDITION = "voorwaarde"
    AREA = "werkgebied"
    VALIDITY = "geldigheid"
    SOURCE = "bron"
    WITHOUT_LOCATION = "zonder-locatie"
    TYPES = "signaaltype"


class Direction(Enum):
    """How one set of scopes relates to another."""

    EQUAL = "gelijk"
    NARROWER = "smaller"
    WIDER = "ruimer"
    OTHER = "anders"


def _values(cond: Condition) -> set[str]:
    return {str(v) for v in cond.values}


def implies(mine: Condition, other: Condition) -> bool:
    """True if every signal that passes ``mine`` passes ``other`` (known only on one field)."""
    if mine.field != other.field:
        return False
    if mine == other:
        return True
    if mine.equality and other.equality:
        return _values(mine) <= _values(other)
    if mine.test == "minderjarig" or other.test == "minderjarig":
        return mine.test == other.test and mine.minor == other.minor
    if mine.test == "bereik" and other.test == "bereik":
        try:
            low_ok = other.low is None or (mine.low is not None and mine.low >= other.low)
            high_ok = other.high is None or (mine.high is not None and mine.high <= other.high)
        except TypeError:  # a number against a date: not known to be narrower
            return False
        return bool(low_ok and high_ok)
    return False


def _conditions_within(mine: frozenset[Condition], other: frozenset[Condition]) -> bool:
    """True if conditions ``mine`` let through no more than conditions ``other``."""
    return all(any(implies(x, y) for x in mine) for y in other)


def _area_within(mine: Area | None, other: Area | None) -> bool:
    if other is None:
        return True
    if mine is None:
        return False
    return mine.municipalities <= other.municipalities and mine.police_units <= other.police_units


def within(mine: Scope, other: Scope) -> bool:
    """True if every signal ``mine`` takes, ``other`` takes too."""
    return (
        mine.sources <= other.sources
        and mine.types <= other.types
        and _conditions_within(mine.conditions, other.conditions)
        and _area_within(mine.area, other.area)
        and mine.valid_from >= other.valid_from
        and (
            other.valid_until is None
            or (mine.valid_until is not None and mine.valid_until <= other.valid_until)
        )
        and (other.without_location or not mine.without_location)
    )


def _merge_sources(scopes: list[Scope]) -> list[Scope]:
    merged: dict[Scope, set[str]] = {}
    for scope in scopes:
        merged.setdefault(replace(scope, sources=frozenset()), set()).update(scope.sources)
    return [replace(s, sources=frozenset(v)) for s, v in merged.items()]


def _merge_equalities(scopes: list[Scope]) -> list[Scope]:
    """Scopes alike but for the values of one is/in condition on one field: one scope with
    the values together (a rule split per municipality is the rule it was)."""
    merged: dict[tuple[Scope, frozenset[Condition], str], set[object]] = {}
    rest: list[Scope] = []
    for scope in scopes:
        equal = [c for c in scope.conditions if c.equality]
        if len(equal) != 1:
            rest.append(scope)
            continue
        cond = equal[0]
        others = scope.conditions - {cond}
        key = (replace(scope, conditions=frozenset()), others, cond.field)
        merged.setdefault(key, set()).update(cond.values)
    for (base, others, path), values in merged.items():
        ordered = tuple(sorted(values, key=str))
        test = "is" if len(ordered) == 1 else "in"
        text = f"{path} is {ordered[0]}" if test == "is" else f"{path} in {', '.join(map(str, ordered))}"
        cond = Condition(path, test, ordered, text=text)
        rest.append(replace(base, conditions=others | {cond}))
    return rest


def merged(scopes: Iterable[Scope]) -> list[Scope]:
    """The scopes with those that differ only in sources, or only in one equality condition's
    values, taken together."""
    current = list(dict.fromkeys(scopes))
    while True:
        step = _merge_equalities(_merge_sources(current))
        step = list(dict.fromkeys(step))
        if set(step) == set(current):
            return current
        current = step


def direction(before: Iterable[Scope], after: Iterable[Scope]) -> Direction:
    """How the signals taken by ``after`` relate to those taken by ``before``."""
    was, now = merged(before), merged(after)
    narrower = all(any(within(a, b) for b in was) for a in now)
    wider = all(any(within(b, a) for a in now) for b in was)
    if narrower and wider:
        return Direction.EQUAL
    if narrower:
        return Direction.NARROWER
    if wider:
        return Direction.WIDER
    return Direction.OTHER


def changed_aspects(before: Iterable[Scope], after: Iterable[Scope]) -> tuple[Aspect, ...]:
    """Which aspects differ between the two sets of scopes (each once, in a fixed order)."""
    was, now = merged(before), merged(after)

    def union_sources(scopes: list[Scope]) -> frozenset[str]:
        return frozenset().union(*(s.sources for s in scopes))

    def union_types(scopes: list[Scope]) -> frozenset[str]:
        return frozenset().union(*(s.types for s in scopes))

    checks = (
        (Aspect.CONDITION, lambda s: frozenset(x.conditions for x in s)),
        (Aspect.AREA, lambda s: frozenset(x.area for x in s)),
        (Aspect.VALIDITY, lambda s: frozenset((x.valid_from, x.valid_until) for x in s)),
        (Aspect.SOURCE, union_sources),
        (Aspect.TYPES, union_types),
        (Aspect.WITHOUT_LOCATION, lambda s: frozenset(x.without_location for x in s)),
    )
    return tuple(aspect for aspect, of in checks if of(was) != of(now))
