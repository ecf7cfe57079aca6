"""Avro binary encoders generated per schema: straight-line code for one record type.

fastavro's writer is general: for every value it looks up the field's type and, for a union,
tries each branch until one fits. A view or log schema is fixed when the policy compiles, so
the router generates, once per schema, a function that writes exactly that schema's fields in
order, each with the one encoding its type has (a nullable field: one ``is None`` test). The
bytes are those of the Avro specification, identical to fastavro's (a property test compares
them on random records of every view schema). Field names and enum symbols enter the generated
source only as ``repr()`` literals: a schema cannot inject code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.codec import plans
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

Encoder = Callable[[dict[str, Any]], bytes]


_HELPERS: dict[str, Any] = {
    "_long": encode_long,
    "_text": encode_text,
    "_bytes": encode_bytes,
    "_millis": millis,
    "_micros": micros,
    "_days": days,
    "_uuid": encode_uuid,
    "_DOUBLE": pack_double,
    "_FLOAT": pack_float,
    "_SMALL": SMALL,
    "ValueError": ValueError,
    "isinstance": isinstance,
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "len": len,
}


class _Generator:
    """Writes the source of one encoder; each named type becomes a function of its own."""

    def __init__(self) -> None:
        self.functions: dict[str, list[str]] = {}
        self.constants: dict[str, Any] = {}
        self._named: dict[str, str] = {}  # record name -> its function
        self._types: dict[str, dict[str, Any]] = {}  # every named type met, by full name
        self._counter = 0

    def _fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def constant(self, value: Any) -> str:
        name = self._fresh("_c")
        self.constants[name] = value
        return name

    def record(self, schema: dict[str, Any]) -> str:
        """The name of the function that writes a record of ``schema`` to a list ``out``."""
        full = schema["name"]
        if full in self._named:
            return self._named[full]
        name = self._fresh("_record")
        self._named[full] = name
        self._types[full] = schema
        size = len(schema["fields"])
        body = [
            f"def {name}(d, out):",
            "    append = out.append",
            # exactly the schema's fields, as fastavro's strict writer demands: none dropped
            f"    if len(d) != {size}: raise ValueError('fields other than the schema has')",
        ]
        for field in schema["fields"]:
            value = self._fresh("v")
            body.append(f"    {value} = d[{field['name']!r}]")
            body += ["    " + line for line in self.value(field["type"], value)]

        self.functions[name] = body
        return name

    def value(self, schema: Any, var: str) -> list[str]:
        """Lines that append the encoding of ``var`` (of type ``schema``) to ``out``."""
        if isinstance(schema, list):
            return self.union(schema, var)
        if isinstance(schema, str):
            if schema in self._types:  # a reference to a named type defined before
                return self.value(self._types[schema], var)
            return self.primitive(schema, None, var)
        kind = schema["type"]
        logical = schema.get("logicalType")
        if kind == "record":
            return [f"{self.record(schema)}({var}, out)"]
        if kind == "enum":
            self._types[schema["name"]] = schema
            index = self.constant({s: encode_long(i) for i, s in enumerate(schema["symbols"])})
            return [f"append({index}[{var}])"]
        if kind == "array":
            item = self._fresh("i")
            lines = [
                f"if {var}:",
                f"    append(_long(len({var})))",
                f"    for {item} in {var}:",
            ]
            lines += ["        " + line for line in self.value(schema["items"], item)]
            return [*lines, "append(b'\\x00')"]
        if kind == "map":
            key, item = self._fresh("k"), self._fresh("i")
            lines = [
                f"if {var}:",
                f"    append(_long(len({var})))",
                f"    for {key}, {item} in {var}.items():",
                f"        append(_text({key}))",
            ]
            lines += ["        " + line for line in self.value(schema["values"], item)]
            return [*lines, "append(b'\\x00')"]
        if kind == "fixed":
            self._types[schema["name"]] = schema
            size = int(schema["size"])
            return [
                f"if len({var}) != {size}: raise ValueError('fixed of the wrong size')",
                f"append({var})",
            ]
        return self.primitive(kind, logical, var)

    def primitive(self, kind: str, logical: str | None, var: str) -> list[str]:
        if kind == "null":
            return [f"if {var} is not None: raise ValueError('not null')"]
        if kind == "boolean":
            return [
                f"if not isinstance({var}, bool): raise ValueError('not a boolean')",
                f"append(b'\\x01' if {var} else b'\\x00')",
            ]
        if kind == "int" and logical == "date":
            return [f"append(_long(_days({var})))"]
        if kind == "long" and logical == "timestamp-millis":
            return [f"append(_long(_millis({var})))"]
        if kind == "long" and logical == "timestamp-micros":
            return [f"append(_long(_micros({var})))"]
        if kind in ("int", "long"):
            limit = 2**31 if kind == "int" else 2**63
            return [
                f"if isinstance({var}, bool) or not isinstance({var}, int): raise ValueError('not an integer')",
                f"if not -{limit} <= {var} < {limit}: raise ValueError('out of range')",
                f"append(_long({var}))",
            ]
        if kind == "float":
            return [f"append(_FLOAT({var}))"]
        if kind == "double":
            return [f"append(_DOUBLE({var}))"]
        if kind == "string" and logical == "uuid":
            return [f"append(_uuid({var}))"]
        if kind == "string":
            raw, size = self._fresh("r"), self._fresh("n")
            return [  # _text, inline: a view or log line holds dozens of strings
                f"if not isinstance({var}, str): raise ValueError('not a string')",
                f"{raw} = {var}.encode()",
                f"{size} = len({raw})",
                f"append(_SMALL[{size}] if {size} < 256 else _long({size}))",
                f"append({raw})",
            ]
        if kind == "bytes":
            return [f"append(_bytes({var}))"]
        raise CodecError("encode_failed", f"no generated encoding for Avro type {kind!r}")

    def union(self, branches: list[Any], var: str) -> list[str]:
        others = [b for b in branches if b != "null"]
        if "null" in branches and len(others) == 1:
            null = encode_long(branches.index("null"))
            value = encode_long(branches.index(others[0]))
            lines = [
                f"if {var} is None:",
                f"    append({null!r})",
                "else:",
                f"    append({value!r})",
            ]
            return lines + ["    " + line for line in self.value(others[0], var)]
        raise CodecError("encode_failed", "a union other than [null, T] is not generated")


def generate_encoder(schema: dict[str, Any]) -> Encoder:
    """An encoder of record bodies for an expanded record ``schema`` (every named type defined
    at its first use, as fastavro's ``expand=True`` gives). Raises CodecError for a type it
    does not generate; the encoder itself raises CodecError (encode_failed) for a misfit.

    Compiled (pipeline/compiled/), the same encoder as a plan (codec.plans): faster there."""
    if plans.COMPILED:
        return plans.plan_encoder(schema)
    return source_encoder(schema)


def source_encoder(schema: dict[str, Any]) -> Encoder:
    """The encoder as generated source (what ``generate_encoder`` gives interpreted)."""
    generator = _Generator()
    top = generator.record(schema)
    source = "\n".join(line for body in generator.functions.values() for line in body)
    namespace: dict[str, Any] = {**_HELPERS, **generator.constants}
    exec(compile(source, f"<encoder {schema['name']}>", "exec"), namespace)
    return plans.refusing_misfits(namespace[top], schema["name"])
