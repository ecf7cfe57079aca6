"""Generalisations: birth date to year or age band (at event time), postcode to PC4."""

from __future__ import annotations

import datetime as dt
import re

from pipeline.legal_time import LEGAL_TZ

__all__ = ["LEGAL_TZ"]  # Dutch legal dates (pipeline.legal_time): validity, `datum`, age

#: Age bands; minors are split finely because they change what may be shared.
AGE_BANDS = (
    (0, 11, "0-11"),
    (12, 15, "12-15"),
    (16, 17, "16-17"),
    (18, 22, "18-22"),
    (23, 29, "23-29"),
    (30, 39, "30-39"),
    (40, 49, "40-49"),
    (50, 64, "50-64"),
    (65, 200, "65+"),
)
_POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*[A-Za-z]{2}\s*$")


def birth_year(born: dt.date) -> int:
    """The year of birth only."""
    return born.year


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: dt.date, on: dt.date) -> str:
    """The age band at event time, e.g. '16-17'."""
    age = age_on(born, on)
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "onbekend"  # born after the event: refused by validation before it gets here


def pc4(postcode: str) -> str | None:
    """The four digits of a Dutch postcode; None if it is not a valid one (nothing leaks)."""
    match = _POSTCODE.match(postcode)
    return match.group(1) if match else None
