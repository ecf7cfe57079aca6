"""Headless Chromium (Debian's ``chromium``) for printing an HTML annex to PDF, and for the
tests' screenshot and DOM checks. No driver library: Chromium's own --print-to-pdf,
--screenshot and --dump-dom flags, with a fresh profile and no background networking (the
machine has no network)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import KetenstroomError
from pipeline.messages import tools as msg

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: A4 at 96 dpi, for a screenshot of what one printed page holds.
A4_WINDOW = (794, 1123)
TIMEOUT_S = 60


def find_chromium() -> str | None:
    """The Chromium binary on PATH, or None."""
    return next((found for name in _CANDIDATES if (found := shutil.which(name))), None)


def _run(binary: str, page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="ketenstroom-chromium-") as profile:
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            *flags,
            page.resolve().as_uri(),
        ]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KetenstroomError(str(msg.pdf_failed(str(exc)))) from exc


def _binary() -> str:
    binary = find_chromium()
    if binary is None:
        raise KetenstroomError(str(msg.no_browser()))
    return binary


def print_pdf(page: Path, target: Path) -> None:
    """Print an HTML file to PDF (paper size and margins from its @page rule)."""
    done = _run(_binary(), page, "--no-pdf-header-footer", f"--print-to-pdf={target}")
    if not target.exists() or target.stat().st_size == 0:
        raise KetenstroomError(str(msg.pdf_failed(done.stderr.strip()[-300:] or "geen uitvoer")))


def screenshot(page: Path, target: Path, size: tuple[int, int] = A4_WINDOW) -> None:
    """A PNG of the page as a window of ``size`` pixels shows it."""
    done = _run(
        _binary(),
        page,
        "--hide-scrollbars",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={target}",
    )
    if not target.exists():
        raise KetenstroomError(str(msg.pdf_failed(done.stderr.strip()[-300:])))


def rendered_dom(page: Path, size: tuple[int, int] = A4_WINDOW) -> str:
    """The page's DOM after Chromium loaded it and ran its scripts."""
    done = _run(_binary(), page, f"--window-size={size[0]},{size[1]}", "--dump-dom")
    if done.returncode != 0 or not done.stdout:
        raise KetenstroomError(str(msg.pdf_failed(done.stderr.strip()[-300:])))
    return done.stdout
