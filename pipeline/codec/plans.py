"""Avro binary encoders as plans: the generic loop the compiled core runs instead of source.

``codec.generated`` writes Python source per schema, straight-line code the interpreter runs
fastest. Compiled by mypyc (pipeline/compiled/), a loop over a precomputed plan of the schema
(each field's name and kind, its union's branch bytes, its enum's symbol bytes) runs faster
still: each step a C comparison and call instead of bytecode (route() 0.91x the CPU of the
generated source, compiled; 1.07x interpreted: tests/benchmarks/README.md). Same bytes, same
errors: a property test holds both to fastavro's.
"""

from __future__ import annotations

import functools
import importlib.machinery
from collections.abc import Callable
from typing import Any, Final

from pipeline.codec.avro_binary import (
    SMALL,
    days,
    encode_bytes,
    encode_long,
    encode_text,
    encode_uuid,
    micros,
    millis,
    pack_double,
    pack_float,
)
from pipeline.errors import CodecError

#: Whether this module runs compiled: then codec.generated hands its encoders to the plans.
COMPILED: Final = __file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


# The kinds of value a plan writes (one comparison each in the compiled loop).
STRING: Final = 0
RECORD: Final = 1
LONG: Final = 2
ENUM: Final = 3
ARRAY: Final = 4
MILLIS: Final = 5
DATE: Final = 6
BOOLEAN: Final = 7
MICROS: Final = 8
UUID: Final = 9
MAP: Final = 10
DOUBLE: Final = 11
FLOAT: Final = 12
BYTES: Final = 13
FIXED: Final = 14
NULL: Final = 15


class Plan:
    """How to write one value of one Avro type: its kind and what that kind needs."""

    def __init__(self, kind: int) -> None:
        self.kind = kind
        #: [null, T]: the encodings of the two branch indexes (None: not such a union)
        self.null: bytes | None = None
        self.present = b""
        self.limit = 0  # int or long: values lie in [-limit, limit)
        self.size = 0  # fixed: its size
        self.symbols: dict[str, bytes] = {}  # enum: each symbol's encoding
        self.record: RecordPlan | None = None
        self.items: Plan | None = None  # array items, map values


