"""What an attacker can compute about one quantity from published cells: its feasible range.

The attacker knows every published cell value (a linear equation in the unknown microcell
counts) and that counts are not negative. The lowest and highest value a suppressed cell (or
any other sum of microcells) can then take are two linear programs, solved by HiGHS through
scipy (never by our own solver). The LP relaxation is what tau-argus audits with; its bounds are
rounded inwards to whole numbers, since counts are whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

#: Duals smaller than this are zero (the constraint does not bind).
_DUAL_ZERO = 1e-9
#: Bounds are rounded inwards to whole counts, allowing for the solver's tolerance.
_SLACK = 1e-6


@dataclass(frozen=True)
class Interval:
    """The range an attacker can narrow a quantity down to; ``high`` may be infinite."""

    low: float
    high: float

    @property
    def width(self) -> float:
        """high - low (infinite if the quantity is unbounded above)."""
        return self.high - self.low


@dataclass(frozen=True)
class Bounds:
    """The feasible range of a quantity, and the published equations that limit it."""

    interval: Interval
    #: Rows of the equation system with a non-zero dual in the lowest or highest solution.
    binding: frozenset[int]


class AuditError(RuntimeError):
    """The published equations have no solution: a bug in what was built, never data."""


def feasible_range(
    objective: NDArray[np.float64],
    equations: csr_matrix,
    values: NDArray[np.float64],
    lower: NDArray[np.float64] | None = None,
) -> Bounds:
    """min and max of ``objective @ x`` over ``x >= lower`` (default 0) with
    ``equations @ x == values``."""
    if equations.shape[0] == 0 and lower is None:
        low, low_binding = 0.0, frozenset[int]()
        high = math.inf if objective.any() else 0.0
        return Bounds(Interval(low, high), low_binding)
    bounds = (0, None) if lower is None else [(lo, None) for lo in lower]
    low, low_binding = _solve(objective, equations, values, bounds)
    high, high_binding = _solve(-objective, equations, values, bounds)
    high = -high
    return Bounds(
        Interval(math.ceil(low - _SLACK), math.floor(high + _SLACK) if high < math.inf else high),
        low_binding | high_binding,
    )


def _solve(
    objective: NDArray[np.float64],
    equations: csr_matrix,
    values: NDArray[np.float64],
    bounds: Any,
) -> tuple[float, frozenset[int]]:
    rows = equations.shape[0] > 0
    result = linprog(
        objective,
        A_eq=equations if rows else None,
        b_eq=values if rows else None,
        bounds=bounds,
        method="highs",
    )
    if result.status == 3:  # unbounded: this direction is open (only maximising can be)
        return -math.inf, frozenset()
    if result.status != 0:
        raise AuditError(f"linear program not solved: {result.message}")
    if not rows:
        return float(result.fun), frozenset()
    duals = np.asarray(result.eqlin.marginals)
    return float(result.fun), frozenset(int(i) for i in np.flatnonzero(np.abs(duals) > _DUAL_ZERO))
