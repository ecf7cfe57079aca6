"""`make demo` and `make test` on a fresh machine (issue 31: `make demo` was silent for about
2.5 minutes while pip installed everything)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_fresh_install_says_what_it_does_and_shows_pips_progress(tmp_path):
    """What `make demo` runs where no virtual environment exists yet (make -n: print, run
    nothing): a line saying what is installed and that it takes minutes, then pip with its
    own progress, not --quiet."""
    outer = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")  # when make test runs this test
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo", f"VENV={tmp_path / 'fresh'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in outer},
    )
    lines = done.stdout.splitlines()
    # the install of everything (the compiled core's rebuild is another pip line, after it)
    (pip,) = [line for line in lines if "pip install" in line and "[dev]" in line]
    assert "--quiet" not in pip and " -q" not in pip and "--progress-bar on" in pip
    said = lines[: lines.index(pip)]
    assert any(line.startswith("echo") and "takes a few minutes" in line for line in said)
    assert lines[-1].endswith("ketenstroom demo")
