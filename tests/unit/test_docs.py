"""The Dutch guarantees document names the tests that prove each guarantee: they must exist."""

from __future__ import annotations

import re

from tests.conftest import ROOT

_REFERENCE = re.compile(r"`(?:tests/)?((?:unit|property|integration)/[\w/]+\.py)((?:::\w+)?)`")


def test_every_test_the_guarantees_name_exists():
    text = (ROOT / "docs" / "garanties.md").read_text(encoding="utf-8")
    missing = []
    for line in text.splitlines():
        last_file = None
        for match in re.finditer(rf"{_REFERENCE.pattern}|`::(\w+)`", line):
            if match.group(1):
                last_file = ROOT / "tests" / match.group(1)
                if not last_file.exists():
                    missing.append(str(last_file))
                    continue
                name = match.group(2)[2:] if match.group(2) else None
            else:
                name = match.group(3)
            known = last_file is not None and last_file.exists()
            if name and known and f"def {name}(" not in last_file.read_text(encoding="utf-8"):
                missing.append(f"{last_file.relative_to(ROOT)}::{name}")
    assert not missing, missing
