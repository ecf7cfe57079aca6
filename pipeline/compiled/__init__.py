"""The compiled core: mypyc's build of the pure modules, and the guard that never runs it stale.

``pip install`` (setup.py) compiles the modules of ``modules.MODULES`` with mypyc when a C
compiler and the Python headers are there, into one shared library beside the sources (in the
working tree, for an editable install), together with a manifest module holding the SHA-256 of
every source file the build read. Without a compiler, or when compiling fails, it installs the
same modules interpreted, and the manifest says why.

On import (``pipeline/__init__.py``) the guard compares those digests with the files as they
are now. When one differs (an edit, a ``git pull``, a checkout) it refuses every compiled
module, warns once, and the interpreted ones run: all or nothing, because compiled modules call
each other natively, so a fresh one calling a stale one would still run old code. A compiled
module the manifest does not name (left over from an older build) is never loaded either.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import sysconfig
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import ExtensionFileLoader, ModuleSpec, PathFinder
from pathlib import Path
from types import ModuleType

from pipeline.compiled.modules import MANIFEST, digest

#: The directory holding ``pipeline/``: the manifest's paths are relative to it.
ROOT = Path(__file__).resolve().parents[2]
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
#: Exit status of ``python -m pipeline.compiled --check`` when a rebuild is due.
REBUILD = 3


class StaleBuildWarning(RuntimeWarning):
    """The compiled core was built from other sources than these: the interpreted modules run."""


@dataclass(frozen=True)
class Status:
    """What runs: ``modules`` compiled (empty: all interpreted), and why not when not."""

    modules: frozenset[str]
    reason: str
    #: a build for this Python exists but no longer fits its sources: rebuild it
    rebuild: bool = False

    @property
    def compiled(self) -> bool:
        """Whether the compiled modules run."""
        return bool(self.modules)


class _Guard:
    """Finds the package's modules as the path finder does, and turns a compiled module that may
    not run (stale, or unknown to the manifest) into its source file."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """The spec the path finder gives, or the source file's instead of a refused extension."""
        if not fullname.startswith("pipeline.") or fullname == MANIFEST:
            return None
        spec = PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, ExtensionFileLoader):
            return spec
        if fullname in self.allowed:
            return spec
        origin = Path(str(spec.origin))
        source = origin.with_name(origin.name.split(".", 1)[0] + ".py")
        if not source.exists():
            raise ImportError(
                f"{origin} is a compiled module without its source (left over from an older "
                "build); refusing it",
                name=fullname,
            )
        return importlib.util.spec_from_file_location(fullname, source)


_status: Status | None = None


def _manifest() -> tuple[ModuleType | None, bool]:
    """The build's manifest module, and whether it is the compiled one (the build's own)."""
    package = [str(ROOT / "pipeline")]
    spec = PathFinder.find_spec(MANIFEST, package)
    if spec is None:
        return None, False
    try:
        module = importlib.import_module(MANIFEST)
    except ImportError as exc:  # a damaged build, or one for another platform
        warnings.warn(f"ketenstroom: the compiled core does not load ({exc})", StaleBuildWarning, 3)
        return None, False
    return module, isinstance(spec.loader, ExtensionFileLoader)


def _judge() -> Status:
    manifest, native = _manifest()
    if manifest is None:
        return Status(frozenset(), "not built by an install: the interpreted modules run")
    modules: tuple[str, ...] = getattr(manifest, "MODULES", ())
    python: str = getattr(manifest, "PYTHON", "")
    if not native:
        if getattr(manifest, "REASON", ""):
            return Status(frozenset(), f"installed interpreted: {manifest.REASON}")
        if python != PYTHON:
            return Status(frozenset(), f"compiled for Python {python}, this is {PYTHON}: interpreted")
        return Status(frozenset(), "the compiled build is missing: interpreted", rebuild=True)
    sources: dict[str, str] = getattr(manifest, "SOURCES", {})
    changed = [p for p, d in sources.items() if not _same(ROOT / p, d)]
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        return Status(
            frozenset(),
            f"the compiled core is older than {changed[0]}{more}: the interpreted modules run "
            "until it is rebuilt (make, or pip install -e .)",
            rebuild=True,
        )
    return Status(frozenset(modules), f"{len(modules)} modules compiled with mypyc")


def _same(path: Path, expected: str) -> bool:
    try:
        return digest(path) == expected
    except OSError:
        return False


def install() -> Status:
    """Judge the build once per process and put the guard first on the import path."""
    global _status
    if _status is None:
        _status = _judge()
        if _status.rebuild:
            warnings.warn(f"ketenstroom: {_status.reason}", StaleBuildWarning, 3)
        sys.meta_path.insert(0, _Guard(_status.modules))
    return _status


def status() -> Status:
    """What this process runs (judged on the package's import)."""
    return install()


def native(module: ModuleType) -> bool:
    """Whether a loaded module is compiled code (an extension), not its source."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return str(getattr(module, "__file__", "")).endswith(suffixes)


def extension_suffix() -> str:
    """The file suffix of this Python's extension modules (``.cpython-311-x86_64-linux-gnu.so``)."""
    return str(sysconfig.get_config_var("EXT_SUFFIX"))
