"""The build: the pure core compiled with mypyc where a C compiler is present (pipeline/compiled/).

Everything else about the package is in pyproject.toml; setuptools reads this file for the one
thing a static file cannot say: which extension modules to build, decided when ``build_ext``
runs. Without a C compiler or the Python headers, with KETENSTROOM_COMPILE=0, or when mypyc or
the compiler fails, the install goes on with the interpreted modules and says why in one line
(and in ``python -m pipeline.compiled``).
"""

from __future__ import annotations

import importlib.util
import os
import pprint
import sys
import sysconfig
import time
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
# by path: importing the package would need its dependencies, which a build does not have
_spec = importlib.util.spec_from_file_location(
    "_ketenstroom_compiled_modules", HERE / "pipeline" / "compiled" / "modules.py"
)
assert _spec is not None and _spec.loader is not None
compiled = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compiled)

MANIFEST_FILE = HERE / "pipeline" / "_compiled_manifest.py"
MANIFEST_TEXT = '''"""What the compiled core was built from; written by setup.py at install, not in git."""

PYTHON = {python!r}
MODULES: tuple[str, ...] = {modules}
SOURCES: dict[str, str] = {sources}
#: why the install left the modules interpreted ("" when it compiled them)
REASON = {reason!r}
'''
#: Stands in until build_ext names the real ones: without one setuptools would not run it.
PLACEHOLDER = Extension(compiled.MANIFEST, sources=[])
MANIFEST = compiled.MANIFEST


def _say(message: str) -> None:
    print(f"ketenstroom: {message}", file=sys.stderr, flush=True)


def _write_manifest(modules: tuple[str, ...], reason: str) -> None:
    sources = {p: compiled.digest(HERE / p) for p in compiled.sources(HERE, modules)}
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    text = MANIFEST_TEXT.format(
        python=python,
        modules=pprint.pformat(modules, width=96),
        sources=pprint.pformat(sources, width=96),
        reason=reason,
    )
    MANIFEST_FILE.write_text(text, encoding="utf-8")


def _remove_old_build() -> None:
    """This Python's compiled modules from an earlier build in the working tree: a build that
    fails must leave none behind (the import guard would refuse them anyway)."""
    suffix = str(sysconfig.get_config_var("EXT_SUFFIX"))
    for old in (HERE / "pipeline").rglob(f"*{suffix}"):
        try:
            old.unlink()
        except OSError as exc:
            _say(f"could not remove {old.relative_to(HERE)} ({exc}); the import guard refuses it")


def _briefly(exc: BaseException) -> str:
    """An error in one short line (a compiler's error repeats its whole command line)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}{'...' if len(text) > 200 else ''}"


def _switched_off() -> bool:
    return os.environ.get(compiled.SWITCH, "").strip().lower() in ("0", "false", "no", "off")


class BuildCompiledCore(build_ext):
    """build_ext whose extensions are mypyc's build of the pure core, or none.

    ``finalize_options`` names the extensions (setuptools finalizes this command for metadata
    too); ``run`` has mypyc write their C code, once per install, and builds them."""

    reason = ""

    def finalize_options(self) -> None:
        self.reason = "switched off (KETENSTROOM_COMPILE=0)" if _switched_off() else ""
        self.reason = self.reason or compiled.compiler_missing() or ""
        names = [f"{compiled.GROUP}__mypyc", *compiled.MODULES, MANIFEST]
        if self.reason:  # build_ext must run all the same: to write down why, clear an old build
            names = [MANIFEST]
        self.distribution.ext_modules = [Extension(name, sources=[]) for name in names]
        super().finalize_options()

    def run(self) -> None:
        inplace = bool(self.inplace or self.editable_mode)
        if inplace:
            _remove_old_build()
        if not self.reason:
            try:
                self._generate()
            except (Exception, SystemExit) as exc:  # mypyc exits on a type error
                self.reason = f"mypyc failed ({_briefly(exc)})"
        if self.reason:
            self._fall_back()
        started = time.monotonic()
        try:
            super().run()
        except Exception as exc:  # the C compiler or linker failed: nothing was copied in place
            self.reason = f"the C build failed ({_briefly(exc)})"
            for ext in self.extensions:  # nor may the wheel carry those that were built
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            self._fall_back()
        else:
            if self.extensions:
                _say(f"compiled core built in {time.monotonic() - started:.0f} s")
        if not inplace:  # a wheel: the manifest goes with the modules it describes
            target = Path(self.build_lib) / "pipeline" / MANIFEST_FILE.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(MANIFEST_FILE.read_bytes())

    def _generate(self) -> None:
        """mypyc's C code and build settings for each extension named in finalize_options."""
        from mypyc.build import mypycify

        started = time.monotonic()
        _write_manifest(compiled.MODULES, "")
        paths = [str(compiled.path_of(HERE, m).relative_to(HERE)) for m in compiled.MODULES]
        options = ["--config-file", os.devnull, "--cache-dir", os.devnull]
        # the build has none of the dependencies: their types are Any, and the modules the
        # compiled ones import are read for their types only
        options += ["--ignore-missing-imports", "--follow-imports=silent"]
        made = mypycify(
            [*options, *paths, str(MANIFEST_FILE.relative_to(HERE))],
            group_name=compiled.GROUP,
            target_dir=str(Path("build") / "mypyc"),
        )
        by_name = {ext.name: ext for ext in made}
        if set(by_name) != {ext.name for ext in self.extensions}:
            raise RuntimeError(f"mypyc made other extensions than expected: {sorted(by_name)}")
        for ext in self.extensions:
            settings = vars(by_name[ext.name])
            vars(ext).update({k: v for k, v in settings.items() if not k.startswith("_")})
        took = time.monotonic() - started
        _say(f"compiling {len(compiled.MODULES)} modules with mypyc (C made in {took:.0f} s)")

    def _fall_back(self) -> None:
        _say(f"installing the interpreted modules: {self.reason}")
        _write_manifest((), self.reason)
        self.extensions = self.distribution.ext_modules = []


setup(ext_modules=[PLACEHOLDER], cmdclass={"build_ext": BuildCompiledCore})
