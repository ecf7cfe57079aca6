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
