"""Validation errors of a YAML file's structure, said in the writer's terms (no validator jargon).

Each pydantic error becomes one message at the file:line:column of its value, named by what it
belongs to (``regel R5``, not ``regels.4``), with what to write instead: ``5 jaar`` is answered
with ``P5Y``, ``versie: 2026.10`` with quotes, ``nee`` with ``false``, a misspelt key or value
with the nearest one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import ErrorDetails

from pipeline.language import Text
from pipeline.messages import structure as msg

Loc = tuple[str | int, ...]
#: Names the thing a location belongs to ("regel R5"), or None for the file's top level.
Describe = Callable[[Any, Loc], Text | None]
#: Adds a hint for a key the format does not know, given its location (or None).
KeyHint = Callable[[Any, Loc], Text | None]

_NUMBERS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "anderhalf": 0,
}  # fmt: skip
_UNITS = {
    "jaar": "Y", "jaren": "Y", "year": "Y", "years": "Y", "j": "Y", "y": "Y",
    "maand": "M", "maanden": "M", "month": "M", "months": "M", "m": "M",
    "week": "W", "weken": "W", "weeks": "W", "w": "W",
    "dag": "D", "dagen": "D", "day": "D", "days": "D", "d": "D",
}  # fmt: skip
_ORDER = "YMWD"


def proposed_duration(text: str) -> str | None:
    """``5 jaar`` -> ``P5Y``, ``1 jaar en 6 maanden`` -> ``P1Y6M``, ``p5y`` -> ``P5Y``; else None."""
    words = text.strip().lower()
    if re.fullmatch(r"p?(\d+[ymwd])+", words):
        return "P" + words.removeprefix("p").upper()
    if words.startswith("anderhalf"):
        words = words.replace("anderhalf", "1 jaar en 6 maanden", 1) if "jaar" in words else words
    parts = re.findall(r"(\d+|[a-zé]+)\s*([a-z]+)", words.replace(",", " ").replace(" en ", " "))
    found: dict[str, int] = {}
    for amount, unit in parts:
        number = int(amount) if amount.isdigit() else _NUMBERS.get(amount)
        letter = _UNITS.get(unit)
        if not number or letter is None or letter in found:
            return None
        found[letter] = number
    if not found:
        return None
    return "P" + "".join(f"{found[u]}{u}" for u in _ORDER if u in found)


def suggestion(word: str, options: Sequence[str]) -> str | None:
    """The closest option, also across case (``signaal`` -> ``Signaal``), or None."""
    by_lower = {o.lower(): o for o in options}
    if word.lower() in by_lower:
        return by_lower[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def _options(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def real_loc(data: Any, loc: Sequence[Any], missing: bool) -> Loc:
    """The location in the data, without pydantic's names for the branches of a union."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list | tuple) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            out.append(part)
        elif isinstance(part, str) and (missing or (last and not _is_branch(part))):
            out.append(part)
        elif isinstance(part, str) and _is_branch(part):
            continue
        else:
            out.append(part)
    return tuple(out)


def _is_branch(part: str) -> bool:
    """pydantic names union branches like ``literal['landelijk']`` or ``function-after[...]``."""
    return "[" in part or (part[:1].isupper() and part.isidentifier())


def _input_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "ja/nee"
    if isinstance(value, int | float):
        return "getal"
    if hasattr(value, "isoformat"):
        return "datum"
    return "tekst"


def _shown(raw: str | None, value: Any) -> str:
    if raw is not None:
        return raw
    if value is None:
        return "niets"
    return str(value)


def _lowercase_only(pattern: str) -> bool:
    """True for an id pattern that refuses capitals (a partner id), not a covenant's ids."""
    try:
        return re.fullmatch(pattern, "abc") is not None and re.fullmatch(pattern, "Abc") is None
    except re.error:
        return False


def problem_text(
    err: ErrorDetails, loc: Loc, raw: str | None, data: Any, allowed_keys: list[str]
) -> Text | None:
    """The message for one validation error (None: covered by another error of the same value)."""
    kind = err["type"]
    value = err.get("input")
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    shown = _shown(raw, value)
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return msg.missing(key)
    if kind == "extra_forbidden":
        return msg.unknown_key(key, suggestion(key, allowed_keys), allowed_keys)
    if kind == "string_type":
        if value is None:
            return msg.text_too_short(key)
        if isinstance(value, dict | list):
            return msg.other(key, err["msg"])
        return msg.not_text(key, shown, _input_kind(value))
    if kind in ("bool_parsing", "bool_type"):
        return msg.not_yes_no(key, shown)
    if kind.startswith(("int_", "float_", "decimal_")) or kind in ("int_type", "float_type"):
        return msg.not_number(key, shown)
    if kind.startswith(("date_", "datetime_")):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown.strip()):
            return None  # written as a date that does not exist: said once, by the syntax check
        return msg.not_date(key, shown)
    if kind == "enum":
        options = _options(str(ctx.get("expected", "")))
        if len(loc) >= 2 and loc[-2] == "velden":
            return msg.unknown_treatment(key, shown, suggestion(shown, options), options)
        return msg.not_one_of(key, shown, suggestion(shown, options), options)
    if kind == "literal_error":
        if isinstance(value, dict):
            return None  # the block's own errors say what is wrong in it
        options = _options(str(ctx.get("expected", "")))
        if key == "werkgebied":
            return msg.area_word(shown, suggestion(shown, options))
        return msg.not_one_of(key, shown, suggestion(shown, options), options)
    if kind == "string_pattern_mismatch":
        if "P(" in str(ctx.get("pattern", "")):
            return msg.duration(key, shown, proposed_duration(str(value)))
        if _lowercase_only(str(ctx.get("pattern", ""))):
            proposal = re.sub(r"[^a-z0-9]+", "-", shown.lower()).strip("-") or "gemeente-breda"
            return msg.partner_identifier(key, shown, proposal)
        return msg.identifier(key, shown)
    if kind == "too_short":
        return msg.text_too_short(key) if isinstance(value, str) else msg.empty(key)
    if kind in ("dict_type", "model_type", "mapping_type"):
        if isinstance(value, str) and key == "werkgebied":
            return None  # the literal branch says it better
        return msg.empty_block(key) if value is None else msg.not_block(key, shown)
    if kind in ("list_type", "tuple_type", "set_type", "frozen_set_type"):
        return msg.empty_block(key) if value is None else msg.not_list(key, shown)
    if kind == "value_error":
        return Text(str(ctx.get("error", err["msg"])), str(ctx.get("error", err["msg"])))
    return msg.other(key, err["msg"])
