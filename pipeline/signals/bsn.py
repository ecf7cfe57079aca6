"""The Dutch citizen service number (BSN) and its 11-check."""

from __future__ import annotations

import re

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """True if ``value`` is nine digits that pass the BSN 11-check (elfproef)."""
    if len(value) != 9 or not value.isascii() or not value.isdigit() or value == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, _WEIGHTS, strict=True))
    return total % 11 == 0


_SEPARATORS = re.compile(r"[\s.\-]")


def canonical_bsn(value: str) -> str:
    """A BSN as nine digits: spaces, dots and dashes removed (not checked: see is_valid_bsn)."""
    return _SEPARATORS.sub("", value)
