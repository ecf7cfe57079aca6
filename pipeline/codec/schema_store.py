"""Avro schemas by fingerprint: the signal schemas from disk plus derived view schemas."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import fastavro
from fastavro.schema import (
    SchemaParseException,
    UnknownType,
    fingerprint,
    to_parsing_canonical_form,
)

from pipeline.errors import SchemaError

SchemaKind = Literal["signal", "view", "log", "common"]
"""signal: inbound signal types; view: a recipient's derived view; log: internal records."""

_KIND_DIRS: dict[str, SchemaKind] = {"common": "common", "signalen": "signal", "ketenstroom": "log"}


@dataclass(frozen=True)
class SchemaEntry:
    """One Avro schema, ready for fastavro, identified by its CRC-64-AVRO fingerprint."""

    name: str
    kind: SchemaKind
    fingerprint: bytes
    canonical: str
    expanded: dict[str, Any]
    parsed: Any

    @cached_property
    def meaning(self) -> str:
        """What decides how a record of this schema decodes: the Parsing Canonical Form plus
        the logical types it drops (``int`` + ``date`` is a day, plain ``int`` a number).

        Docs and custom properties do not count: they change no decoded value, so a doc fix
        to a signal schema keeps its fingerprint and its place on the schema topic.
        """
        return self.canonical + json.dumps(logical_annotations(self.expanded), sort_keys=True)

    @property
    def short_name(self) -> str:
        """The record name without namespace (for signals: the event type)."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def fingerprint_hex(self) -> str:
        """The fingerprint as 16 hex characters, as it stands on the wire (little-endian)."""
        return self.fingerprint.hex()


#: The attributes of a logical type; Avro's Parsing Canonical Form drops every one of them.
_LOGICAL = ("logicalType", "precision", "scale")


def logical_annotations(schema: Any, path: str = "") -> list[list[Any]]:
    """Every logical type in an expanded schema with where it stands, in schema order:
    ``[path, {logicalType, precision, scale}]`` (what the fingerprint does not see)."""
    found: list[list[Any]] = []
    if isinstance(schema, list):
        for i, branch in enumerate(schema):
            found += logical_annotations(branch, f"{path}|{i}")
        return found
    if not isinstance(schema, dict):
        return found
    logical = {k: schema[k] for k in _LOGICAL if k in schema}
    if logical:
        found.append([path, logical])
    kind = schema.get("type")
    if kind == "record":
        for field in schema.get("fields", []):
            found += logical_annotations(field.get("type"), f"{path}.{field.get('name')}")
    elif kind == "array":
        found += logical_annotations(schema.get("items"), f"{path}[]")
    elif kind == "map":
        found += logical_annotations(schema.get("values"), f"{path}{{}}")
    elif isinstance(kind, (dict, list)):
        found += logical_annotations(kind, path)
    return found


def _plain(schema: Any) -> Any:
    """Schema JSON without fastavro's private bookkeeping keys (``__fastavro_parsed`` ...)."""
    if isinstance(schema, dict):
        return {k: _plain(v) for k, v in schema.items() if not k.startswith("__")}
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


def make_entry(
    schema: dict[str, Any], kind: SchemaKind, named: dict[str, Any] | None = None
) -> SchemaEntry:
    """Parse one schema (its named references resolved from ``named``) into a store entry."""
    try:
        expanded = _plain(
            fastavro.parse_schema(schema, named_schemas=dict(named or {}), expand=True)
        )
        parsed: Any = fastavro.parse_schema(expanded)
        canonical = to_parsing_canonical_form(parsed)
    except (SchemaParseException, UnknownType, ValueError, TypeError, KeyError) as exc:
        raise SchemaError(f"invalid Avro schema {schema.get('name', '?')!r}: {exc}") from exc
    if not isinstance(expanded, dict):
        raise SchemaError("a top-level schema must be a named record")
    return SchemaEntry(
        name=str(expanded["name"]),
        kind=kind,
        fingerprint=bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")),
        canonical=canonical,
        expanded=expanded,
        parsed=parsed,
    )


