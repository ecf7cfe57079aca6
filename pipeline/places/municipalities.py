"""The CBS municipality list (gemeenten.csv): code, name, safety region and police unit.

Read once from the data file beside this module; pure look-ups after that. The file says where
its facts come from, as of which date, and what it cannot hold (later mergers).
"""

from __future__ import annotations

import csv
import functools
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
