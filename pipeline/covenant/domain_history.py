"""A linkage domain's name is its key for good: a party that joins a domain one of its former
members has left would get that member's pseudonyms and references.

Pseudonym and reference keys derive from ``<covenant>/<koppeldomein>`` (covenant.rules
.domain_name), not from a version: that is what lets a domain's members keep linking across
versions. So a domain that loses a member and gains another, in one version or over several,
hands the newcomer the keys the former member used: the two can join their data about the
same person, which the new version keeps apart. Such a reuse needs a new name (every member
then gets new pseudonyms). Pure: compares covenant models against the published ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.covenant.model import Convenant
from pipeline.covenant.versions import VersionKey, key_of


@dataclass(frozen=True)
class DomainReuse:
    """``domain`` of ``covenant`` (proposed as ``versie``) takes in ``joined`` while
    ``left``, members in a version published before, are no longer in it."""

    covenant: str
    versie: str
    domain: str
    joined: tuple[str, ...]
    left: tuple[str, ...]


def domain_reuses(
    published: Mapping[VersionKey, Convenant], proposed: Sequence[Convenant]
) -> list[DomainReuse]:
    """Every koppeldomein of ``proposed`` that gains a party while a party it held in any
    published version of the same covenant is gone from it."""
    found = []
    for model in proposed:
        kop = model.convenant
        earlier = [
            m.convenant for k, m in published.items() if k[0] == kop.id and k != key_of(model)
        ]
        for name, domain in sorted(kop.koppeldomeinen.items()):
            ever = {
                p
                for e in earlier
                if name in e.koppeldomeinen
                for p in e.koppeldomeinen[name].partijen
            }
            now = set(domain.partijen)
            joined, left = now - ever, ever - now
            if ever and joined and left:
                found.append(
                    DomainReuse(
                        kop.id, kop.versie, name, tuple(sorted(joined)), tuple(sorted(left))
                    )
                )
    return found
