"""Consumer lag, evaluated the way Burrow does: over a sliding window of samples, not one reading.

A single lag number says little: 5,000 records behind is fine if the group is catching up and
alarming if it has not moved for a minute. Burrow's rules (github.com/linkedin/Burrow, evaluator)
judge each partition over the window:

1. Lag zero now, or anywhere in the window: OK.
2. Nobody is consuming (no member in the group) while lag remains: STOP.
3. The committed offset went backwards: REWIND.
4. The committed offset never moved over the window: STALL (members are there but stuck).
5. The offset moves but the lag never shrinks: WARN (falling behind).
6. Otherwise: OK.

Burrow tells STOP from STALL by the timestamps of commits in ``__consumer_offsets``; over the
plain Kafka protocol those are not visible, so STOP is read from the group's membership
(DescribeGroups) instead: the consumer has gone, not merely stuck. A group is ERR when any
partition is STOP, STALL or REWIND, WARN when any is WARN, else OK. Pure: no I/O here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any

#: Samples per partition a window holds (Burrow's default ``intervals``).
DEFAULT_WINDOW = 10
#: Shortest window (seconds) over which a trend (STALL, WARN, REWIND) is judged: a few of the
#: router's commit intervals, so a consumer between two commits is not called stalled.
DEFAULT_MIN_SPAN = 10.0


class PartitionStatus(StrEnum):
    OK = "OK"
    WARN = "WARN"
    STOP = "STOP"
    STALL = "STALL"
    REWIND = "REWIND"


class GroupStatus(StrEnum):
    OK = "OK"
    WARN = "WARN"
    ERR = "ERR"


_GROUP_OF = {
    PartitionStatus.OK: GroupStatus.OK,
    PartitionStatus.WARN: GroupStatus.WARN,
    PartitionStatus.STOP: GroupStatus.ERR,
    PartitionStatus.STALL: GroupStatus.ERR,
    PartitionStatus.REWIND: GroupStatus.ERR,
}
_SEVERITY = {GroupStatus.OK: 0, GroupStatus.WARN: 1, GroupStatus.ERR: 2}


@dataclass(frozen=True)
class Offsets:
    """One partition at one moment: the group's committed offset and the log's bounds."""

    committed: int | None  # None: the group never committed here
    end: int
    start: int = 0

    def __post_init__(self) -> None:
        # A committed offset proves the log reaches at least that far (some brokers report
        # a stale end offset while producers batch).
        if self.committed is not None and self.committed > self.end:
            object.__setattr__(self, "end", self.committed)

    @property
    def lag(self) -> int:
        """Records not yet consumed (from the log start when nothing was committed)."""
        return max(self.end - (self.start if self.committed is None else self.committed), 0)


@dataclass(frozen=True)
class GroupSample:
    """One reading of a consumer group: when, how many members, and every partition's offsets."""

    at: float
    group: str
    members: int
    partitions: dict[tuple[str, int], Offsets]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "group": self.group,
            "members": self.members,
            "partitions": [
                {
                    "topic": t,
                    "partition": p,
                    "committed": o.committed,
                    "end": o.end,
                    "start": o.start,
                }
                for (t, p), o in sorted(self.partitions.items())
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupSample:
        return cls(
            at=float(data["at"]),
            group=str(data["group"]),
            members=int(data["members"]),
            partitions={
                (str(p["topic"]), int(p["partition"])): Offsets(
                    p["committed"], int(p["end"]), int(p.get("start", 0))
                )
                for p in data["partitions"]
            },
        )


def evaluate_partition(
    window: Sequence[Offsets], consuming: bool, long_enough: bool = True
) -> PartitionStatus:
    """Burrow's rules over one partition's window (oldest first). ``consuming``: the group has
    members now; ``long_enough``: the window spans enough time to judge a trend."""
    if not window or any(o.lag == 0 for o in window):
        return PartitionStatus.OK
    if not consuming:
        return PartitionStatus.STOP
    if len(window) < 2 or not long_enough:
        return PartitionStatus.OK  # no trend yet
    committed = [o.committed if o.committed is not None else -1 for o in window]
    if any(b < a for a, b in pairwise(committed)):
        return PartitionStatus.REWIND
    if len(set(committed)) == 1:
        return PartitionStatus.STALL
    lags = [o.lag for o in window]
    if all(b >= a for a, b in pairwise(lags)):
        return PartitionStatus.WARN
    return PartitionStatus.OK


@dataclass(frozen=True)
class PartitionReport:
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int
    status: PartitionStatus


@dataclass(frozen=True)
class GroupReport:
    group: str
    status: GroupStatus
    members: int
    total_lag: int
    complete: float  # how full the window is, 0..1 (Burrow's "complete")
    partitions: tuple[PartitionReport, ...]

    @property
    def failing(self) -> bool:
        return self.status is GroupStatus.ERR

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "status": self.status.value,
            "members": self.members,
            "total_lag": self.total_lag,
            "complete": round(self.complete, 2),
            "partitions": [
                {
                    "topic": p.topic,
                    "partition": p.partition,
                    "committed": p.committed,
                    "end": p.end,
                    "lag": p.lag,
                    "status": p.status.value,
                }
                for p in self.partitions
            ],
        }


