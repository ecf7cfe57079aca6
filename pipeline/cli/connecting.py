"""Reaching the broker from a command: a quick check with a status line, before any client."""

from __future__ import annotations

from pipeline.broker.reachability import require_reachable
from pipeline.cli.output import status
from pipeline.messages import tools as msg
from pipeline.settings import Settings


def reachable(settings: Settings) -> str:
    """The bootstrap servers, once one of them answers within the connect timeout; otherwise a
    BrokerError that names every address tried."""
    bootstrap = settings.require_bootstrap()
    with status(str(msg.connecting(bootstrap))):
        require_reachable(bootstrap, settings.connect_timeout_s)
    return bootstrap
