"""Disclosure-control settings (kept apart from the solver, so the covenant model can use them
without loading it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The lowest threshold any publication uses; a covenant may only raise it.
MINIMUM_THRESHOLD = 10


class Nullen(StrEnum):
    """What happens to cells with count 0."""

    ONDERDRUKKEN = "onderdrukken"  # sensitive like other small cells (sdcTable's protectZeros)
    TONEN = "tonen"  # shown as 0, as tau-argus does by default


@dataclass(frozen=True)
class Control:
    """Disclosure-control settings of one publication."""

    threshold: int = MINIMUM_THRESHOLD
    #: Narrowest feasible range a sensitive quantity may keep.
    protection: int = MINIMUM_THRESHOLD
    zeros: Nullen = Nullen.ONDERDRUKKEN
    rounding: int | None = None

    def sensitive(self, value: int) -> bool:
        """True for a cell count that must not be published."""
        return value < self.threshold and (value > 0 or self.zeros is Nullen.ONDERDRUKKEN)
