"""Files of a directory as they were at a git revision (for schema checks and covenant diffs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.errors import KetenstroomError


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise KetenstroomError(f"git {' '.join(args)} failed: {detail.strip()}") from exc
    return done.stdout


def files_at_revision(directory: Path, revision: str, suffix: str) -> dict[str, str]:
    """Text of every file ending in ``suffix`` below ``directory`` at ``revision``, by relative path."""
    base = directory if directory.is_dir() else directory.parent
    repo = Path(_git(base, "rev-parse", "--show-toplevel").strip())
    rel_dir = directory.resolve().relative_to(repo.resolve()).as_posix()
    listing = _git(repo, "ls-tree", "-r", "--name-only", revision, "--", rel_dir)
    files = {
        path[len(rel_dir) + 1 :]: _git(repo, "show", f"{revision}:{path}")
        for path in listing.splitlines()
        if path.endswith(suffix)
    }
    if not files:
        raise KetenstroomError(f"no {suffix} files under {rel_dir}/ at revision {revision}")
    return files
