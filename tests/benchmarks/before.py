"""The router as it was before issue 32, for a before/after in one bench run.

Before issue 32 a worker consumed through Faust's aiokafka transport and every worker read
every event-id claim into its index. That code is not kept beside the new one: the bench takes
the ``pipeline`` package from git at BENCH_BEFORE (default: the commit issue 32's work started
from), extracts it into its work directory, and runs that worker with the same Python and
packages, on the same broker and inputs as the current one. Without git or that revision the
comparison is left out (and the run says so).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

from pipeline.app.process import WorkerProcess, settings_env

#: The revision of the router before issue 32 (main when its work began).
BEFORE = os.environ.get("BENCH_BEFORE", "58f9e7f")
ROOT = Path(__file__).resolve().parents[2]


def before_source(workdir: Path) -> Path | None:
    """A directory holding the ``pipeline`` package at BEFORE, or None if git cannot give it."""
    target = workdir / f"before-{BEFORE}"
    if (target / "pipeline").is_dir():
        return target
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE, "pipeline"],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


class BeforeWorker(WorkerProcess):
    """``python -m pipeline worker`` run in ``source``, so that its ``pipeline`` is imported."""

    def __init__(self, source: Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source

    def start(self) -> BeforeWorker:
        """Start the worker of ``source`` (same settings and Python)."""
        env = settings_env(self.settings) | {"PYTHONPATH": str(self.source)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "worker", "--loglevel", self.loglevel],
                env=env,
                cwd=self.source,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return self
