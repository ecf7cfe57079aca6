"""Normalise identifiers before pseudonymising: the same person written differently, one pseudonym."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pipeline.errors import InvalidRecordError
from pipeline.signals.bsn import canonical_bsn, is_valid_bsn

_SPACES = re.compile(r"\s+")


def normalise_name(value: str) -> str:
    """Unicode NFKC, diacritics and invisible characters removed, case folded, whitespace
    collapsed: 'José  de Vries' = 'jose de vries' = 'Jose\u200b de Vries'."""
    decomposed = unicodedata.normalize("NFKD", value)
    visible = "".join(c for c in decomposed if c.isspace() or not _invisible(c))
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", visible).casefold()).strip()


def _invisible(char: str) -> bool:
    """Combining marks, format characters (zero-width, bidi controls, soft hyphen), controls."""
    return unicodedata.combining(char) != 0 or unicodedata.category(char) in {"Cf", "Cc"}


def normalise_bsn(value: str) -> str:
    """Nine digits; separators removed; an invalid BSN is refused, never pseudonymised."""
    digits = canonical_bsn(value)
    if not is_valid_bsn(digits):
        raise InvalidRecordError("a BSN to pseudonymise fails the 11-check")
    return digits


def identifier_type(path: str) -> str:
    """The kind of identifier a field holds, from its last name: bsn, naam, datum or tekst."""
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "bsn":
        return "bsn"
    if leaf in {"voornamen", "achternaam"}:
        return "naam"
    if "datum" in leaf:
        return "datum"
    return "tekst"


def normalise(kind: str, value: Any) -> str:
    """The canonical text of an identifier of the given kind."""
    if kind == "bsn":
        return normalise_bsn(str(value))
    if kind == "naam":
        return normalise_name(str(value))
    if kind == "datum" and isinstance(value, dt.date):
        return value.isoformat()
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()
