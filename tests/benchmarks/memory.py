"""(f) A worker's memory while it routes: resident set size sampled from /proc, and its peak."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process in bytes, from /proc/PID/status (Linux)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values


def rss(pid: int) -> tuple[int, int]:
    """A process's resident set size now and its peak so far, in bytes."""
    status = _status(pid)
    return status["VmRSS"], status["VmHWM"]


@dataclass
class MemorySampler:
    """Samples a process's RSS every ``interval`` seconds in a thread, until stopped."""

    pid: int
    interval: float = 0.25
    samples: list[tuple[float, int]] = field(default_factory=list)
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            try:
                status = _status(self.pid)
            except (OSError, ValueError):
                return  # the process ended
            self.samples.append((time.monotonic() - started, status["VmRSS"]))
            self.peak = max(self.peak, status["VmHWM"])
            self._stop.wait(self.interval)

    def growth_per_signal(self, signals: int) -> float:
        """Bytes of RSS gained per routed signal between the first and the last quarter of the run."""
        if len(self.samples) < 8 or signals <= 0:
            return 0.0
        quarter = len(self.samples) // 4
        early = sorted(r for _, r in self.samples[:quarter])[quarter // 2]
        late = sorted(r for _, r in self.samples[-quarter:])[quarter // 2]
        # the middle half of the run routed about half the signals
        return (late - early) / (signals * 0.75)
