"""An area as a reader wants it named: each municipality by CBS code and name, each police
unit by its plain name and the word a covenant file uses for it."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.places.municipalities import labels
from pipeline.places.police_units import unit_label


def place_labels(municipalities: Iterable[str], police_units: Iterable[str]) -> list[str]:
    """``GM0344 Utrecht``, ..., then ``politie-eenheid Midden-Nederland (MIDDEN_NEDERLAND)``."""
    return [*labels(municipalities), *(unit_label(u) for u in sorted(police_units))]