class SchemaStore:
    """Resolves fingerprints to schemas; knows the current version of each signal type."""

    def __init__(self, entries: Iterable[SchemaEntry] = ()) -> None:
        self._by_fingerprint: dict[bytes, SchemaEntry] = {}
        self._current: dict[str, SchemaEntry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: SchemaEntry, current: bool = True) -> SchemaEntry:
        """Register an entry; unless ``current`` is false it becomes its name's current version.

        Earlier versions stay decodable: their records are read into the current version
        (Avro schema resolution), so publishers can upgrade one by one. A fingerprint names
        one schema for ever: another schema under a known fingerprint (one whose logical types
        differ: the fingerprint does not see them) is a SchemaError; the same one again keeps
        the first.
        """
        known = self._by_fingerprint.get(entry.fingerprint)
        if known is not None:
            if known.meaning != entry.meaning:
                raise SchemaError(fingerprint_clash(known, entry))
            entry = known
        self._by_fingerprint[entry.fingerprint] = entry
        if current or entry.name not in self._current:
            self._current[entry.name] = entry
        return entry

    def reader_for(self, writer: SchemaEntry) -> SchemaEntry | None:
        """For an older signal version: the current version to read its records into.

        Views and log records are always read with exactly the schema they were written with.
        """
        if writer.kind != "signal":
            return None
        reader = self._current.get(writer.name)
        return None if reader is None or reader.fingerprint == writer.fingerprint else reader

    def get(self, fp: bytes) -> SchemaEntry | None:
        """The schema with this fingerprint, or None."""
        return self._by_fingerprint.get(fp)

    def current(self, name: str) -> SchemaEntry:
        """The current schema of a full or short name (e.g. ``Signaal``)."""
        entry = self._current.get(name) or self._current.get(f"nl.ketenstroom.{name}")
        if entry is None:
            raise SchemaError(f"unknown schema {name!r}; known: {', '.join(self.signal_types())}")
        return entry

    def signal_types(self) -> list[str]:
        """Short names of the inbound signal types."""
        return sorted(e.short_name for e in self._current.values() if e.kind == "signal")

    def __iter__(self) -> Iterator[SchemaEntry]:
        return iter(self._by_fingerprint.values())

    def __len__(self) -> int:
        return len(self._by_fingerprint)


def fingerprint_clash(known: SchemaEntry, other: SchemaEntry) -> str:
    """Why ``other`` may not take the fingerprint ``known`` has (operator's words)."""
    return (
        f"schema {other.name} has fingerprint {other.fingerprint_hex}, which already names "
        f"{known.name} with other logical types; a record carrying it would decode to other "
        "values. Give the new schema another name (view schemas carry the covenant version)"
    )


def clashes(entries: Iterable[SchemaEntry], held: SchemaStore) -> list[str]:
    """Why some of ``entries`` may not join ``held``: their fingerprint names another schema."""
    found = []
    for entry in entries:
        known = held.get(entry.fingerprint)
        if known is not None and known.meaning != entry.meaning:
            found.append(fingerprint_clash(known, entry))
    return found


def with_history(store: SchemaStore, published: Iterable[SchemaEntry]) -> SchemaStore:
    """A copy of ``store`` that also decodes earlier signal versions (from the schema topic)."""
    combined = SchemaStore(store)
    for entry in published:
        if entry.kind == "signal" and combined.get(entry.fingerprint) is None:
            combined.add(entry, current=False)
    return combined


def read_schema_dir(schemas_dir: Path) -> dict[str, dict[str, Any]]:
    """The raw JSON of every ``.avsc`` under ``schemas_dir``, keyed by relative path."""
    if not schemas_dir.is_dir():
        raise SchemaError(
            f"schema directory {schemas_dir} does not exist (KETENSTROOM_SCHEMAS_DIR)"
        )
    raw: dict[str, dict[str, Any]] = {}
    for path in sorted(schemas_dir.rglob("*.avsc")):
        rel = path.relative_to(schemas_dir).as_posix()
        try:
            raw[rel] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
            ) from exc
    return raw


def entries_from_raw(raw: dict[str, dict[str, Any]]) -> list[SchemaEntry]:
    """Parse raw schemas by folder kind; shared types in ``common/`` resolve in any order."""
    named: dict[str, Any] = {}
    pending = {rel: schema for rel, schema in raw.items() if rel.startswith("common/")}
    entries: list[SchemaEntry] = []
    while pending:
        progressed = False
        for rel, schema in list(pending.items()):
            try:
                entry = make_entry(schema, "common", named)
            except SchemaError as exc:
                if isinstance(exc.__cause__, UnknownType):
                    continue
                raise
            # Store the expanded form, so types nested in shared types expand too.
            named[entry.name] = entry.expanded
            entries.append(entry)
            del pending[rel]
            progressed = True
        if not progressed:
            raise SchemaError(f"unresolvable type references in {', '.join(sorted(pending))}")
    for rel, schema in raw.items():
        folder = rel.split("/", 1)[0]
        kind = _KIND_DIRS.get(folder)
        if kind is None:
            raise SchemaError(f"{rel}: schemas live in common/, signalen/ or ketenstroom/")
        if kind != "common":
            entries.append(make_entry(schema, kind, named))
    return entries


def load_store(schemas_dir: Path) -> SchemaStore:
    """A store holding every schema in ``schemas_dir``."""
    return SchemaStore(entries_from_raw(read_schema_dir(schemas_dir)))
