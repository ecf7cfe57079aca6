"""The linear structure of a set of linked frequency tables.

All tables of one publication break the same population down by some of the same dimensions.
Their finest common breakdown, over every dimension any table uses, is the set of *microcells*;
every published cell (inner cell or margin, of any table) is the sum of some microcells. Cells
of different tables that sum the same microcells are one cell (a common cell of linked tables:
the grand total, or a margin two tables share), so they are always published or suppressed
together. Combinations that cannot occur (structural zeros) are no microcell at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

TOTAL = "totaal"

#: A cell's address in one table: one category (or TOTAL) per dimension of the table.
Address = tuple[str, ...]
#: A cell's identity across tables: the (dimension, category) pairs it fixes, in space order.
CellKey = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Cell:
    """One distinct published cell: what it fixes, and the microcells it sums."""

    key: CellKey
    members: NDArray[np.intp]


@dataclass(frozen=True)
class CellSpace:
    """Microcells, the distinct cells of all tables, and where each table's cells are."""

    dimensions: tuple[str, ...]
    categories: Mapping[str, tuple[str, ...]]
    tables: tuple[tuple[str, ...], ...]
    microcells: tuple[tuple[str, ...], ...]
    cells: tuple[Cell, ...]
    #: Per table: (address, index into ``cells``) for every cell that can hold anyone.
    layout: tuple[tuple[tuple[Address, int], ...], ...]
    _index: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def size(self) -> int:
        """Number of microcells."""
        return len(self.microcells)

    def microcell(self, values: Sequence[str]) -> int | None:
        """The index of the microcell with these categories (in ``dimensions`` order), or None
        for a structural zero or an unknown category."""
        return self._index.get(tuple(values))

    def counts(self, tallies: Mapping[tuple[str, ...], int]) -> NDArray[np.int64]:
        """Microcell counts from {categories: count}; a combination outside the space is an
        error (the caller counted something no table can hold)."""
        out = np.zeros(self.size, dtype=np.int64)
        for values, count in tallies.items():
            index = self.microcell(values)
            if index is None:
                raise ValueError(f"combination {values} is not a cell of this publication")
            out[index] += count
        return out


def microcell_count(categories: Mapping[str, Sequence[str]], dimensions: Sequence[str]) -> int:
    """How many microcells ``dimensions`` make (before structural zeros are taken out)."""
    return int(np.prod([len(categories[d]) for d in dimensions], dtype=np.int64))


def build_space(
    tables: Sequence[Sequence[str]],
    categories: Mapping[str, Sequence[str]],
    structural_zero: Callable[[Mapping[str, str]], bool] = lambda _: False,
) -> CellSpace:
    """The cell space of linked ``tables`` (each a tuple of dimension names) over ``categories``."""
    dimensions = tuple(dict.fromkeys(d for table in tables for d in table))
    cats = {d: tuple(categories[d]) for d in dimensions}
    micro = tuple(
        combo
        for combo in itertools.product(*(cats[d] for d in dimensions))
        if not structural_zero(dict(zip(dimensions, combo, strict=True)))
    )
    codes = np.array(
        [[cats[d].index(v) for d, v in zip(dimensions, combo, strict=True)] for combo in micro],
        dtype=np.intp,
    ).reshape(len(micro), len(dimensions))
    cells: list[Cell] = []
    by_key: dict[CellKey, int] = {}
    layout: list[tuple[tuple[Address, int], ...]] = []
    for table in tables:
        placed: list[tuple[Address, int]] = []
        for address in itertools.product(*((*cats[d], TOTAL) for d in table)):
            fixed = {d: v for d, v in zip(table, address, strict=True) if v != TOTAL}
            key: CellKey = tuple((d, fixed[d]) for d in dimensions if d in fixed)
            index = by_key.get(key)
            if index is None:
                mask = np.ones(len(micro), dtype=bool)
                for d, v in fixed.items():
                    mask &= codes[:, dimensions.index(d)] == cats[d].index(v)
                members = np.flatnonzero(mask)
                if members.size == 0:
                    continue  # only structural zeros: no one can be in it, it is not shown
                index = by_key[key] = len(cells)
                cells.append(Cell(key, members))
            placed.append((tuple(address), index))
        layout.append(tuple(placed))
    return CellSpace(
        dimensions=dimensions,
        categories=cats,
        tables=tuple(tuple(t) for t in tables),
        microcells=micro,
        cells=tuple(cells),
        layout=tuple(layout),
        _index={combo: i for i, combo in enumerate(micro)},
    )


def cell_values(space: CellSpace, counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Every distinct cell's count."""
    return np.array([int(counts[c.members].sum()) for c in space.cells], dtype=np.int64)
