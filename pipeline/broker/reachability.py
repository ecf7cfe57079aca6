"""Can any bootstrap server be reached? Asked before a command builds its Kafka client, so an
unreachable cluster is reported within seconds and names every address that was tried (the
clients themselves retry silently for their whole request timeout)."""

from __future__ import annotations

import socket
import time

from pipeline.errors import BrokerError


def addresses(bootstrap: str) -> list[tuple[str, int]]:
    """host:port[,host:port...] as (host, port) pairs; a bad entry is a BrokerError."""
    found = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise BrokerError(f"bootstrap server {item.strip()!r} is not host:port")
        found.append((host.strip("[]"), int(port)))
    return found


def require_reachable(bootstrap: str, timeout: float) -> str:
    """The first bootstrap server that accepts a TCP connection within ``timeout`` seconds,
    as host:port; otherwise a BrokerError saying what was tried and what each answered."""
    tried = []
    for host, port in addresses(bootstrap):
        started = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return f"{host}:{port}"
        except TimeoutError:
            tried.append(f"{host}:{port} (no answer within {timeout:g} s)")
        except OSError as exc:
            waited = time.monotonic() - started
            tried.append(f"{host}:{port} ({exc.strerror or exc}, after {waited:.1f} s)")
    raise BrokerError(
        f"cannot reach Kafka: tried {', '.join(tried)}. Is the broker running, and is "
        "KETENSTROOM_BOOTSTRAP_SERVERS right?"
    )
