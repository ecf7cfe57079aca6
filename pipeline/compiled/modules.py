"""Which pure modules the install compiles with mypyc, and the source files a build depends on.

Read by ``setup.py`` while it builds (by file path: a build has none of ketenstroom's
dependencies, so this module imports only the standard library) and by the import guard
(``pipeline.compiled``) in every process.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import sysconfig
from collections.abc import Iterable
from pathlib import Path

#: The modules whose own code route() runs for every signal, chosen by measurement
#: (tests/benchmarks/compiled.py, numbers in tests/benchmarks/README.md): compiled, these cut
#: route()'s instructions per signal by a quarter. Nine more that mypyc accepts (the view
#: schemas, the dead letters, pseudonyms, encryption, topics ...) cut them by 0.6% more: not
#: worth their build time. Not here: modules built on pydantic models (mypyc cannot compile
#: their classes), router/event_index.py (SQLite), and code that runs once per policy.
MODULES: tuple[str, ...] = (
    "pipeline.codec.avro_binary",
    "pipeline.codec.framing",
    "pipeline.codec.generated",
    "pipeline.codec.plans",
    "pipeline.codec.split",
    "pipeline.covenant.conditions",
    "pipeline.covenant.policy",
    "pipeline.covenant.scope",
    "pipeline.legal_time",
    "pipeline.privacy.normalise",
    "pipeline.privacy.references",
    "pipeline.privacy.subjects",
    "pipeline.privacy.treatments",
    "pipeline.router.core",
    "pipeline.router.disclosure",
    "pipeline.router.event_scope",
    "pipeline.router.records",
    "pipeline.router.references",
    "pipeline.signals.bsn",
    "pipeline.signals.validation",
)
#: mypyc's group: its shared library is ``pipeline/_compiled__mypyc.<suffix>``.
GROUP = "pipeline._compiled"
#: A module the build writes and compiles with the rest: what it was built from.
MANIFEST = "pipeline._compiled_manifest"
#: Set to 0 (or false, no, off) at install time: install the interpreted modules only.
SWITCH = "KETENSTROOM_COMPILE"


def path_of(root: Path, module: str) -> Path:
    """The source file of a module of the package under ``root`` (the directory holding
    ``pipeline/``): the module's own file, or its package's ``__init__.py``."""
    base = root.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _imported(root: Path, module: str) -> set[str]:
    """The package's modules that ``module`` imports (at run time or for type checking only:
    mypyc reads both)."""
    path = path_of(root, module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package upwards
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            if name.split(".")[0] == "pipeline" and path_of(root, name).exists():
                found.add(name)
    return found


def sources(root: Path, modules: Iterable[str] = MODULES) -> list[str]:
    """Paths (relative to ``root``, with ``/``) of every file compiled code depends on: the
    modules, the package's modules they import, transitively (mypyc reads their types and
    may inline their constants), and the ``__init__.py`` of each package on the way."""
    todo = list(modules)
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:n]) for n in range(1, len(parts))]
        todo += sorted(_imported(root, module))
    return sorted(path_of(root, m).relative_to(root).as_posix() for m in seen)


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiler_missing() -> str | None:
    """Why this Python cannot compile an extension here, or None when it looks like it can:
    the C compiler (``CC``, else the one Python was built with) on PATH, and Python.h."""
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler} is not on PATH)"
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    if not headers.exists():
        return f"no Python headers ({headers} is missing: install python3-dev)"
    return None
