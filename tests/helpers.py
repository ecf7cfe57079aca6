"""Small builders shared by the tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

from hypothesis import strategies as st

from pipeline import topics
from pipeline.codec.framing import decode, encode
from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.policy import Policy
from pipeline.privacy.dead_letter_key import DeadLetterKeys
from pipeline.router.dead_letter import REASON_HEADER, Content, header
from pipeline.router.records import Inbound, RouteResult
from pipeline.signals.bsn import is_valid_bsn
from pipeline.signals.prepare import prepare
from tests.conftest import ROOT


def inbound(
    source: str,
    value: bytes | None,
    key: bytes | None = None,
    topic: str | None = None,
    offset: int = 0,
) -> Inbound:
    return Inbound(topic or topics.inbound(source), 0, offset, key, value)


def signal_bytes(
    store: SchemaStore, document: dict[str, Any], source: str, now: dt.datetime
) -> tuple[dict[str, Any], bytes]:
    entry, datum = prepare(document, source, store, now)
    return datum, encode(entry, datum)


def views_by_recipient(result: RouteResult, policy: Policy) -> dict[str, dict[str, Any]]:
    return {
        o.topic.removeprefix(topics.INBOX_PREFIX): decode(o.value, policy.store)[1]
        for o in result.deliveries
    }


def log_entries(result: RouteResult, policy: Policy) -> list[dict[str, Any]]:
    return [decode(o.value, policy.store)[1] for o in result.log]


def opened(result: RouteResult, keys: DeadLetterKeys) -> Content:
    """The sealed content of a result's dead letter, opened with the dead-letter key."""
    from pipeline.ops.dead_letters import DeadLetter

    assert result.dead_letter is not None, "expected a dead letter"
    letter = result.dead_letter
    stored = DeadLetter(0, 0, 0, letter.key, letter.value, letter.headers)
    return stored.open(keys)


def reason(result: RouteResult) -> str | None:
    assert result.dead_letter is not None, "expected a dead letter"
    return header(result.dead_letter.headers, REASON_HEADER)


def leaves(datum: Any, prefix: str = "") -> dict[str, Any]:
    """Non-null leaf values of a view (envelope left out), by field path."""
    out: dict[str, Any] = {}
    for name, value in datum.items():
        path = f"{prefix}{name}"
        if path == "envelope":
            continue
        if isinstance(value, dict):
            out.update(leaves(value, f"{path}."))
        elif value is not None:
            out[path] = value
    return out


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Any = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline ARGS`` as a user would, with only the given KETENSTROOM_ settings
    (in ``cwd``, default the repository)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KETENSTROOM_")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**clean, **(env or {})},
        timeout=120,
    )


def identifiers(documents: list[dict[str, Any]]) -> list[str]:
    """The victim's BSN and names of each signal: values no log line or metric may show."""
    return [
        value
        for doc in documents
        for value in (
            doc["slachtoffer"]["bsn"],
            doc["slachtoffer"]["voornamen"],
            doc["slachtoffer"]["achternaam"],
        )
        if value is not None
    ]


def _with_check_digit(first8: int) -> str:
    """Eight digits and the ninth that makes the 11-check pass ('' when no digit can)."""
    digits = f"{first8:08d}"
    check = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
    return digits + str(check) if check < 10 else ""


def valid_bsns() -> st.SearchStrategy[str]:
    """Valid BSNs, built rather than filtered: a random nine digits passes the 11-check one
    time in eleven, and that much filtering trips hypothesis' health check on a busy machine."""
    return st.integers(10_000_000, 99_999_999).map(_with_check_digit).filter(is_valid_bsn)


def in_utrecht(document: dict[str, Any]) -> dict[str, Any]:
    """The document, about a victim living in Utrecht (in the example covenant's area, and
    where the gemeente-utrecht rule applies)."""
    subject = document.get("slachtoffer")
    if subject is not None:
        subject["adres"] = {**(subject.get("adres") or {}), "gemeentecode": "GM0344"}
    if "gemeentecode" in document:
        document["gemeentecode"] = "GM0344"
    return document


def covenant_facts(directory: Any, combinations: bool = True) -> Any:
    """The comparison engine's facts of a covenant directory (or one file beside its registry),
    compiled as `convenant diff` compiles a side (``combinations`` False: as `analyse` does,
    re-identification across covenants a finding, not a refusal)."""
    from pathlib import Path

    from pipeline.codec.schema_store import load_store
    from pipeline.officer.sides import compiled, load_side, registry_for

    path = Path(directory)
    folder = path if path.is_dir() else path.parent
    side = compiled(
        str(path),
        load_side(str(path), folder),
        registry_for(str(path), folder),
        load_store(ROOT / "schemas"),
        combinations=combinations,
    )
    return side.facts


def probe_status(port: int, path: str) -> int | None:
    """The HTTP status a worker's endpoint on 127.0.0.1 answers, or None when nothing does."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def until(condition: Any, timeout: float = 30.0) -> bool:
    """True as soon as ``condition()`` holds, False when ``timeout`` seconds passed first."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def covenant_statuses(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every worker's covenant status as `convenant status --json` prints it, by worker."""
    import json

    listed = run_cli("convenant", "status", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    return {s["worker"]: s for s in map(json.loads, listed.stdout.splitlines())}
