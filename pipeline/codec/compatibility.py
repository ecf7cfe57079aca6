"""Backward compatibility of schema changes, judged by the official Avro implementation."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from pipeline.codec.schema_store import SchemaEntry, entries_from_raw, read_schema_dir
from pipeline.errors import SchemaError


def backward_problems(old: list[SchemaEntry], new: list[SchemaEntry]) -> list[str]:
    """Why ``new`` cannot read data written with ``old`` (signal and log schemas); empty if it can."""
    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    current = {e.name: e for e in new}
    problems = []
    for writer in old:
        if writer.kind == "common":
            continue  # shared types are checked as part of every schema that uses them
        reader = current.get(writer.name)
        if reader is None:
            problems.append(
                f"{writer.name}: removed; records written with it could no longer be read"
            )
            continue
        result = checker.get_compatibility(
            avro.schema.parse(json.dumps(reader.expanded)),
            avro.schema.parse(json.dumps(writer.expanded)),
        )
        if result.compatibility is not SchemaCompatibilityType.compatible:
            kinds = ", ".join(sorted({k.value for k in result.incompatibilities}))
            problems.append(
                f"{writer.name}: {kinds} at {', '.join(sorted(result.locations))} "
                f"({'; '.join(sorted(result.messages))})"
            )
    return problems


def raw_at_revision(schemas_dir: Path, revision: str) -> dict[str, dict[str, Any]]:
    """The ``.avsc`` files of ``schemas_dir`` as they were at a git revision."""
    repo = Path(_git(schemas_dir, "rev-parse", "--show-toplevel").strip())
    rel_dir = schemas_dir.resolve().relative_to(repo.resolve()).as_posix()
    listing = _git(repo, "ls-tree", "-r", "--name-only", revision, "--", rel_dir)
    raw = {}
    for path in listing.splitlines():
        if path.endswith(".avsc"):
            text = _git(repo, "show", f"{revision}:{path}")
            raw[path[len(rel_dir) + 1 :]] = json.loads(text)
    if not raw:
        raise SchemaError(f"no schemas under {rel_dir}/ at revision {revision}")
    return raw


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise SchemaError(f"git {' '.join(args)} failed: {detail.strip()}") from exc
    return done.stdout


def check_against(schemas_dir: Path, baseline: str) -> list[str]:
    """Problems of the working schemas against a baseline: a directory or a git revision."""
    new = entries_from_raw(read_schema_dir(schemas_dir))
    base_dir = Path(baseline)
    old_raw = (
        read_schema_dir(base_dir) if base_dir.is_dir() else raw_at_revision(schemas_dir, baseline)
    )
    return backward_problems(entries_from_raw(old_raw), new)
