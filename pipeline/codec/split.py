"""Encode records whose last fields repeat: the head per record, the tail's bytes once.

An Avro record's body is its fields' encodings one after the other, so a record can be written
as the encoding of its leading fields followed by the encoding of the trailing ones. The
disclosure log's trailing fields (the grants that allowed a view, and the reason) are the same
for every signal a view plan discloses under the same grants; encoding them once per plan and
grant set instead of once per record halves the cost of a log record.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import fastavro

from pipeline.codec.framing import MAGIC, encode_body
from pipeline.codec.schema_store import SchemaEntry


class SplitEncoder:
    """Single-object encoding of ``entry`` records as head fields + cached tail bytes."""

    def __init__(self, entry: SchemaEntry, first_tail_field: str) -> None:
        fields = entry.expanded["fields"]
        names = [f["name"] for f in fields]
        cut = names.index(first_tail_field)
        # expanded: every named type is defined inline, so each part stands on its own
        self.entry = entry
        self.tail_fields = tuple(names[cut:])
        self._head = _part(entry, fields[:cut], "Head")
        self._tail = _part(entry, fields[cut:], "Tail")
        self._tails: dict[Hashable, bytes] = {}

    def tail(self, key: Hashable, values: Callable[[], dict[str, Any]]) -> bytes:
        """The tail's bytes for ``key``; ``values()`` gives the tail fields the first time."""
        cached = self._tails.get(key)
        if cached is None:
            cached = self._tails.setdefault(key, encode_body(self._tail, values(), self.entry.name))
        return cached

    @property
    def tails_cached(self) -> int:
        """How many distinct tails were encoded (one per key)."""
        return len(self._tails)

    def encode(self, head: dict[str, Any], tail: bytes) -> bytes:
        """One record: the head fields of ``head`` and the tail bytes from ``tail()``."""
        return (
            MAGIC + self.entry.fingerprint + encode_body(self._head, head, self.entry.name) + tail
        )


def _part(entry: SchemaEntry, fields: list[dict[str, Any]], suffix: str) -> Any:
    return fastavro.parse_schema(
        {"type": "record", "name": f"{entry.name}{suffix}", "fields": fields}
    )
