"""Plain JSON <-> Avro datums: ISO dates and times in, ISO dates and times out."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from pipeline.errors import SchemaError
from pipeline.language import Text
from pipeline.messages import signals as msg

_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "int": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "string": (str,),
    "bytes": (str,),
}


class JsonInputError(SchemaError):
    """A JSON document does not fit its Avro schema; the message names the field."""


def from_json(schema: Any, value: Any, path: str = "") -> Any:
    """Turn plain JSON (ISO-8601 dates and times, unions without tags) into an Avro datum."""
    if isinstance(schema, list):
        return _from_union(schema, value, path)
    if isinstance(schema, str):
        return _from_primitive(schema, value, path)
    logical = schema.get("logicalType")
    kind = schema["type"]
    if logical == "date":
        return _parse(dt.date.fromisoformat, value, path, msg.a_date())
    if logical == "timestamp-millis":
        stamp = _parse(dt.datetime.fromisoformat, value, path, msg.a_time())
        if stamp.tzinfo is None:
            raise JsonInputError(str(msg.time_zone(path)))
        return stamp
    if logical == "uuid":
        return _parse(uuid.UUID, value, path, msg.a_uuid())
    if kind == "record":
        return _from_record(schema, value, path)
    if kind == "enum":
        if value not in schema["symbols"]:
            raise JsonInputError(str(msg.not_a_symbol(path, value, list(schema["symbols"]))))
        return value
    if kind == "array":
        if not isinstance(value, list):
            raise JsonInputError(str(msg.expected_list(path)))
        return [from_json(schema["items"], item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise JsonInputError(str(msg.expected_object(path)))
        return {k: from_json(schema["values"], v, f"{path}.{k}") for k, v in value.items()}
    return from_json(kind, value, path)


def _from_record(schema: dict[str, Any], value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JsonInputError(str(msg.expected_object(path or schema["name"])))
    names = {f["name"] for f in schema["fields"]}
    unknown = sorted(set(value) - names)
    if unknown:
        raise JsonInputError(
            str(msg.unknown_fields(path or schema["name"], unknown, sorted(names)))
        )
    out: dict[str, Any] = {}
    for field in schema["fields"]:
        name = field["name"]
        sub = f"{path}.{name}" if path else name
        if name in value:
            out[name] = from_json(field["type"], value[name], sub)
        elif "default" in field:
            out[name] = field["default"]
        else:
            raise JsonInputError(str(msg.missing_field(sub)))
    return out


def _from_union(branches: list[Any], value: Any, path: str) -> Any:
    if value is None:
        if "null" in branches:
            return None
        raise JsonInputError(str(msg.not_null(path)))
    problems = []
    for branch in branches:
        if branch == "null":
            continue
        try:
            return from_json(branch, value, path)
        except JsonInputError as exc:
            problems.append(str(exc))
    raise JsonInputError("; ".join(problems))


def _from_primitive(name: str, value: Any, path: str) -> Any:
    allowed = _PRIMITIVES.get(name)
    if allowed is None:
        raise JsonInputError(str(msg.unsupported(path, name)))
    if isinstance(value, bool) and name != "boolean":
        raise JsonInputError(str(msg.wrong_kind(path, name, "bool")))
    if not isinstance(value, allowed):
        raise JsonInputError(str(msg.wrong_kind(path, name, type(value).__name__)))
    return value


def _parse(parser: Any, value: Any, path: str, expected: Text) -> Any:
    if not isinstance(value, str):
        raise JsonInputError(str(msg.not_parsed(path, expected, None)))
    try:
        return parser(value)
    except ValueError as exc:
        raise JsonInputError(str(msg.not_parsed(path, expected, value))) from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | bytes):
        return str(value) if isinstance(value, uuid.UUID) else value.hex()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")


def to_json(datum: Any, indent: int | None = None) -> str:
    """A decoded Avro datum as JSON text, dates and times in ISO-8601."""
    return json.dumps(datum, default=_json_default, ensure_ascii=False, indent=indent)
