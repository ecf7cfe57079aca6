"""Werkgebied: which signals a covenant covers, judged by where they happen.

A signal's location comes from fields marked in its schema (``"werkgebied": "gemeente"`` or
``"politie_eenheid"``). The municipality decides when the signal has one and the covenant lists
municipalities; otherwise the police unit, when both are known. A signal neither can place has
no usable location: under a covenant with an area it is disclosed only by rules that say
``ook_zonder_locatie``, and the router logs that it withheld it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pipeline.covenant.conditions import value_at
from pipeline.covenant.model import Kop, Werkgebied
from pipeline.places.municipalities import in_police_units, municipalities

GEMEENTE = "gemeente"
POLITIE_EENHEID = "politie_eenheid"


class Where(Enum):
    """Where a signal lies with respect to a covenant's area."""

    IN = "in"
    OUT = "out"
    UNKNOWN = "unknown"


IN, OUT, UNKNOWN = Where.IN, Where.OUT, Where.UNKNOWN


@dataclass(frozen=True)
class Locator:
    """The fields of one signal type that locate it: municipality codes and police units."""

    gemeenten: tuple[str, ...] = ()
    eenheden: tuple[str, ...] = ()

    @classmethod
    def of(cls, marked: dict[str, Any]) -> Locator:
        """From a schema's ``werkgebied`` field marks (fields.marked_paths)."""
        return cls(
            tuple(p for p, kind in marked.items() if kind == GEMEENTE),
            tuple(p for p, kind in marked.items() if kind == POLITIE_EENHEID),
        )

    @property
    def locates(self) -> bool:
        """False for a signal type with no location fields at all (e.g. Statusupdate)."""
        return bool(self.gemeenten or self.eenheden)

    def place(self, datum: dict[str, Any], source: str, signal_type: str) -> Place | None:
        """Where the record lies; None for a type without location fields (it lies where what
        it refers to lies)."""
        if not self.locates:
            return None
        codes = _kept(_values(datum, self.gemeenten), _CODE)
        units = _kept(_values(datum, self.eenheden), _UNIT)
        if codes or units:
            return Place(codes, units)
        return Place(unlocated=(source, signal_type))


def _values(datum: dict[str, Any], paths: tuple[str, ...]) -> set[Any]:
    return {v for v in (value_at(datum, p) for p in paths) if v is not None}


#: What a kept place holds of a value no area can list (Werkgebied takes only GM0000 codes and
#: the signals' police units): it still decides, and matches no area, as the value itself did.
ELSEWHERE = "?"
_CODE = re.compile(r"GM[0-9]{4}")
_UNIT = re.compile(r"[A-Z][A-Z_]{0,39}")


def _kept(values: set[Any], shape: re.Pattern[str]) -> tuple[str, ...]:
    return tuple(
        sorted({v if isinstance(v, str) and shape.fullmatch(v) else ELSEWHERE for v in values})
    )


@dataclass(frozen=True)
class Place:
    """Where one event lay, as a covenant's area judges it, kept after the event is gone (in
    its event-id claim), so that a follow-up about it is judged by it: its municipality codes
    and police units; for an event with neither, its publisher and type (``unlocated``), so
    that a covenant whose rules disclose such events without a location can be told."""

    gemeenten: tuple[str, ...] = ()
    eenheden: tuple[str, ...] = ()
    unlocated: tuple[str, str] | None = None


@dataclass(frozen=True)
class Area:
    """A covenant's area: CBS municipality codes and police units."""

    gemeenten: frozenset[str]
    eenheden: frozenset[str]

    def where(self, datum: dict[str, Any], locator: Locator) -> Where:
        """IN, OUT, or UNKNOWN when the signal carries no location this area can judge."""
        return self._judge(_values(datum, locator.gemeenten), _values(datum, locator.eenheden))

    def where_place(self, place: Place) -> Where:
        """Where an event kept as ``place`` lies, judged as ``where`` judged the event."""
        return self._judge(set(place.gemeenten), set(place.eenheden))

    def _judge(self, codes: set[Any], units: set[Any]) -> Where:
        # the municipality decides when both have one; else the police unit
        if codes and self.gemeenten:
            return IN if codes & self.gemeenten else OUT
        if units and self.eenheden:
            return IN if units & self.eenheden else OUT
        return UNKNOWN

    def overlaps(self, other: Area) -> bool:
        """True if some signal could lie in both areas. Where one judges a signal by its
        municipality and the other only by its police unit, a signal may be in both."""
        if self.gemeenten & other.gemeenten or self.eenheden & other.eenheden:
            return True
        return bool(
            (self.gemeenten and not other.gemeenten and other.eenheden)
            or (other.gemeenten and not self.gemeenten and self.eenheden)
        )


@dataclass(frozen=True)
class Overlap:
    """Where two covenants' areas meet: the municipalities a signal can lie in under both, and
    the police units that place a signal without a municipality in both. ``everywhere``: both
    cover the whole country."""

    municipalities: frozenset[str]
    police_units: frozenset[str]
    everywhere: bool = False

    def __bool__(self) -> bool:
        return bool(self.municipalities or self.police_units)


def _municipalities_of(area: Area | None) -> frozenset[str]:
    """The municipalities whose signals an area covers: the ones it names, else every one in
    its police units (a signal with a municipality is then placed by its unit); all for None."""
    if area is None:
        return frozenset(municipalities())
    return area.gemeenten or in_police_units(area.eenheden)


def overlap_of(first: Area | None, second: Area | None) -> Overlap:
    """Where two areas (None: the whole country) overlap; empty when they do not.

    Where one area names municipalities and the other only police units, the second judges a
    signal by its police unit even when it has a municipality (Area._judge): a signal in any
    municipality of the first, recorded by a police unit of the second, lies in both, wherever
    that municipality is (a victim from Rotterdam met by the Utrecht police)."""
    if first is None and second is None:
        return Overlap(frozenset(municipalities()), frozenset(), everywhere=True)
    if first is None or second is None:
        units = (second or first).eenheden  # type: ignore[union-attr]  # one is an Area
        return Overlap(_municipalities_of(first) & _municipalities_of(second), units)
    units = first.eenheden & second.eenheden
    named = first.gemeenten or second.gemeenten
    if named and not (first.gemeenten and second.gemeenten):
        by_unit = second if first.gemeenten else first
        return Overlap(named if by_unit.eenheden else frozenset(), units)
    return Overlap(_municipalities_of(first) & _municipalities_of(second), units)


def area_of(kop: Kop) -> Area | None:
    """A covenant's area, or None for a covenant that covers the whole country."""
    if not isinstance(kop.werkgebied, Werkgebied):
        return None
    return Area(frozenset(kop.werkgebied.gemeenten), frozenset(kop.werkgebied.politie_eenheden))
