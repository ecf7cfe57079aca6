"""Backward compatibility of schema changes, judged by the official Avro implementation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from pipeline.codec.schema_store import SchemaEntry, entries_from_raw, read_schema_dir
from pipeline.errors import KetenstroomError, SchemaError
from pipeline.git_revision import files_at_revision


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
    try:
        files = files_at_revision(schemas_dir, revision, ".avsc")
    except KetenstroomError as exc:
        raise SchemaError(str(exc)) from exc
    return {rel: json.loads(text) for rel, text in files.items()}


def check_against(schemas_dir: Path, baseline: str) -> list[str]:
    """Problems of the working schemas against a baseline: a directory or a git revision."""
    new = entries_from_raw(read_schema_dir(schemas_dir))
    base_dir = Path(baseline)
    old_raw = (
        read_schema_dir(base_dir) if base_dir.is_dir() else raw_at_revision(schemas_dir, baseline)
    )
    return backward_problems(entries_from_raw(old_raw), new)
