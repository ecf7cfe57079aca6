"""A router worker as a child process (demo, tests): start, wait, stop, kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from pydantic import SecretStr

from pipeline.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment that gives a child process exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETENSTROOM_")}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is not None:
            secret = isinstance(value, SecretStr)
            env[f"KETENSTROOM_{name.upper()}"] = value.get_secret_value() if secret else str(value)
    return env


class WorkerProcess:
    """``python -m pipeline worker`` with the given settings; output goes to ``log_path``."""

    def __init__(self, settings: Settings, log_path: Path, loglevel: str = "info") -> None:
        self.settings = settings
        self.log_path = log_path
        self.loglevel = loglevel
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start the worker (it provisions topics and publishes schemas itself)."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "worker", "--loglevel", self.loglevel],
                env=settings_env(self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the worker's /health/ready answers 200 (needs a metrics port); raises if
        the worker dies first or ``timeout`` seconds pass."""
        port = self.settings.metrics_port
        if port is None:
            raise ValueError("wait_ready needs KETENSTROOM_METRICS_PORT")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"the worker died:\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2):
                    return  # 200; a 503 raises HTTPError, an OSError
            except OSError:
                time.sleep(0.2)  # not listening yet, or not ready
        raise TimeoutError(f"the worker was not ready within {timeout:.0f} s")

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> int | None:
        """Graceful stop (SIGTERM: Faust commits and leaves the group), then SIGKILL."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: the crash case, no clean-up at all."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def output(self) -> str:
        """What the worker has printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
