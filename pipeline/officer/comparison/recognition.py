"""What a change cannot take back: a recipient that received a person's name or BSN beside a
pseudonym of that person has learnt which pseudonym is whom. When a new version withdraws the
name and keeps the pseudonym in the same linkage domain, every later signal about anyone it
saw before still names that person for it: the memo must not read as a narrowing that holds
for them.

A pseudonym is keyed to its linkage domain, and a domain belongs to a covenant, not to one of
its versions (``<covenant>/<koppeldomein>``, pipeline.covenant.rules.domain_name): only a
domain of another name gives new pseudonyms. Pure: reads two PolicyFacts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.covenant.checks.consistency import IDENTIFYING, READABLE
from pipeline.covenant.model import Behandeling
from pipeline.officer.comparison.facts import FieldCover, PolicyFacts
from pipeline.privacy.normalise import identifier_type

_PSEUDONYMS = frozenset({Behandeling.PSEUDONIEM, Behandeling.PSEUDONIEM_HERLEIDBAAR})


@dataclass(frozen=True)
class StillRecognisable:
    """For ``recipient``, signals of ``signal_type``: the new version no longer gives the
    readable identifiers ``withdrawn`` of one person (the fields under ``person``), but keeps
    pseudonyms ``pseudonyms`` in ``domain`` of the kind it received beside them before: of that
    person, or anywhere else it gets one without a readable identifier (then named with the
    signal type, when another: ``slachtoffer.bsn (Verwijzing)``)."""

    recipient: str
    signal_type: str
    person: str
    withdrawn: tuple[str, ...]
    pseudonyms: tuple[str, ...]
    domain: str
    since: dt.date


@dataclass
class _Person:
    """What one recipient receives of one person (the fields under one parent path) in one
    signal type."""

    readable: set[str]
    #: pseudonym field -> (kind of identifier, treatment, linkage domain): the three that decide
    #: its value (pipeline.privacy.pseudonyms; a reversible one is another value)
    pseudonyms: dict[str, tuple[str, str, str]]
    since: dt.date


def _people(covers: Iterable[FieldCover]) -> dict[tuple[str, str, str], _Person]:
    people: dict[tuple[str, str, str], _Person] = {}
    for cover in covers:
        person, _, _leaf = cover.field.rpartition(".")
        kind = identifier_type(cover.field)
        key = (cover.recipient, cover.signal_type, person)
        seen = people.setdefault(key, _Person(set(), {}, cover.scope.valid_from))
        seen.since = max(seen.since, cover.scope.valid_from)
        if cover.treatment in READABLE and kind in IDENTIFYING:
            seen.readable.add(cover.field)
        elif cover.treatment in _PSEUDONYMS:
            seen.pseudonyms[cover.field] = (kind, cover.treatment, cover.domain)
    return people


def still_recognisable(before: PolicyFacts, after: PolicyFacts) -> list[StillRecognisable]:
    """Every person (per recipient and signal type) whose readable identifiers a change
    withdraws while a pseudonym the recipient already learnt to read stays, there or in any
    other signal the recipient receives without a readable identifier."""
    was, now = _people(before.fields), _people(after.fields)
    # (recipient, kind, treatment, domain): pseudonyms the recipient received beside a readable
    # identifier of the same person, so it can tell whom each such pseudonym stands for
    learnt: set[tuple[str, ...]] = {
        (recipient, *made)
        for (recipient, _type, _person), seen in was.items()
        if seen.readable
        for made in seen.pseudonyms.values()
    }
    found = []
    for key, old in sorted(was.items()):
        seen = now.get(key)
        if not old.readable or (seen is not None and seen.readable):
            continue
        recipient, signal_type, person = key
        kept = _kept(now, key, learnt)
        for domain in sorted({d for d, _ in kept.values()}):
            found.append(
                StillRecognisable(
                    recipient,
                    signal_type,
                    person,
                    tuple(sorted(old.readable)),
                    tuple(sorted(p for p, (d, _) in kept.items() if d == domain)),
                    domain,
                    max(since for d, since in kept.values() if d == domain),
                )
            )
    return found


def _kept(
    now: dict[tuple[str, str, str], _Person],
    withdrawn: tuple[str, str, str],
    learnt: set[tuple[str, ...]],
) -> dict[str, tuple[str, dt.date]]:
    """The learnt pseudonyms the recipient of ``withdrawn`` still receives, -> (domain, since):
    beside the withdrawn identifiers, and wherever else it receives one without a readable
    identifier (another person, another signal type: the same value in the same domain), named
    with that signal type when it is another."""
    recipient, signal_type, _person = withdrawn
    kept: dict[str, tuple[str, dt.date]] = {}
    for key, seen in sorted(now.items(), key=lambda item: item[0] != withdrawn):
        if key[0] != recipient or (key != withdrawn and seen.readable):
            continue
        for path, made in sorted(seen.pseudonyms.items()):
            if (recipient, *made) in learnt:
                label = path if key[1] == signal_type else f"{path} ({key[1]})"
                kept.setdefault(label, (made[-1], seen.since))
    return kept
