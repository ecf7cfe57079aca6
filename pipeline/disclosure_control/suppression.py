"""Primary and secondary cell suppression of linked frequency tables, and rounding.

1. Primary: a cell below the threshold is suppressed (a zero too, unless zeros may be shown).
2. Secondary: every *protected quantity* must keep a feasible range (audit.feasible_range) at
   least as wide as the protection level, given everything published: this publication's cells,
   every earlier version of it, and that counts never go down between versions. Protected are
   every suppressed cell of this and earlier versions (a suppressed cell one can compute is
   not suppressed), and the change of a cell between two versions when it is small but not
   zero (a correction must not tell what the late signals were). While a quantity's range is
   too narrow, the published cell whose equation limits it (a non-zero dual) with the smallest
   count is suppressed as well, and the range is computed again. Suppressing only ever widens
   ranges, so a quantity once protected stays protected and one pass over the quantities (to
   which each new suppression is added) suffices. A last pass publishes again every secondary
   suppression the others turned out not to need.
3. Rounding (optional): published counts to a multiple of the base, half up. The audit used the
   exact counts, which the attacker does not even get, so rounding only removes information.

Structural zeros are no cells (tables.build_space): everyone knows them, they protect nothing.
Zero cells that may be shown are published and never chosen to protect another cell, as
tau-argus does by default.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from pipeline.disclosure_control.audit import feasible_range
from pipeline.disclosure_control.control import Control, Nullen
from pipeline.disclosure_control.tables import CellSpace, cell_values


@dataclass(frozen=True)
class Earlier:
    """A version published before: its exact microcell counts, and which cells it showed."""

    counts: NDArray[np.int64]
    published: frozenset[int]


@dataclass(frozen=True)
class Quantity:
    """A sensitive quantity: a cell of a version, or a cell's change between two versions."""

    cell: int
    version: int
    since: int | None = None  # a change since this version; None: the cell itself

    def describe(self) -> str:
        if self.since is None:
            return f"cell {self.cell} of version {self.version}"
        return f"change of cell {self.cell} from version {self.since} to {self.version}"


@dataclass(frozen=True)
class Protected:
    """The outcome for the newest version: which cells are suppressed and what is shown."""

    values: NDArray[np.int64]  # exact count of every cell
    primary: frozenset[int]
    suppressed: frozenset[int]  # primary and secondary
    shown: dict[int, int]  # published cells and their (rounded) counts
    #: Sensitive quantities earlier publications already pin down, which no suppression in
    #: this one can protect (only after a setting was made stricter); empty normally.
    unprotectable: tuple[Quantity, ...] = ()


class _System:
    """The published equations of all versions, over the per-version increments of the
    microcells (the first version's counts, then each version's additions)."""

    def __init__(self, space: CellSpace, versions: Sequence[NDArray[np.int64]]) -> None:
        self.space = space
        self.m = space.size
        self.k = len(versions)
        increments = [versions[0], *(b - a for a, b in itertools.pairwise(versions))]
        # Counts never go down; where they did (a rule's categories changed), the attacker
        # model must still admit the truth.
        self.lower = np.minimum(np.concatenate(increments).astype(np.float64), 0.0)
        self.values = [cell_values(space, v) for v in versions]
        # One equation per (version, cell), built once: an audit selects the published ones.
        rows, cols = [], []
        for version in range(self.k):
            for cell in range(len(space.cells)):
                columns = self._columns(cell, version)
                rows.append(np.full(columns.size, version * len(space.cells) + cell))
                cols.append(columns)
        self._equations = csr_matrix(
            (np.ones(sum(c.size for c in cols)), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.k * len(space.cells), self.k * self.m),
        )

    def _columns(self, cell: int, version: int, since: int | None = None) -> NDArray[np.intp]:
        members = self.space.cells[cell].members
        first = 0 if since is None else since + 1
        return np.concatenate(
            [layer * self.m + members for layer in range(first, version + 1)]
        ).astype(np.intp)

    def expression(self, q: Quantity) -> NDArray[np.float64]:
        """The vector of a quantity over the increments."""
        row = np.zeros(self.k * self.m)
        row[self._columns(q.cell, q.version, q.since)] = 1.0
        return row

    def value(self, q: Quantity) -> int:
        now = int(self.values[q.version][q.cell])
        return now if q.since is None else now - int(self.values[q.since][q.cell])

    def rows(self, shown: Sequence[tuple[int, int]]) -> tuple[csr_matrix, NDArray[np.float64]]:
        """The equations of the published (version, cell) pairs, and their values."""
        index = [v * len(self.space.cells) + c for v, c in shown]
        values = np.array([float(self.values[v][c]) for v, c in shown])
        return self._equations[index], values

    def support(self, q: Quantity) -> NDArray[np.bool_]:
        """Which microcells a quantity sums (in any version)."""
        used = np.zeros(self.m, dtype=bool)
        used[self._columns(q.cell, q.version, q.since) % self.m] = True
        return used

    def lower_bounds(self) -> NDArray[np.float64] | None:
        return self.lower if (self.lower < 0).any() else None


