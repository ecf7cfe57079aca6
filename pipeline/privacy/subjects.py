"""Who a signal is about, as the disclosure log records it (dpl.core.data_subject_id).

A signal's data subject is its ``slachtoffer``. The log identifies the subject by the BSN when
there is one, else by name and birth date together (many victims of trafficking have no BSN),
always pseudonymised in the log's own domain (privacy.references.RouterKeys.subject). A signal
without a person (an inspection) has no data subject.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.privacy.normalise import normalise_bsn, normalise_name

SUBJECT = "slachtoffer"
BY_BSN = "BSN"
BY_NAME_AND_BIRTH = "naam+geboortedatum"


def by_name_and_birth(names: str, born: dt.date) -> str:
    """The normalised form of a name with a birth date: one person however it is written."""
    return f"{normalise_name(names)}|{born.isoformat()}"


def data_subject(datum: dict[str, Any]) -> tuple[str, str, str] | None:
    """(id type for the log, pseudonym kind, normalised identifier) of a signal's subject."""
    person = datum.get(SUBJECT)
    if not isinstance(person, dict):
        return None
    if person.get("bsn"):
        return BY_BSN, "bsn", normalise_bsn(str(person["bsn"]))
    names = " ".join(n for n in (person.get("voornamen"), person.get("achternaam")) if n)
    born = person.get("geboortedatum")
    if names.strip() and isinstance(born, dt.date):
        return BY_NAME_AND_BIRTH, "naam", by_name_and_birth(names, born)
    return None
