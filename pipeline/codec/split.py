"""Encode a record as consecutive groups of fields, so that a group shared by many records is
encoded once.

An Avro record's body is its fields' encodings one after the other, so a record can be written
as the encodings of consecutive field groups, joined. Outputs of one signal share a lot: every
view of it starts with the same envelope, and a disclosure-log record consists of fields that
are the same for every record of the event, fields that are the same for every record a view
plan discloses under the same grants, and only a span id of its own. Encoding each shared group
once is where most of the router's encoding time went (``make bench``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import fastavro
from fastavro.schema import to_parsing_canonical_form

from pipeline.codec.framing import MAGIC, encode_body, generated_encoder
from pipeline.codec.schema_store import SchemaEntry


class SplitEncoder:
    """Single-object encoding of ``entry`` records as groups of fields starting at ``starts``.

    ``starts`` are the positions of the fields that begin the second, third, ... group; the
    first group begins at field 0. A group may be empty (it encodes to no bytes).
    """

    def __init__(self, entry: SchemaEntry, starts: Sequence[int]) -> None:
        fields = entry.expanded["fields"]
        spans = list(itertools.pairwise([0, *starts, len(fields)]))
        if any(a > b for a, b in spans):
            raise ValueError(f"group starts {list(starts)} out of order for {entry.name}")
        # expanded: every named type is defined inline, so each group stands on its own
        self.entry = entry
        self.groups = tuple(tuple(f["name"] for f in fields[a:b]) for a, b in spans)
        self._parts = tuple(fastavro.parse_schema(_group_schema(fields[a:b])) for a, b in spans)
        self._generated = tuple(generated_encoder(_group_schema(fields[a:b])) for a, b in spans)
        self._prefix = MAGIC + entry.fingerprint
        self._cache: dict[tuple[int, Hashable], bytes] = {}

    def part(self, group: int, values: dict[str, Any]) -> bytes:
        """The bytes of one group; ``values`` holds exactly that group's fields."""
        generated = self._generated[group]
        if generated is None:
            return encode_body(self._parts[group], values, self.entry.name)
        return generated(values)

    def cached(self, group: int, key: Hashable, values: Callable[[], dict[str, Any]]) -> bytes:
        """The bytes of one group for ``key``, encoded from ``values()`` the first time only.

        The caller keys by what fixes the group's values; the cache grows with distinct keys.
        """
        found = self._cache.get((group, key))
        if found is None:
            found = self._cache.setdefault((group, key), self.part(group, values()))
        return found

    @property
    def cached_parts(self) -> int:
        """How many group encodings are held (one per group and key)."""
        return len(self._cache)

    def join(self, *parts: bytes) -> bytes:
        """One single-object-encoded record from the bytes of all its groups, in order."""
        return self._prefix + b"".join(parts)

    def group_canonical(self, group: int) -> str:
        """Parsing canonical form of one group: equal forms encode equal values identically."""
        return str(to_parsing_canonical_form(self._parts[group]))


def _group_schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    # The wrapper's name is not encoded; a fixed one makes equal groups' canonical forms equal.
    return {"type": "record", "name": "nl.ketenstroom.split.Group", "fields": fields}
