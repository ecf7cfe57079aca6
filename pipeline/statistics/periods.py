"""Calendar periods of a statistics rule (month, quarter, year), by event time in Dutch time.

Periods are calendar periods, not fixed lengths: a month has 28 to 31 days, so a period is part
of a count's key (``2026-11``, ``2026-K4``, ``2026``) rather than a fixed-size time window.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from pipeline.privacy.generalise import LEGAL_TZ


class Periodesoort(StrEnum):
    """How long one published period is."""

    MAAND = "maand"
    KWARTAAL = "kwartaal"
    JAAR = "jaar"


_LABEL = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[KQ](?P<quarter>[1-4])))?$")


@dataclass(frozen=True, order=True)
class Period:
    """One calendar period: its kind, year, and month (1-12) or quarter (1-4) if any."""

    year: int
    kind: Periodesoort
    number: int = 0  # month or quarter; 0 for a year

    @property
    def label(self) -> str:
        """``2026-11`` (maand), ``2026-K4`` (kwartaal) or ``2026`` (jaar)."""
        if self.kind is Periodesoort.MAAND:
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind is Periodesoort.KWARTAAL:
            return f"{self.year:04d}-K{self.number}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        if self.kind is Periodesoort.MAAND:
            return self.number
        if self.kind is Periodesoort.KWARTAAL:
            return 3 * self.number - 2
        return 1

    @property
    def start(self) -> dt.datetime:
        """The first moment of the period (00:00 Dutch time)."""
        return dt.datetime(self.year, self.first_month, 1, tzinfo=LEGAL_TZ)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        months = {Periodesoort.MAAND: 1, Periodesoort.KWARTAAL: 3, Periodesoort.JAAR: 12}
        index = self.year * 12 + self.first_month - 1 + months[self.kind]
        return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=LEGAL_TZ)

    def __str__(self) -> str:
        return self.label


def period_of(moment: dt.datetime, kind: Periodesoort) -> Period:
    """The period of ``kind`` that holds ``moment`` (an aware datetime), in Dutch time."""
    local = moment.astimezone(LEGAL_TZ)
    if kind is Periodesoort.MAAND:
        return Period(local.year, kind, local.month)
    if kind is Periodesoort.KWARTAAL:
        return Period(local.year, kind, (local.month - 1) // 3 + 1)
    return Period(local.year, kind)


def parse_period(label: str) -> Period:
    """``2026-11``, ``2026-K4`` (also ``2026-Q4``) or ``2026``; ValueError otherwise."""
    match = _LABEL.match(label.strip().upper())
    if match is None:
        raise ValueError(
            f"period {label!r} is not a month (2026-11), quarter (2026-K4) or year (2026)"
        )
    year = int(match["year"])
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"period {label!r}: month must be 01 to 12")
        return Period(year, Periodesoort.MAAND, month)
    if match["quarter"] is not None:
        return Period(year, Periodesoort.KWARTAAL, int(match["quarter"]))
    return Period(year, Periodesoort.JAAR)


def is_closed(period: Period, watermark: dt.datetime | None, grace: dt.timedelta) -> bool:
    """True once the event-time watermark has passed the period's end by the grace period."""
    return watermark is not None and watermark >= period.end + grace