def evaluate_group(
    samples: Sequence[GroupSample], size: int = DEFAULT_WINDOW, min_span: float = DEFAULT_MIN_SPAN
) -> GroupReport:
    """The group's status over its last ``size`` samples (oldest first); the partitions of the
    latest sample count. Trends are judged once the window spans ``min_span`` seconds."""
    if not samples:
        raise ValueError("a group needs at least one sample")
    latest = samples[-1]
    window = samples[-size:]
    long_enough = latest.at - window[0].at >= min_span
    reports = []
    for key in sorted(latest.partitions):
        history = [s.partitions[key] for s in window if key in s.partitions]
        now = latest.partitions[key]
        status = evaluate_partition(history, latest.members > 0, long_enough)
        reports.append(PartitionReport(key[0], key[1], now.committed, now.end, now.lag, status))
    worst = max(
        (_GROUP_OF[r.status] for r in reports), key=_SEVERITY.__getitem__, default=GroupStatus.OK
    )
    return GroupReport(
        group=latest.group,
        status=worst,
        members=latest.members,
        total_lag=sum(r.lag for r in reports),
        complete=min(len(window) / size, 1.0),
        partitions=tuple(reports),
    )


@dataclass
class LagWindows:
    """Sliding windows of samples per group, for repeated readings (``ketenstroom lag --watch``)."""

    size: int = DEFAULT_WINDOW
    min_span: float = DEFAULT_MIN_SPAN
    _samples: dict[str, deque[GroupSample]] = field(default_factory=dict)

    def add(self, samples: Iterable[GroupSample]) -> None:
        for sample in samples:
            self._samples.setdefault(sample.group, deque(maxlen=self.size)).append(sample)

    def reports(self) -> list[GroupReport]:
        return [
            evaluate_group(list(s), self.size, self.min_span)
            for _, s in sorted(self._samples.items())
        ]


def any_failing(reports: Iterable[GroupReport]) -> bool:
    """True when some group is in ERR (a partition in STOP, STALL or REWIND)."""
    return any(r.failing for r in reports)


def alarming(reports: Iterable[GroupReport], deciding: Collection[str]) -> list[GroupReport]:
    """The groups in ERR among those that decide whether there is an alarm (``deciding``).

    Which groups those are is the operator's choice (``ketenstroom lag``: the router's group
    and every group asked for by name). Others are reported, never an alarm: a partner reads
    its inbox when it likes, so its group is idle (no member, STOP) whenever views arrived
    since its last read; an idle group without lag is OK by Burrow's first rule anyway."""
    return [r for r in reports if r.failing and r.group in deciding]
