"""Whether a worker has started, is live (restart it if not) and ready (it routes), for probes.

Pure state: the worker's parts report what they see, the HTTP endpoints read it. Nothing here
knows which Kafka client consumes; whatever consumes reports its partitions and batches.

- started: ready once since the process began (a Kubernetes startupProbe);
- live: the batch loop is not hung: no batch under way longer than ``stuck_after`` seconds and
  the event loop ticked within that time (a restart routes the batch again, nothing committed
  is lost);
- ready: live, the event ids routed so far are loaded, at least one partition is assigned, the
  broker answered the latest check, and the worker is not stopping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Health:
    """Set by the worker as it starts, routes and stops; read by the health endpoints."""

    stuck_after: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    event_ids_loaded: bool = False
    partitions: int = 0
    stopping: bool = False
    #: Why the broker did not answer the latest check (None: it answered; "" not asked yet).
    broker_problem: str | None = ""
    _started: bool = field(default=False, repr=False)
    _batch_since: float | None = field(default=None, repr=False)
    _ticked: float | None = field(default=None, repr=False)

    def batch_started(self) -> None:
        """A batch is under way from now."""
        self._batch_since = self.clock()

    def batch_done(self) -> None:
        """The batch under way was delivered (or dead-lettered)."""
        self._batch_since = None

    def tick(self, partitions: int) -> None:
        """The event loop is running, and this many partitions are assigned now."""
        self._ticked = self.clock()
        self.partitions = partitions

    def broker_answered(self) -> None:
        """The broker answered a check just now."""
        self.broker_problem = None

    def broker_failed(self, why: str) -> None:
        """The broker did not answer a check (``why``: what the client said)."""
        self.broker_problem = why or "no answer"

    def live(self) -> bool:
        """False when a batch or the event loop has been stuck longer than ``stuck_after``."""
        now = self.clock()
        batch_hung = self._batch_since is not None and now - self._batch_since > self.stuck_after
        loop_hung = self._ticked is not None and now - self._ticked > self.stuck_after
        return not (batch_hung or loop_hung)

    @property
    def ready(self) -> bool:
        """True while the worker routes: see the module's description."""
        ready = (
            self.live()
            and self.event_ids_loaded
            and self.partitions > 0
            and self.broker_problem is None
            and not self.stopping
        )
        if ready:
            self._started = True
        return ready

    @property
    def started(self) -> bool:
        """True once the worker has been ready (it stays true while the process runs)."""
        return self.ready or self._started

    def report(self) -> dict[str, Any]:
        """What the endpoints answer: each verdict and what it was judged on."""
        ready = self.ready
        return {
            "live": self.live(),
            "ready": ready,
            "started": self.started,
            "event_ids_loaded": self.event_ids_loaded,
            "partitions": self.partitions,
            "broker": "ok"
            if self.broker_problem is None
            else self.broker_problem or "not asked yet",
            "stopping": self.stopping,
        }
