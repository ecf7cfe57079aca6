"""Checks across rules and across covenants, naming every file and line involved: one field
given two treatments, a linkage domain whose member can re-identify the others, and (as a
warning) two covenants whose areas overlap."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.covenant.fields import ENVELOPE_DEFAULTS
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling
from pipeline.covenant.scope import area_of, overlap_of
from pipeline.messages import covenant as msg
from pipeline.places.municipalities import labels
from pipeline.places.police_units import unit_name
from pipeline.privacy.normalise import identifier_type
from pipeline.registry import Registry

#: Treatments that hand an identifier over readably (to the recipient).
READABLE = frozenset({Behandeling.DOORGEVEN, Behandeling.VERSLEUTELD})
#: Kinds of identifier with which a member of a linkage domain recognises a person.
IDENTIFYING = frozenset({"bsn", "naam"})


def _field_loc(loaded: LoadedCovenant, index: int, path: str) -> tuple[str | int, ...]:
    rule = loaded.model.regels[index]
    return ("regels", index, "velden", path) if path in rule.velden else ("regels", index, "id")


def treatment_conflicts(loaded: LoadedCovenant) -> list[str]:
    """Two rules of one covenant that give one recipient one field of one source's signals in
    two ways (a rule that does not name an envelope field gives it its standard treatment)."""
    chosen: dict[tuple[str, str, str, str], tuple[Behandeling, int]] = {}
    problems = []
    for index, rule in enumerate(loaded.model.regels):
        fields = {p: Behandeling(t) for p, t in ENVELOPE_DEFAULTS.items()} | dict(rule.velden)
        for path, treatment in fields.items():
            if treatment is Behandeling.WEGLATEN:
                continue
            for recipient in rule.ontvangers:
                for source in rule.bronnen:
                    key = (source, rule.signaaltype, recipient, path)
                    other = chosen.setdefault(key, (treatment, index))
                    if other[0] is treatment:
                        continue
                    earlier = loaded.model.regels[other[1]]
                    where = loaded.source.where(_field_loc(loaded, index, path))
                    text = msg.conflicting_treatments(
                        path,
                        rule.signaaltype,
                        source,
                        recipient,
                        earlier.id,
                        loaded.source.line(_field_loc(loaded, other[1], path)),
                        other[0].value,
                        treatment.value,
                        ENVELOPE_DEFAULTS.get(path),
                    )
                    problems.append(f"{where}: {msg.in_rule(rule.id, index + 1)}: {text}")
    return sorted(set(problems), key=problems.index)


def _readable_identifiers(
    covenants: list[LoadedCovenant],
) -> dict[str, dict[str, tuple[LoadedCovenant, int, str]]]:
    """Per recipient: identifier kinds it receives readably anywhere, with (covenant, rule
    index, field)."""
    found: dict[str, dict[str, tuple[LoadedCovenant, int, str]]] = {}
    for loaded in covenants:
        for index, rule in enumerate(loaded.model.regels):
            for path, treatment in rule.velden.items():
                kind = identifier_type(path)
                if treatment in READABLE and kind in IDENTIFYING:
                    for recipient in rule.ontvangers:
                        found.setdefault(recipient, {}).setdefault(kind, (loaded, index, path))
    return found


def domain_problems(covenants: list[LoadedCovenant]) -> list[str]:
    """Members of a shared linkage domain share pseudonyms and event references. One that also
    receives a person's BSN or name readably, under this covenant or another, can re-identify
    every other member's views: refused, unless the covenant names that member under
    ``herleidbaar_door`` with a reason. The message names the other rule's file and line."""
    readable = _readable_identifiers(covenants)
    problems = []
    for loaded in covenants:
        kop = loaded.model.convenant
        for name, domain in kop.koppeldomeinen.items():
            if len(domain.partijen) < 2:  # a domain of one party: no one else to re-identify
                continue
            for i, member in enumerate(domain.partijen):
                if member in domain.herleidbaar_door:
                    continue
                for kind, (other, index, path) in readable.get(member, {}).items():
                    rule = other.model.regels[index]
                    there = other.source.where(("regels", index, "velden", path))
                    text = msg.readable_in_domain(
                        member, name, kind, other.model.convenant.id, rule.id, there
                    )
                    where = loaded.source.where(
                        ("convenant", "koppeldomeinen", name, "partijen", i)
                    )
                    problems.append(f"{where}: {text}")
    return problems


def _recipients(loaded: LoadedCovenant) -> set[str]:
    return {r for rule in loaded.model.regels for r in rule.ontvangers}


def _kinds(loaded: LoadedCovenant, registry: Registry) -> set[str]:
    return {str(p.soort) for p in (registry.get(r) for r in _recipients(loaded)) if p is not None}


def area_overlaps(
    covenants: list[LoadedCovenant], registry: Registry, others: Sequence[LoadedCovenant] = ()
) -> list[str]:
    """What is allowed but worth a second look: covenants whose areas overlap for the same
    kind of recipient (a signal there reaches both covenants' recipients), naming the
    municipalities (code and name) where. ``others``: covenants not being checked that the
    checked ones are compared with too (the rest of the directory when one file is checked)."""
    found = []
    pairs = [(a, b) for i, a in enumerate(covenants) for b in covenants[i + 1 :]]
    pairs += [(a, b) for a in covenants for b in others]
    for first, second in pairs:
        a, b = first.model.convenant, second.model.convenant
        if a.id == b.id:
            continue
        area_a, area_b = area_of(a), area_of(b)
        if area_a is not None and area_b is not None and not area_a.overlaps(area_b):
            continue
        kinds = _kinds(first, registry) & _kinds(second, registry)
        if not kinds:
            continue
        shared = overlap_of(area_a, area_b)
        places = (
            msg.overlap_places([], [])
            if shared.everywhere
            else msg.overlap_places(
                labels(shared.municipalities), [unit_name(u) for u in sorted(shared.police_units)]
            )
        )
        text = msg.areas_overlap(
            a.id,
            b.id,
            second.source.where(("convenant", "werkgebied")),
            str(places),
            ", ".join(sorted(kinds)),
        )
        found.append(f"{first.source.where(('convenant', 'werkgebied'))}: {text}")
    return found
