"""Whom an inzage is about: the log ids one person has, under every version of the log's key.

The log names a person only by a pseudonym of its own domain (privacy.references.log_subject):
by BSN when the signal had one, else by name and birth date together. The FG, holding the
verantwoording key (all versions), computes the same pseudonyms from what the person gives, and
looks for exactly those. A re-identification is logged under the pseudonym of what was
re-identified: a BSN, or one part of a name (given names, or surname).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.privacy.keyring import KeyVersion
from pipeline.privacy.normalise import normalise_bsn, normalise_name
from pipeline.privacy.references import subject_ids
from pipeline.privacy.subjects import BY_BSN, BY_NAME_AND_BIRTH, by_name_and_birth


@dataclass(frozen=True)
class Person:
    """The log ids of one person: of disclosures, and of re-identifications."""

    asked: str
    id_type: str
    ids: frozenset[str]
    reidentified: frozenset[str]


def by_bsn(bsn: str, versions: tuple[KeyVersion, ...]) -> Person:
    """The person with this BSN (refused when it fails the 11-check)."""
    digits = normalise_bsn(bsn)
    ids = frozenset(subject_ids("bsn", digits, versions))
    return Person(digits, BY_BSN, ids, ids)


def name_parts(names: str) -> list[str]:
    """Every way a full name splits into given names and surname, both halves: what a
    reversible pseudonym of ``voornamen`` or of ``achternaam`` may have held."""
    words = normalise_name(names).split(" ")
    halves = {" ".join(words[:i]) for i in range(1, len(words) + 1)}
    halves |= {" ".join(words[i:]) for i in range(len(words))}
    return sorted(h for h in halves if h)


def by_name(names: str, born: dt.date, versions: tuple[KeyVersion, ...]) -> Person:
    """The person with this name and birth date (for people without a BSN)."""
    ids = frozenset(subject_ids("naam", by_name_and_birth(names, born), versions))
    parts = frozenset(i for part in name_parts(names) for i in subject_ids("naam", part, versions))
    return Person(f"{names} ({born.isoformat()})", BY_NAME_AND_BIRTH, ids, parts)


def either(first: Person, second: Person) -> Person:
    """Lines under either identity: the log names someone by BSN when a signal had one, else
    by name and birth date, so an inzage asks for both."""
    return Person(
        f"{first.asked}, {second.asked}",
        f"{first.id_type}, {second.id_type}",
        first.ids | second.ids,
        first.reidentified | second.reidentified,
    )
