"""A snapshot of a covenant folder: the bytes of its own YAML files at one moment.

The page checks the snapshot, not the folder, so every result, every line it quotes and the
file it shows belong to the same version of the files, even while the officer's editor is
saving. Only the folder's own files are taken: a file that is (or links to) something outside
the folder, is not a regular file or is too large is named, never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Larger than any covenant an officer writes; a bigger file is a mistake, not a covenant.
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Snapshot:
    """The folder's YAML files by name, and those refused with the reason why."""

    directory: Path
    files: dict[str, bytes] = field(default_factory=dict)
    refused: tuple[tuple[str, str], ...] = ()
    exists: bool = True

    def text(self, name: str) -> str:
        """A file's text as the officer's editor shows it (undecodable bytes marked)."""
        return self.files[name].decode("utf-8", errors="replace")


def _refusal(path: Path, base: Path) -> str | None:
    """Why ``path`` is not read, or None when it is one of the folder's own files."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "verwijst naar een bestand dat niet bestaat"
    if resolved.parent != base:
        return "verwijst naar een bestand buiten de map; de pagina leest het niet"
    if not resolved.is_file():
        return "is geen gewoon bestand"
    if resolved.stat().st_size > MAX_BYTES:
        return f"is groter dan {MAX_BYTES // 1_000_000} MB; een convenant is veel kleiner"
    return None


def take_snapshot(directory: Path) -> Snapshot:
    """Read every ``*.yaml`` file of ``directory`` (covenants, examples, the registry)."""
    if not directory.is_dir():
        return Snapshot(directory, exists=False)
    base = directory.resolve()
    files: dict[str, bytes] = {}
    refused: list[tuple[str, str]] = []
    try:
        paths = sorted(directory.glob("*.yaml"))
    except OSError:
        return Snapshot(directory, exists=False)
    for path in paths:
        reason = _refusal(path, base)
        if reason is None:
            try:
                files[path.name] = path.read_bytes()
                continue
            except OSError as exc:  # deleted or locked between listing and reading
                reason = f"kon niet gelezen worden ({exc.strerror or exc})"
        refused.append((path.name, reason))
    return Snapshot(directory, files, tuple(refused))


def write_snapshot(snapshot: Snapshot, target: Path) -> None:
    """Make ``target`` hold exactly the snapshot's files (the engines read a folder)."""
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.name not in snapshot.files:
            old.unlink()
    for name, data in snapshot.files.items():
        (target / name).write_bytes(data)
