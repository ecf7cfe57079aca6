"""CPU time of processes over the span a contender is timed on (first to last output record).

Every contender's rate is the inputs over the span of its output records' CreateTime (see
throughput.count). Its CPU per signal is the CPU its process(es) used within that same span,
divided by the same inputs: a sampler thread reads each process's user + system time (all its
threads: librdkafka's too) from /proc every few milliseconds, and the CPU at the span's two
ends is interpolated between samples. Start-up, joining the group and idling after the last
output are not counted, as they are not in the rate.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14, 15)


@dataclass
class CpuSampler:
    """Samples the summed CPU time of ``pids`` every ``interval`` seconds, in a thread."""

    pids: Iterable[int]
    interval: float = 0.01
    times: list[float] = field(default_factory=list)  # wall clock, seconds since the epoch
    cpu: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.pids = list(self.pids)

    def __enter__(self) -> CpuSampler:
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._sample()

    def _sample(self) -> None:
        try:
            used = sum(cpu_seconds(pid) for pid in self.pids)
        except (OSError, ValueError):
            return  # a process ended
        self.times.append(time.time())
        self.cpu.append(used)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def at(self, moment: float) -> float:
        """The summed CPU seconds at ``moment`` (wall clock), interpolated."""
        i = bisect.bisect_left(self.times, moment)
        if i <= 0:
            return self.cpu[0]
        if i >= len(self.times):
            return self.cpu[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        c0, c1 = self.cpu[i - 1], self.cpu[i]
        return c0 + (c1 - c0) * (moment - t0) / (t1 - t0) if t1 > t0 else c1

    def between(self, start: float, end: float) -> float:
        """CPU seconds used between two moments (wall clock, seconds since the epoch)."""
        return max(self.at(end) - self.at(start), 0.0)
