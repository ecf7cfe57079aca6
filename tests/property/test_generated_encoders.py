"""Generated encoders (codec.generated) write exactly the bytes fastavro writes, for random
records of every schema the router meets: views, the disclosure log and its register, signals,
statistics. And a record that does not fit is refused, never written half. Both forms: the
generated source (interpreted) and the plans (codec.plans, what the compiled core runs)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.codec.generated import source_encoder
from pipeline.codec.plans import plan_encoder
from pipeline.errors import CodecError

FORMS = pytest.mark.parametrize("make", [source_encoder, plan_encoder], ids=["source", "plan"])
CHECK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def records_of(schema: Any, named: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Random values that fit an (expanded) Avro schema."""
    named = {} if named is None else named
    if isinstance(schema, list):
        return st.one_of(*(records_of(branch, named) for branch in schema))
    if isinstance(schema, str):
        if schema in named:
            return records_of(named[schema], named)
        return _primitive(schema, None)
    kind, logical = schema["type"], schema.get("logicalType")
    if kind == "record":
        named[schema["name"]] = schema
        return st.fixed_dictionaries(
            {f["name"]: records_of(f["type"], named) for f in schema["fields"]}
        )
    if kind == "enum":
        named[schema["name"]] = schema
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        return st.lists(records_of(schema["items"], named), max_size=4)
    if kind == "map":
        return st.dictionaries(_TEXT, records_of(schema["values"], named), max_size=3)
    if kind == "fixed":
        named[schema["name"]] = schema
        return st.binary(min_size=schema["size"], max_size=schema["size"])
    return _primitive(kind, logical)


def _primitive(kind: str, logical: str | None) -> st.SearchStrategy[Any]:
    if kind == "int" and logical == "date":
        return st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1))
    if kind == "long" and logical in ("timestamp-millis", "timestamp-micros"):
        return st.datetimes(
            dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
        )
    if kind == "string" and logical == "uuid":
        return st.uuids().map(str)
    return {
        "null": st.none(),
        "boolean": st.booleans(),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**63), 2**63 - 1),
        "float": st.floats(width=32, allow_nan=False),
        "double": st.floats(allow_nan=False),
        "string": _TEXT,
        "bytes": st.binary(max_size=8),
    }[kind]


def _schemas(policy) -> list:
    return sorted(policy.store, key=lambda e: e.name)


def _fastavro(entry, datum) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, entry.parsed, datum, strict=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def schemas(policy):
    chosen = [e for e in _schemas(policy) if e.kind in ("view", "log", "signal")]
    assert {e.kind for e in chosen} == {"view", "log", "signal"}
    return chosen


@FORMS
@CHECK
@given(data=st.data())
def test_generated_bytes_equal_fastavros_for_every_schema(schemas, make, data):
    entry = data.draw(st.sampled_from(schemas), label="schema")
    datum = data.draw(records_of(entry.expanded), label="record")
    assert make(entry.expanded)(datum) == _fastavro(entry, datum)


@FORMS
@CHECK
@given(data=st.data())
def test_a_record_that_does_not_fit_is_refused(schemas, make, data):
    entry = data.draw(st.sampled_from(schemas), label="schema")
    datum = dict(data.draw(records_of(entry.expanded), label="record"))
    field = data.draw(st.sampled_from(sorted(datum)), label="field")
    broken = data.draw(st.sampled_from(["drop", "extra", "wrong type"]), label="how")
    if broken == "drop":
        del datum[field]
    elif broken == "extra":
        datum["no_such_field"] = 1
    else:
        datum[field] = object()
    with pytest.raises(CodecError, match="does not fit"):
        make(entry.expanded)(datum)
