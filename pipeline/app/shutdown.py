"""A bounded stop: after SIGTERM a worker has ``KETENSTROOM_SHUTDOWN_TIMEOUT_S`` to finish the
batch under way, commit and leave its group; then it exits without committing anything more.

Offsets are committed only for batches whose every output Kafka acknowledged, so exiting at
any moment loses nothing: what was not committed is routed again on restart, with the same
output keys and event ids. With the broker gone, Faust's and the clients' own stop steps each
wait for their request timeout (92 s in all, measured); the orchestrator would kill the worker
at the end of its grace period anyway, without a word. This says why, and exits first.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import NoReturn

#: Exit status when a batch could not be finished, or the stop not completed in time (EX_SOFTWARE):
#: start the worker again; nothing unacknowledged was committed (pipeline/cli/exit_codes.py).
EXIT_WITHOUT_COMMIT = 70

log = logging.getLogger("ketenstroom.worker")


class ShutdownDeadline:
    """Armed once at the first SIGTERM/SIGINT; when it expires, the process exits (status 70)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """Start counting (again: no effect)."""
        if self._timer is None:
            self._timer = threading.Timer(self.seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        log.critical(
            "not stopped within %.0f s of the signal to stop (KETENSTROOM_SHUTDOWN_TIMEOUT_S; "
            "is the broker reachable?): exiting; nothing unacknowledged was committed, and what "
            "was not committed is routed again when a worker starts",
            self.seconds,
        )
        logging.shutdown()
        os._exit(EXIT_WITHOUT_COMMIT)


def exit_without_commit(why: str) -> NoReturn:
    """A batch cannot be finished: exit at once, so that nothing more is committed; the batch
    is routed again on restart (same output keys and event ids)."""
    log.critical("%s; exiting without commit", why, exc_info=True)
    logging.shutdown()
    os._exit(EXIT_WITHOUT_COMMIT)
