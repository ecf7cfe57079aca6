"""The router's Faust worker: no terminal spinner, logging left as ketenstroom set it up, the
probes told when it stops, a bounded stop, and one line when it stopped."""

from __future__ import annotations

import logging
import time
from typing import Any

from faust.worker import Worker

from pipeline.app.shutdown import ShutdownDeadline
from pipeline.ops.health import Health

log = logging.getLogger("ketenstroom.worker")


class RouterWorker(Worker):
    """Faust's worker, for a headless router.

    To spin on every log message, Faust's worker sets the root logger to DEBUG whenever the
    log level is WARNING or above: every debug call in aiokafka and Faust then builds a log
    record (aiokafka's per message, with its value), which cost ~6% of the worker's time in
    ``make bench``. A router runs headless: no spinner, and logging as ``ops.logs`` set it up
    (mode's own set-up would replace it with coloured text and redirect stdout).
    """

    def __init__(
        self,
        *args: Any,
        health: Health | None = None,
        deadline: ShutdownDeadline | None = None,
        began: float | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("override_logging", False)
        super().__init__(*args, **kwargs)
        self.spinner = None
        self._health = health
        self._deadline = deadline
        self._began = time.monotonic() if began is None else began
        self._signalled: float | None = None

    def _stop_requested(self, name: str) -> None:
        if self._signalled is None:
            self._signalled = time.monotonic()
            log.debug("%s: stopping", name)
        if self._health is not None:
            self._health.stopping = True  # not ready from now on
        if self._deadline is not None:
            self._deadline.arm()

    def _on_sigterm(self) -> None:
        self._stop_requested("SIGTERM")
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._stop_requested("SIGINT")
        super()._on_sigint()

    def stop_and_shutdown(self) -> None:
        """Faust's stop (commit, leave the group, close the clients), then one line."""
        try:
            super().stop_and_shutdown()
        finally:
            took = (
                ""
                if self._signalled is None
                else f" {time.monotonic() - self._signalled:.1f} s after the signal,"
            )
            log.info(
                "router worker stopped:%s after running %.0f s",
                took,
                time.monotonic() - self._began,
            )
