"""Whether a worker is live (restart it if not) and ready (it routes), for /health probes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Health:
    """Set by the worker as it starts and routes; read by the health endpoint.

    Ready: the event ids routed so far are loaded and the router consumes. Live: no batch has
    been under way longer than ``stuck_after`` seconds (a hung delivery; a restart routes the
    batch again, nothing committed is lost).
    """

    stuck_after: float
    ready: bool = False
    _batch_since: float | None = field(default=None, repr=False)

    def batch_started(self, now: float | None = None) -> None:
        self._batch_since = time.monotonic() if now is None else now

    def batch_done(self) -> None:
        self._batch_since = None

    def live(self, now: float | None = None) -> bool:
        if self._batch_since is None:
            return True
        return (time.monotonic() if now is None else now) - self._batch_since <= self.stuck_after

    def report(self, now: float | None = None) -> dict[str, Any]:
        return {"live": self.live(now), "ready": self.ready}
