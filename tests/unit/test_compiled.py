"""The compiled core gives the same bytes as the interpreted modules (pipeline/compiled/).

One subprocess routes a fixed set of signals (hostile ones among them) with the compiled build,
another with a pure copy of the package; every output must be identical: views, log lines,
claims, dead letters with their headers, statistics facts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import compiled
from pipeline.compiled.modules import MODULES, compiler_missing
from pipeline.privacy.dead_letter_key import generate_dead_letter_keys
from pipeline.privacy.keyring import generate_keys, write_secret_file
from pipeline.router.dead_letter import REASON_HEADER
from tests.conftest import ROOT

CHILD = ROOT / "tests" / "compiled_routing.py"


def _compiled_or_skip() -> None:
    found = compiled.status()
    if found.compiled:
        return
    missing = compiler_missing()
    if missing is not None and not found.rebuild:
        pytest.skip(f"{missing}: only the interpreted modules exist on this machine")
    pytest.fail(f"a C compiler is here, but the compiled core does not run ({found.reason}): run make")


def _keys(directory: Path, registry) -> None:
    keyring, private = generate_keys(registry.ids)
    write_secret_file(directory / "keyring.json", keyring)
    for partner, keys in private.items():
        write_secret_file(directory / f"{partner}.json", keys)
    write_secret_file(directory / "dode-letters.json", generate_dead_letter_keys())


def _route(keys: Path, out: Path, pythonpath: list[Path]) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, pythonpath))}
    subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", str(CHILD), str(keys), str(out)],
        check=True,
        env=env,
        cwd=out.parent,  # not the repository: its pipeline/ would come first on the path
        timeout=240,
    )
    return json.loads(out.read_text(encoding="utf-8"))


def test_compiled_and_interpreted_modules_give_identical_bytes(tmp_path, registry):
    _compiled_or_skip()
    keys = tmp_path / "keys"
    _keys(keys, registry)
    pure = tmp_path / "pure"
    ignored = shutil.ignore_patterns("*.so", "__pycache__", "_compiled_manifest.py")
    shutil.copytree(ROOT / "pipeline", pure / "pipeline", ignore=ignored)

    native = _route(keys, tmp_path / "compiled.json", [ROOT])
    interpreted = _route(keys, tmp_path / "interpreted.json", [pure, ROOT])

    assert native["compiled"] == sorted(MODULES)  # every compiled module ran as compiled code
    assert interpreted["compiled"] == []
    assert len(native["results"]) == len(interpreted["results"])
    for n, (a, b) in enumerate(zip(native["results"], interpreted["results"], strict=True)):
        assert a == b, f"record {n} routed differently compiled and interpreted"
    assert native["facts"] == interpreted["facts"]
    # and the set exercises what it should: views, encrypted fields, facts, dead letters
    results = native["results"]
    assert sum(len(r["views"]) for r in results) > 50 and native["facts"]
    assert any(v["value"].startswith("[") for r in results for v in r["views"])
    reasons = {
        bytes.fromhex(value).decode()
        for r in results
        if r.get("dead_letter")
        for name, value in r["dead_letter"]["headers"]
        if name == REASON_HEADER
    }
    assert len(reasons) >= 8, reasons


# ---- the import guard: a careless operator's compiled build never runs stale code ----

PROBE = """
import importlib, json, sys
from pipeline import compiled
module = importlib.import_module(sys.argv[1])
found = compiled.status()
print(json.dumps({"compiled": found.compiled, "reason": found.reason, "file": module.__file__}))
"""


@pytest.fixture
def copy(tmp_path) -> Path:
    """The package as built here, compiled modules included, in a directory of its own."""
    _compiled_or_skip()
    ignored = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=ignored)
    return tmp_path


def _probe(root: Path, module: str = "pipeline.router.core") -> tuple[dict, str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout), done.stderr


def _check(root: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "pipeline.compiled", "--check"]
    return subprocess.run(command, env=env, cwd=root, capture_output=True, timeout=60).returncode


def test_a_copy_of_the_build_runs_compiled(copy):
    found, stderr = _probe(copy)
    assert found["compiled"] and found["file"].endswith(compiled.extension_suffix())
    assert "StaleBuildWarning" not in stderr and _check(copy) == 0


def test_an_edited_source_runs_interpreted_with_a_warning(copy):
    """An edit (or a git pull) to any file the build read: every module runs interpreted, even
    those not edited (compiled code would call the stale compiled one), until it is rebuilt."""
    scope = copy / "pipeline" / "covenant" / "scope.py"
    scope.write_text(scope.read_text() + "\n# edited after the build\n")
    found, stderr = _probe(copy)
    assert not found["compiled"] and found["file"].endswith("core.py")
    assert "StaleBuildWarning" in stderr and "pipeline/covenant/scope.py" in stderr
    assert _check(copy) == 3  # make rebuilds it


def test_an_edit_the_build_did_not_read_keeps_it_compiled(copy):
    cli = copy / "pipeline" / "cli" / "main.py"
    cli.write_text(cli.read_text() + "\n# edited after the build\n")
    assert _probe(copy)[0]["compiled"]


def test_a_compiled_module_the_build_does_not_name_is_never_loaded(copy):
    """Left over from an older build (a module no longer compiled), or planted: its source
    runs; without a source it does not load at all."""
    suffix = compiled.extension_suffix()
    shim = copy / "pipeline" / "router" / f"core{suffix}"
    shutil.copy(shim, copy / "pipeline" / f"topics{suffix}")
    assert _probe(copy, "pipeline.topics")[0]["file"].endswith("topics.py")
    shutil.copy(shim, copy / "pipeline" / f"ghost{suffix}")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _probe(copy, "pipeline.ghost")
    assert "without its source" in refused.value.stderr


def test_a_build_without_its_manifest_runs_interpreted(copy):
    (copy / "pipeline" / f"_compiled_manifest{compiled.extension_suffix()}").unlink()
    found, _ = _probe(copy)
    assert not found["compiled"] and found["file"].endswith("core.py")
    assert _check(copy) == 3
