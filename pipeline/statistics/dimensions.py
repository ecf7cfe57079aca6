"""The dimensions a statistics rule may break counts down by, and their categories.

A dimension's categories are fixed by the schema and the covenant, never by the data: a table
shows the same cells whatever was counted, so no cell's existence tells that someone is in it.
Closed fields (enums, booleans, age bands) take their categories from the schema; open text
fields (sector, nationaliteit, gemeente) from the rule's ``indeling``, every other value counting
as OVERIG. An unknown value is ONBEKEND.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline.legal_time import legal_day
from pipeline.privacy.generalise import AGE_BANDS, age_band


class Dimensie(StrEnum):
    """The dimensions a covenant may name."""

    POLITIE_EENHEID = "politie_eenheid"
    MELDER_TYPE = "melder_type"
    UITBUITINGSVORM = "uitbuitingsvorm"
    SECTOR = "sector"
    GESLACHT = "geslacht"
    LEEFTIJDSCATEGORIE = "leeftijdscategorie"
    NATIONALITEIT = "nationaliteit"
    MINDERJARIG = "minderjarig"
    GEMEENTE = "gemeente"


#: The field each dimension is read from, where a signal type has it. ``gemeente`` is the field
#: the schema marks as the signal's municipality (its ``werkgebied``), found by the compiler.
FIELDS: dict[Dimensie, str | None] = {
    Dimensie.POLITIE_EENHEID: "politie_eenheid",
    Dimensie.MELDER_TYPE: "melder_type",
    Dimensie.UITBUITINGSVORM: "uitbuitingsvorm",
    Dimensie.SECTOR: "sector",
    Dimensie.GESLACHT: "slachtoffer.geslacht",
    Dimensie.LEEFTIJDSCATEGORIE: "slachtoffer.geboortedatum",
    Dimensie.NATIONALITEIT: "slachtoffer.nationaliteit",
    Dimensie.MINDERJARIG: "minderjarig",
    Dimensie.GEMEENTE: None,
}

#: The value of a margin: the cell counts every category of that dimension.
TOTAAL = "totaal"
ONBEKEND = "ONBEKEND"
OVERIG = "OVERIG"
JA, NEE = "JA", "NEE"
AGE_LABELS = tuple(label for _, _, label in AGE_BANDS)
MINOR_BANDS = frozenset(label for low, _, label in AGE_BANDS if low < 18)


class Soort(StrEnum):
    """How a field's value becomes a category."""

    ENUM = "enum"  # the schema's symbols
    BOOLEAN = "boolean"  # JA / NEE
    AGE = "age"  # a birth date: the age band at event time
    TEXT = "text"  # free text: the rule's indeling, else OVERIG


@dataclass(frozen=True)
class Dimension:
    """One dimension of a compiled rule for one signal type: where its value is, its categories."""

    name: Dimensie
    path: str
    kind: Soort
    categories: tuple[str, ...]

    def value(self, datum: Mapping[str, Any]) -> str:
        """The category of a (validated) signal; always one of ``categories``."""
        raw = _at(datum, self.path)
        if raw is None:
            return ONBEKEND
        if self.kind is Soort.BOOLEAN:
            return JA if raw else NEE
        if self.kind is Soort.AGE:
            occurred: dt.datetime = datum["envelope"]["occurred_at"]
            # the day the router judges minderjarig on (signals.validation): so the two agree
            return age_band(raw, legal_day(occurred))
        text = str(raw)
        if self.kind is Soort.TEXT:
            text = text.strip().upper()
        return text if text in self.categories else OVERIG


def categories_for(kind: Soort, symbols: Sequence[str], indeling: Sequence[str]) -> tuple[str, ...]:
    """A dimension's fixed categories: every value it can take, ONBEKEND and OVERIG included."""
    if kind is Soort.BOOLEAN:
        return (JA, NEE)
    if kind is Soort.AGE:
        return (*AGE_LABELS, ONBEKEND)
    if kind is Soort.ENUM:
        return (*symbols, *(() if ONBEKEND in symbols else (ONBEKEND,)))
    chosen = tuple(dict.fromkeys(v.strip().upper() for v in indeling))
    return (*chosen, OVERIG, ONBEKEND)


def structurally_zero(values: Mapping[Dimensie, str]) -> bool:
    """True for a combination no signal can have: a minor in an adult age band, or an adult in
    a minor's (the router derives ``minderjarig`` from the birth date and refuses a mismatch).
    Everyone who reads the table knows these are empty, so they protect nothing."""
    minor = values.get(Dimensie.MINDERJARIG)
    band = values.get(Dimensie.LEEFTIJDSCATEGORIE)
    if minor is None or band is None or band == ONBEKEND:
        return False
    return (minor == JA) != (band in MINOR_BANDS)


def _at(datum: Mapping[str, Any], path: str) -> Any:
    value: Any = datum
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
