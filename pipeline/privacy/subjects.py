"""Who a signal is about, as the disclosure log records it (dpl.core.data_subject_id).

A signal's data subject is its ``slachtoffer``. The log identifies the subject by the strongest
identity the signal gives: the BSN when there is one, else name and birth date together (many
victims of trafficking have no BSN), else the name alone (a name with an address, or a name
only). Always pseudonymised in the log's own domain (privacy.references.RouterKeys.subject).
A signal without a person (an inspection) has no data subject.

The address never becomes part of the id: an FG rarely has the address as a signal wrote it
(victims are often housed by who exploits them, and move), while a person asking knows their
own name. A name alone is not unique: a lookup by name finds namesakes too (docs/verantwoording.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.privacy.normalise import normalise_bsn, normalise_name

SUBJECT = "slachtoffer"
#: data_subject_id_type of each identity, strongest first.
BY_BSN = "BSN"
BY_NAME_AND_BIRTH = "naam+geboortedatum"
BY_NAME = "naam"
#: The pseudonym kind (its own HMAC key) of each identity in the log's domain. A name alone has
#: a kind of its own, so no name, however it is written, shares an id with a name and birth date.
KIND_OF = {BY_BSN: "bsn", BY_NAME_AND_BIRTH: "naam", BY_NAME: "naam-alleen"}


def by_name_and_birth(names: str, born: dt.date) -> str:
    """The normalised form of a name with a birth date: one person however it is written."""
    return f"{normalise_name(names)}|{born.isoformat()}"


def full_name(person: dict[str, Any]) -> str:
    """Given names and surname as one text (either may be missing)."""
    return " ".join(n for n in (person.get("voornamen"), person.get("achternaam")) if n)


def data_subject(datum: dict[str, Any]) -> tuple[str, str, str] | None:
    """(id type for the log, pseudonym kind, normalised identifier) of a signal's subject."""
    person = datum.get(SUBJECT)
    if not isinstance(person, dict):
        return None
    if person.get("bsn"):
        return BY_BSN, KIND_OF[BY_BSN], normalise_bsn(str(person["bsn"]))
    written = full_name(person)
    names = normalise_name(written)
    if not names:
        return None  # no name that names anyone (only spaces or invisible characters)
    born = person.get("geboortedatum")
    if isinstance(born, dt.date):
        return BY_NAME_AND_BIRTH, KIND_OF[BY_NAME_AND_BIRTH], by_name_and_birth(written, born)
    return BY_NAME, KIND_OF[BY_NAME], names
