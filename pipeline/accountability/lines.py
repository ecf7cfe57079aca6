"""What every accountability report shares: the period asked for, and which log lines are the
same line again (the log is written at least once, so a redelivered batch repeats lines)."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from pipeline.privacy.generalise import LEGAL_TZ

#: How many recent line keys per partition are remembered to drop a repeated line: a router
#: repeats a batch it did not commit, right after the original, on the same partition (the
#: log is keyed by event id), a few thousand lines at most. Bounded, so a log of any length is
#: read in bounded memory (about 130 bytes a key: under 3 MB a partition).
RECENT_LINES = 20_000


@dataclass(frozen=True)
class Period:
    """From ``van`` (inclusive) until ``tot`` (exclusive), days in Dutch time; either open."""

    van: dt.date | None = None
    tot: dt.date | None = None

    def contains(self, moment: dt.datetime) -> bool:
        """True when ``moment`` falls in the period."""
        day = moment.astimezone(LEGAL_TZ).date()
        return (self.van is None or day >= self.van) and (self.tot is None or day < self.tot)

    def bounds(self) -> dict[str, str | None]:
        """The period as a report's JSON holds it: ISO days, null where open."""
        return {
            "van": self.van.isoformat() if self.van else None,
            "tot": self.tot.isoformat() if self.tot else None,
        }


def line_key(record: dict[str, Any]) -> tuple[str, str, str]:
    """What identifies one log line: the same event, span and outcome is the same line."""
    return (str(record["event_id"]), str(record["span_id"]), str(record["outcome"]))


class RecentLines:
    """Remembers the last ``size`` line keys of each partition: True for a line seen there."""

    def __init__(self, size: int = RECENT_LINES) -> None:
        self.size = size
        self._seen: dict[int, OrderedDict[int, None]] = {}

    def repeated(self, partition: int, record: dict[str, Any]) -> bool:
        """True when this line was seen among the partition's recent lines (then skip it)."""
        seen = self._seen.setdefault(partition, OrderedDict())
        # a 64-bit hash, not the strings: a collision within one window is a 1 in 10^10 chance
        key = hash(line_key(record))
        if key in seen:
            seen.move_to_end(key)
            return True
        seen[key] = None
        if len(seen) > self.size:
            seen.popitem(last=False)
        return False