class RecordPlan:
    """A record's fields in order, each with its plan."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.names: list[str] = []
        self.plans: list[Plan] = []


def _write(plan: Plan, v: Any, out: list[bytes]) -> None:
    if plan.null is not None:
        if v is None:
            out.append(plan.null)
            return
        out.append(plan.present)
    kind = plan.kind
    if kind == STRING:
        if not isinstance(v, str):
            raise ValueError("not a string")
        raw = v.encode()
        size = len(raw)
        out.append(SMALL[size] if size < 256 else encode_long(size))
        out.append(raw)
    elif kind == RECORD:
        assert plan.record is not None
        _write_record(plan.record, v, out)
    elif kind == LONG:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("not an integer")
        if not -plan.limit <= v < plan.limit:
            raise ValueError("out of range")
        out.append(encode_long(v))
    elif kind == ENUM:
        out.append(plan.symbols[v])
    elif kind in (ARRAY, MAP):
        assert plan.items is not None
        if v:
            out.append(encode_long(len(v)))
            if kind == ARRAY:
                for item in v:
                    _write(plan.items, item, out)
            else:
                for key, item in v.items():
                    out.append(encode_text(key))
                    _write(plan.items, item, out)
        out.append(b"\x00")
    elif kind == MILLIS:
        out.append(encode_long(millis(v)))
    elif kind == DATE:
        out.append(encode_long(days(v)))
    elif kind == BOOLEAN:
        if not isinstance(v, bool):
            raise ValueError("not a boolean")
        out.append(b"\x01" if v else b"\x00")
    elif kind == MICROS:
        out.append(encode_long(micros(v)))
    elif kind == UUID:
        out.append(encode_uuid(v))
    elif kind == DOUBLE:
        out.append(pack_double(v))
    elif kind == FLOAT:
        out.append(pack_float(v))
    elif kind == BYTES:
        out.append(encode_bytes(v))
    elif kind == FIXED:
        if len(v) != plan.size:
            raise ValueError("fixed of the wrong size")
        out.append(v)
    elif v is not None:  # NULL
        raise ValueError("not null")


def _write_record(record: RecordPlan, d: Any, out: list[bytes]) -> None:
    # exactly the schema's fields, as fastavro's strict writer demands: none dropped
    if len(d) != len(record.names):
        raise ValueError("fields other than the schema has")
    for i, name in enumerate(record.names):
        _write(record.plans[i], d[name], out)


class _Planner:
    """Makes the plan of a schema; each named type is planned once and shared."""

    def __init__(self) -> None:
        self._records: dict[str, RecordPlan] = {}
        self._types: dict[str, Any] = {}  # every named type met, by full name

    def record(self, schema: dict[str, Any]) -> RecordPlan:
        full = schema["name"]
        if full in self._records:
            return self._records[full]
        record = self._records[full] = RecordPlan(full)
        self._types[full] = schema
        for field in schema["fields"]:
            record.names.append(field["name"])
            record.plans.append(self.value(field["type"]))
        return record

    def value(self, schema: Any) -> Plan:
        if isinstance(schema, list):
            return self.union(schema)
        if isinstance(schema, str):
            if schema in self._types:  # a reference to a named type defined before
                return self.value(self._types[schema])
            return self.primitive(schema, None)
        kind = schema["type"]
        if kind == "record":
            plan = Plan(RECORD)
            plan.record = self.record(schema)
            return plan
        if kind == "enum":
            self._types[schema["name"]] = schema
            plan = Plan(ENUM)
            plan.symbols = {s: encode_long(i) for i, s in enumerate(schema["symbols"])}
            return plan
        if kind in ("array", "map"):
            plan = Plan(ARRAY if kind == "array" else MAP)
            plan.items = self.value(schema["items" if kind == "array" else "values"])
            return plan
        if kind == "fixed":
            self._types[schema["name"]] = schema
            plan = Plan(FIXED)
            plan.size = int(schema["size"])
            return plan
        return self.primitive(kind, schema.get("logicalType"))

    def primitive(self, kind: str, logical: str | None) -> Plan:
        if (kind, logical) in _LOGICAL:
            return Plan(_LOGICAL[(kind, logical)])
        if kind in ("int", "long"):
            plan = Plan(LONG)
            plan.limit = 2**31 if kind == "int" else 2**63
            return plan
        if kind in _PRIMITIVE:
            return Plan(_PRIMITIVE[kind])
        raise CodecError("encode_failed", f"no generated encoding for Avro type {kind!r}")

    def union(self, branches: list[Any]) -> Plan:
        others = [b for b in branches if b != "null"]
        if "null" in branches and len(others) == 1:
            plan = self.value(others[0])  # a plan of its own: only record plans are shared
            plan.null = encode_long(branches.index("null"))
            plan.present = encode_long(branches.index(others[0]))
            return plan
        raise CodecError("encode_failed", "a union other than [null, T] is not generated")


_LOGICAL: dict[tuple[str, str | None], int] = {
    ("int", "date"): DATE,
    ("long", "timestamp-millis"): MILLIS,
    ("long", "timestamp-micros"): MICROS,
    ("string", "uuid"): UUID,
}
_PRIMITIVE: dict[str, int] = {
    "null": NULL,
    "boolean": BOOLEAN,
    "float": FLOAT,
    "double": DOUBLE,
    "string": STRING,
    "bytes": BYTES,
}


def plan_encoder(schema: dict[str, Any]) -> Callable[[dict[str, Any]], bytes]:
    """An encoder of record bodies for an expanded record ``schema``, as
    ``codec.generated.generate_encoder`` makes one (the same bytes, the same errors), written
    by the plan of ``schema``."""
    record = _Planner().record(schema)
    return refusing_misfits(functools.partial(_write_record, record), schema["name"])


def refusing_misfits(
    write: Callable[[Any, list[bytes]], None], label: str
) -> Callable[[dict[str, Any]], bytes]:
    """An encoder from ``write`` (which appends a record's parts to a list): the parts joined;
    a record that does not fit schema ``label`` raises CodecError (encode_failed)."""

    def encode(datum: dict[str, Any]) -> bytes:
        out: list[bytes] = []
        try:
            write(datum, out)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise CodecError(
                "encode_failed", f"record does not fit schema {label}: {type(exc).__name__}"
            ) from exc
        return b"".join(out)

    return encode
