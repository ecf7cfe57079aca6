"""Whom an inzage is about: the log ids one person has, under every version of the log's key.

The log names a person only by a pseudonym of its own domain (privacy.references.log_subject):
by BSN when the signal had one, else by name and birth date together, else by the name alone.
The FG, holding the verantwoording key (all versions), computes the same pseudonyms from what
the person gives, and looks for exactly those; each id remembers which identity it stands for,
so every line found says how it was found. A re-identification is logged under the pseudonym
of what was re-identified: a BSN, or one part of a name (given names, or surname).

A name alone is no unique identity: a lookup by name finds every line about someone of that
name without a BSN or birth date in the signal, namesakes included (docs/verantwoording.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.privacy.keyring import KeyVersion
from pipeline.privacy.normalise import normalise_bsn, normalise_name
from pipeline.privacy.references import subject_ids
from pipeline.privacy.subjects import (
    BY_BSN,
    BY_NAME,
    BY_NAME_AND_BIRTH,
    KIND_OF,
    by_name_and_birth,
)

#: How a re-identification line was found: by a part of the name that was re-identified.
BY_NAME_PART = "deel van de naam"


@dataclass(frozen=True)
class Person:
    """The log ids of one person, each with the identity it stands for: of disclosures, and of
    re-identifications."""

    asked: str
    id_type: str
    found_by: Mapping[str, str]
    reidentified_by: Mapping[str, str]

    @property
    def ids(self) -> frozenset[str]:
        """The log ids of the person's disclosures."""
        return frozenset(self.found_by)

    @property
    def reidentified(self) -> frozenset[str]:
        """The log ids of re-identifications of the person."""
        return frozenset(self.reidentified_by)


def _ids(identity: str, normalised: str, versions: tuple[KeyVersion, ...]) -> dict[str, str]:
    return dict.fromkeys(subject_ids(KIND_OF[identity], normalised, versions), identity)


def by_bsn(bsn: str, versions: tuple[KeyVersion, ...]) -> Person:
    """The person with this BSN (refused when it fails the 11-check)."""
    digits = normalise_bsn(bsn)
    ids = _ids(BY_BSN, digits, versions)
    return Person(digits, BY_BSN, ids, ids)


def name_parts(names: str) -> list[str]:
    """Every way a full name splits into given names and surname, both halves: what a
    reversible pseudonym of ``voornamen`` or of ``achternaam`` may have held."""
    words = normalise_name(names).split(" ")
    halves = {" ".join(words[:i]) for i in range(1, len(words) + 1)}
    halves |= {" ".join(words[i:]) for i in range(len(words))}
    return sorted(h for h in halves if h)


def _parts(names: str, versions: tuple[KeyVersion, ...]) -> dict[str, str]:
    # a re-identified name field is logged under the kind of its pseudonym: naam
    return {
        i: BY_NAME_PART for part in name_parts(names) for i in subject_ids("naam", part, versions)
    }


def by_name(names: str, born: dt.date | None, versions: tuple[KeyVersion, ...]) -> Person:
    """The person with this name: with a birth date, the lines that name them by name and
    birth date, and those that name someone by this name alone (who may be a namesake);
    without, only the latter."""
    alone = _ids(BY_NAME, normalise_name(names), versions)
    if born is None:
        return Person(names, BY_NAME, alone, _parts(names, versions))
    with_birth = _ids(BY_NAME_AND_BIRTH, by_name_and_birth(names, born), versions)
    return Person(
        f"{names} ({born.isoformat()})",
        f"{BY_NAME_AND_BIRTH}, {BY_NAME}",
        {**alone, **with_birth},
        _parts(names, versions),
    )


def either(first: Person, second: Person) -> Person:
    """Lines under either identity: the log names someone by BSN when a signal had one, else
    by name (and birth date), so an inzage asks for every identity the FG has."""
    return Person(
        f"{first.asked}, {second.asked}",
        f"{first.id_type}, {second.id_type}",
        {**first.found_by, **second.found_by},
        {**first.reidentified_by, **second.reidentified_by},
    )
