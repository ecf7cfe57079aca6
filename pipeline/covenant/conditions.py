"""Rule conditions (voorwaarden): checked against the schema, compiled to predicates. No eval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pipeline.covenant.fields import non_null
from pipeline.covenant.model import Voorwaarde
from pipeline.language import Text
from pipeline.legal_time import legal_day
from pipeline.messages import fields as fit
from pipeline.signals.validation import is_minor

Predicate = Callable[[dict[str, Any]], bool]
_NUMERIC = {"int", "long", "float", "double"}


def _kind(field_type: Any) -> tuple[str, Any]:
    """('enum', symbols) | ('array', item kind) | ('date', None) | ('timestamp', None) | (prim, None)."""
    inner, _ = non_null(field_type)
    if isinstance(inner, dict):
        if inner.get("logicalType") == "date":
            return "date", None
        if str(inner.get("logicalType", "")).startswith("timestamp"):
            return "timestamp", None
        if inner["type"] == "enum":
            return "enum", inner["symbols"]
        if inner["type"] == "array":
            return "array", _kind(inner["items"])
        return str(inner["type"]), None
    return str(inner), None


def check_condition(cond: Voorwaarde, leaves: dict[str, dict[str, Any]]) -> str | None:
    """What is wrong with a condition for this signal type, or None."""
    if cond.veld not in leaves:
        return str(fit.condition_unknown_field(cond.veld))
    kind, detail = _kind(leaves[cond.veld]["type"])
    element_kind, element_detail = detail if kind == "array" else (kind, detail)
    values = [cond.is_] if "is_" in cond.model_fields_set else list(cond.in_ or ())
    if values and element_kind == "enum":
        wrong = [v for v in values if v not in element_detail]
        if wrong:
            return str(
                fit.condition_value(cond.veld, ", ".join(map(str, wrong)), list(element_detail))
            )
    if cond.minderjarig is not None and kind != "date":
        return str(fit.condition_minor_needs_date(cond.veld))
    if (cond.vanaf is not None or cond.tot is not None) and kind not in _NUMERIC | {
        "date",
        "timestamp",
    }:
        return str(fit.condition_range_needs_number(cond.veld, kind))
    return None


def value_kind_problem(cond: Voorwaarde, leaves: dict[str, dict[str, Any]]) -> Text | None:
    """A value of ``is``/``in`` that can never equal what the field holds: ``is: ja`` on a
    true/false field (YAML reads ``ja`` as text), a word for a number, a number for a text.
    Such a condition silently never holds. (A value YAML read as true/false on a text field is
    said by the checker, with the quotes to add.)"""
    if cond.veld not in leaves:
        return None
    kind, detail = _kind(leaves[cond.veld]["type"])
    kind = detail[0] if kind == "array" else kind
    values = [cond.is_] if "is_" in cond.model_fields_set else list(cond.in_ or ())
    path = cond.veld
    if kind == "boolean":
        wrong = [v for v in values if not isinstance(v, bool)]
        return fit.condition_not_boolean(path, str(wrong[0])) if wrong else None
    if kind in _NUMERIC:
        wrong = [v for v in values if not isinstance(v, bool | int | float)]
        return fit.condition_not_number(path, str(wrong[0])) if wrong else None
    if kind == "string":
        wrong = [v for v in values if not isinstance(v, str | bool)]
        return fit.condition_not_text(path, str(wrong[0])) if wrong else None
    return None


def value_at(datum: dict[str, Any], path: str) -> Any:
    """The value at a dotted field path of a decoded record (None once a record on it is null)."""
    value: Any = datum
    for part in path.split("."):
        if value is None:
            return None
        value = value[part]
    return value


def _comparable(value: Any, bound: Any) -> Any:
    if (
        isinstance(value, dt.datetime)
        and isinstance(bound, dt.date)
        and not isinstance(bound, dt.datetime)
    ):
        return legal_day(value)  # a date bound is a Dutch day, as covenant validity is
    return value


def compile_condition(cond: Voorwaarde) -> Predicate:
    """A predicate over a decoded record; a missing (null) value never satisfies a condition."""
    path = cond.veld
    if "is_" in cond.model_fields_set:
        expected = cond.is_

        def is_(datum: dict[str, Any]) -> bool:
            value = value_at(datum, path)
            return (
                expected in value
                if isinstance(value, list)
                else value is not None and value == expected
            )

        return is_
    if cond.in_ is not None:
        allowed = frozenset(cond.in_)

        def in_(datum: dict[str, Any]) -> bool:
            value = value_at(datum, path)
            if isinstance(value, list):
                return any(v in allowed for v in value)
            return value is not None and value in allowed

        return in_
    if cond.minderjarig is not None:
        wanted = cond.minderjarig

        def minor(datum: dict[str, Any]) -> bool:
            born = value_at(datum, path)
            if born is None:
                return False
            return is_minor(born, legal_day(datum["envelope"]["occurred_at"])) is wanted

        return minor
    low, high = cond.vanaf, cond.tot

    def in_range(datum: dict[str, Any]) -> bool:
        value = value_at(datum, path)
        if value is None:
            return False
        if low is not None and _comparable(value, low) < low:
            return False
        return high is None or _comparable(value, high) < high

    return in_range


def all_of(conditions: tuple[Voorwaarde, ...]) -> Predicate | None:
    """One predicate for all conditions of a rule (None: the rule is unconditional)."""
    if not conditions:
        return None
    predicates = [compile_condition(c) for c in conditions]
    return lambda datum: all(p(datum) for p in predicates)


Gate = tuple[str, Any]


def equality_gate(conditions: tuple[Voorwaarde, ...]) -> Gate | None:
    """(field, value) when the conditions include ``field is value`` with a hashable value: a
    record can only satisfy them when that field holds (or, for a list, contains) the value.
    Lets the policy skip rules by lookup instead of testing each (see policy.Dispatch)."""
    for cond in conditions:
        if "is_" in cond.model_fields_set and cond.is_ is not None:
            try:
                hash(cond.is_)
            except TypeError:
                continue
            return cond.veld, cond.is_
    return None
