"""The live page (`convenant bekijk`) as the officer starts it, for the tests: a real process
on a free loopback port, and Debian's Chromium driven by Playwright (never a browser of
Playwright's own: it cannot be downloaded here, and `make test` installs Debian's)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONVENANTEN, ROOT

#: Screenshots a person looks at (git-ignored).
OUTPUT = ROOT / "tests" / "output" / "bekijk"
#: The flags this machine's Chromium needs; no background traffic of its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
]
#: axe-core, pinned in tests/deploy_schemas/package-lock.json and installed by `make test`.
AXE = ROOT / "tests" / "deploy_schemas" / "node_modules" / "axe-core" / "axe.min.js"


def chromium() -> str:
    """Debian's Chromium, or the test fails saying how to get it."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("Chromium is missing: `make test` installs it (make chromium)")
    return found


@contextlib.contextmanager
def running_page(
    directory: Path, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> Iterator[str]:
    """`ketenstroom convenant bekijk DIRECTORY` in its own process (in ``cwd``), without a
    screen (so it opens no browser); yields its URL, stops it afterwards, shows its output."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KETENSTROOM_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    log = directory.parent / f"bekijk-{directory.name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "convenant", "bekijk", str(directory), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**clean, **(env or {})},
        )
    try:
        url = _url(log, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"convenant bekijk exit {process.returncode}; output:\n{log.read_text()[-3000:]}")


def _url(log: Path, process: subprocess.Popen[Any]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:\d+/", log.read_text())
        if found:
            return found.group(0)
        if process.poll() is not None:
            pytest.fail(f"convenant bekijk stopped: {log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"convenant bekijk printed no address: {log.read_text()}")


def covenant_copy(target: Path, git: bool = True) -> Path:
    """A copy of the repository's covenant folder, committed in a git repository of its own
    (the memo compares with HEAD there)."""
    folder = target / "convenanten"
    shutil.copytree(CONVENANTEN, folder)
    if git:
        quiet = {"capture_output": True, "check": True, "cwd": target}
        subprocess.run(["git", "init", "-q"], **quiet)  # type: ignore[call-overload]
        subprocess.run(["git", "add", "."], **quiet)  # type: ignore[call-overload]
        subprocess.run(  # type: ignore[call-overload]
            ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-qm", "x"],
            **quiet,
        )
    return folder
