"""The CBS municipality list (gemeenten.csv): code, name, safety region and police unit.

Read once from the data file beside this module; pure look-ups after that. The file says where
its facts come from, as of which date, and what it cannot hold (later mergers).
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("gemeenten.csv")
#: Which division of the country the list holds (see the data file for its source).
DIVISION = "de gemeentelijke indeling van het CBS op 1 januari 2023"


@dataclass(frozen=True)
class Municipality:
    """One municipality as the CBS codes and names it."""

    code: str
    name: str
    safety_region: str
    police_unit: str

    @property
    def label(self) -> str:
        """``GM0344 Utrecht``: how a report names it."""
        return f"{self.code} {self.name}"


def _read(path: Path) -> dict[str, Municipality]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = csv.DictReader(lines, delimiter=";")
    return {
        row["code"]: Municipality(row["code"], row["naam"], row["veiligheidsregio"], row["politie_eenheid"])
        for row in rows
    }


@functools.cache
def municipalities() -> Mapping[str, Municipality]:
    """Every municipality of the list, by CBS code (``GM0344``)."""
    return _read(DATA_FILE)


def known(code: str) -> Municipality | None:
    """The municipality with this CBS code, or None when the list has none."""
    return municipalities().get(code)


def label(code: str) -> str:
    """``GM0344 Utrecht``; a code the list does not know stays as it is, marked unknown."""
    found = known(code)
    return found.label if found else f"{code} (onbekende gemeente)"


def labels(codes: Iterable[str]) -> list[str]:
    """Each code with its name, sorted by code."""
    return [label(code) for code in sorted(codes)]


def in_police_units(units: Iterable[str]) -> frozenset[str]:
    """The codes of every municipality in one of these police units."""
    wanted = set(units)
    return frozenset(m.code for m in municipalities().values() if m.police_unit in wanted)


def closest(value: str, nearby: Iterable[str] = ()) -> Municipality | None:
    """The municipality a mistyped code or a name most likely means, or None: ``GM758`` or
    ``758`` -> GM0758, ``Breda`` -> GM0758, a one-digit slip of a code in ``nearby`` (the
    covenant's own area) -> that code, ``Bredaa`` -> Breda. Only ever one the list holds."""
    known_ones = municipalities()
    text = value.strip()
    digits = re.fullmatch(r"(?:GM)?\s*(\d{1,4})", text, flags=re.IGNORECASE)
    if digits:
        found = known_ones.get(f"GM{int(digits.group(1)):04d}")
        if found is not None:
            return found
    by_name = {m.name.casefold(): m for m in known_ones.values()}
    if text.casefold() in by_name:
        return by_name[text.casefold()]
    near = [c for c in nearby if c in known_ones]
    close = difflib.get_close_matches(text.upper(), near, n=1, cutoff=0.6)
    if close:
        return known_ones[close[0]]
    named = difflib.get_close_matches(text.casefold(), list(by_name), n=1, cutoff=0.8)
    return by_name[named[0]] if named else None


_CODE = re.compile(r"\bGM\d{4}\b(?! \()")


def named_in(text: str) -> str:
    """A text with every municipality code the list knows followed by its name, for a reader:
    ``gemeentecode is GM0344`` -> ``gemeentecode is GM0344 (Utrecht)``."""

    def name(match: re.Match[str]) -> str:
        found = known(match.group())
        return f"{match.group()} ({found.name})" if found else match.group()

    return _CODE.sub(name, text)