def protect(
    space: CellSpace,
    counts: NDArray[np.int64],
    control: Control,
    earlier: Sequence[Earlier] = (),
) -> Protected:
    """Decide which cells of a new version (exact microcell ``counts``) are published, given the
    versions published before it (oldest first)."""
    system = _System(space, [*(e.counts for e in earlier), counts])
    new = system.k - 1
    values = system.values[new]
    cells = range(len(space.cells))
    primary = frozenset(c for c in cells if control.sensitive(int(values[c])))
    suppressed = set(primary)
    fixed = [(v, c) for v, e in enumerate(earlier) for c in sorted(e.published)]
    quantities = _sensitive(system, earlier, control)
    lower = system.lower_bounds()
    unprotectable: list[Quantity] = []
    position = 0
    while position < len(quantities):  # grows: every cell suppressed becomes a quantity too
        quantity = quantities[position]
        position += 1
        objective = system.expression(quantity)
        while True:
            shown = [c for c in cells if c not in suppressed]
            matrix, rhs = system.rows([*fixed, *((new, c) for c in shown)])
            bounds = feasible_range(objective, matrix, rhs, lower)
            if bounds.interval.width >= control.protection:
                break
            # rows after the fixed ones are this version's published cells
            limiting = [shown[r - len(fixed)] for r in bounds.binding if r >= len(fixed)]
            choice = _cheapest(limiting, values, control)
            if choice is None:
                used = system.support(quantity)
                overlapping = [c for c in shown if used[space.cells[c].members].any()]
                choice = _cheapest(overlapping, values, control)
            if choice is None:
                unprotectable.append(quantity)
                break
            suppressed.add(choice)
            # a suppressed cell must not be computable either, or suppressing it means nothing
            quantities.append(Quantity(choice, new))
    own = [q for q in quantities if q.version != new or q.since is not None or q.cell in primary]
    suppressed = _release_redundant(system, fixed, own, suppressed, primary, control)
    shown_values = {
        c: _rounded(int(values[c]), control.rounding) for c in cells if c not in suppressed
    }
    return Protected(
        values=values,
        primary=primary,
        suppressed=frozenset(suppressed),
        shown=shown_values,
        unprotectable=tuple(unprotectable),
    )


def _first_unprotected(
    system: _System,
    fixed: Sequence[tuple[int, int]],
    quantities: Sequence[Quantity],
    suppressed: set[int],
    control: Control,
    released: int,
) -> Quantity | None:
    """The first quantity (or suppressed cell) whose range is too narrow with ``suppressed``
    hidden; None when all are protected. Those sharing microcells with the ``released`` cell
    are audited first: they are the likely ones to fail."""
    new = system.k - 1
    shown = [(new, c) for c in range(len(system.space.cells)) if c not in suppressed]
    matrix, rhs = system.rows([*fixed, *shown])
    lower = system.lower_bounds()
    members = system.space.cells[released].members
    every = [*quantities, *(Quantity(c, new) for c in sorted(suppressed))]
    every.sort(key=lambda q: not system.support(q)[members].any())
    for q in every:
        width = feasible_range(system.expression(q), matrix, rhs, lower).interval.width
        if width < control.protection:
            return q
    return None


#: Most audits the clean-up pass may run (each solves two linear programs per quantity).
CLEANUP_BUDGET = 40
#: Most further secondary suppressions released together with one (a pair along a line).
CLEANUP_DEPTH = 3


def _release_redundant(
    system: _System,
    fixed: Sequence[tuple[int, int]],
    quantities: Sequence[Quantity],
    suppressed: set[int],
    primary: frozenset[int],
    control: Control,
) -> set[int]:
    """Publish again every secondary suppression that the protection does not need: the greedy
    choice above can suppress cells that later choices made unnecessary. Largest counts are
    tried first, since they are worth most to the reader. Releasing one cell can leave another
    secondary one computable (two along one line): then both are tried together."""
    new = system.k - 1
    secondary = sorted(suppressed - primary, key=lambda c: (-int(system.values[-1][c]), c))
    kept = set(suppressed)
    audits = 0
    for cell in secondary:
        if cell not in kept:
            continue
        trial = kept - {cell}
        for _ in range(CLEANUP_DEPTH + 1):
            if audits >= CLEANUP_BUDGET:
                return kept
            audits += 1
            failing = _first_unprotected(system, fixed, quantities, trial, control, cell)
            if failing is None:
                kept = trial
                break
            if failing.version != new or failing.since is not None or failing.cell in primary:
                break
            trial = trial - {failing.cell}
    return kept


def _sensitive(system: _System, earlier: Sequence[Earlier], control: Control) -> list[Quantity]:
    """Every quantity that must stay protected, this version's own cells first."""
    new = system.k - 1
    out: list[Quantity] = []
    for version in (new, *range(new)):
        cells = range(len(system.space.cells))
        small = [c for c in cells if control.sensitive(int(system.values[version][c]))]
        out += [
            Quantity(c, version) for c in sorted(small, key=lambda c: system.values[version][c])
        ]
    for version in range(1, new + 1):
        for since in range(version):
            for c in range(len(system.space.cells)):
                change = system.value(Quantity(c, version, since))
                if 0 < change < control.threshold:
                    out.append(Quantity(c, version, since))
    return out


def _cheapest(candidates: Sequence[int], values: NDArray[np.int64], control: Control) -> int | None:
    """The candidate whose suppression loses least: the smallest count; never a shown zero."""
    usable = [c for c in candidates if values[c] > 0 or control.zeros is Nullen.ONDERDRUKKEN]
    return min(usable, key=lambda c: (int(values[c]), c), default=None)


def _rounded(value: int, base: int | None) -> int:
    """Half up to a multiple of ``base``; a base that divides the threshold keeps every
    published count at or above it."""
    if not base or base == 1:
        return value
    return (value + base // 2) // base * base
