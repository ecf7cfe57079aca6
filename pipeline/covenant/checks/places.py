"""Conditions on a municipality field (``slachtoffer.adres.gemeentecode``, ``gemeentecode``):
each value must be a municipality of the CBS list. ``is: GM758`` or ``in: [GM9999]`` names no
municipality, so the rule would silently never hold for anyone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.covenant.fields import LOCATION_PROPERTY
from pipeline.covenant.model import Voorwaarde
from pipeline.covenant.scope import GEMEENTE
from pipeline.language import Text
from pipeline.messages import covenant as msg
from pipeline.places.municipalities import DIVISION, closest, known

Loc = tuple[str | int, ...]


def municipality_field(field: dict[str, Any]) -> bool:
    """True for a field that places a signal in a municipality (a CBS code)."""
    return field.get(LOCATION_PROPERTY) == GEMEENTE


def unknown_municipalities(
    cond: Voorwaarde, field: dict[str, Any], area: Iterable[str]
) -> list[tuple[Loc, Text]]:
    """(where, under the condition; message) per ``is``/``in`` value of a municipality field
    that the CBS list does not hold, with the municipality it most likely means (preferring
    the covenant's own ``area``); never a code that does not exist."""
    if not municipality_field(field):
        return []
    nearby = tuple(area)
    if "is_" in cond.model_fields_set:
        values: list[tuple[Loc, Any]] = [(("is",), cond.is_)]
    else:
        values = [(("in", i), v) for i, v in enumerate(cond.in_ or ())]
    found = []
    for at, value in values:
        if not isinstance(value, str) or known(value) is not None:
            continue  # a value of the wrong kind is said by the value-kind check
        hint = likely_municipality(value, nearby)
        found.append((at, msg.condition_not_a_municipality(cond.veld, value, DIVISION, hint)))
    return found


def likely_municipality(code: str, nearby: Iterable[str] = ()) -> Text:
    """"Did you mean" the municipality ``code`` most likely stands for (preferring ``nearby``,
    the covenant's own area), or nothing when none is close."""
    guess = closest(code, nearby)
    return msg.did_you_mean(f"{guess.code} ({guess.name})" if guess else None)
