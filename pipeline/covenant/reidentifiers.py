"""Who may re-identify (``convenant.herleiders``): the covenant checks, and which herleider a
signed request may come from for a reversible pseudonym's linkage domain. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling, Herleider, Kop
from pipeline.covenant.rules import domain_name
from pipeline.language import Text
from pipeline.messages import covenant as msg


def herleider_problems(loaded: LoadedCovenant) -> list[tuple[tuple[str | int, ...], Text]]:
    """(location, message) of each mistake in a covenant's herleiders."""
    kop = loaded.model.convenant
    found: list[tuple[tuple[str | int, ...], Text]] = []
    names: set[str] = set()
    keys: set[str] = set()
    for i, person in enumerate(kop.herleiders):
        if person.namens not in kop.partijen:
            found.append(
                (
                    ("convenant", "herleiders", i, "namens"),
                    msg.reidentifier_not_party(person.naam, person.namens),
                )
            )
        if person.naam.casefold() in names or person.publieke_sleutel in keys:
            found.append((("convenant", "herleiders", i), msg.reidentifier_twice(person.naam)))
        names.add(person.naam.casefold())
        keys.add(person.publieke_sleutel)
    return found


def herleider_warnings(covenants: Iterable[LoadedCovenant]) -> list[str]:
    """Herleiders for a party that no rule gives a reversible pseudonym (nothing to re-identify),
    and reversible pseudonyms for a party that no herleider acts for (no one may)."""
    found = []
    for loaded in covenants:
        kop = loaded.model.convenant
        reversible = {
            r
            for rule in loaded.model.regels
            if Behandeling.PSEUDONIEM_HERLEIDBAAR in rule.velden.values()
            for r in rule.ontvangers
        }
        for i, person in enumerate(kop.herleiders):
            if person.namens in kop.partijen and person.namens not in reversible:
                where = loaded.source.where(("convenant", "herleiders", i))
                found.append(
                    f"{where}: {msg.reidentifier_without_pseudonyms(person.naam, person.namens)}"
                )
        # the other way round: a reversible pseudonym that no one may re-identify is a weaker
        # pseudoniem (the router's key reverses it) for nothing
        for index, rule in enumerate(loaded.model.regels):
            for path, treatment in rule.velden.items():
                if treatment is not Behandeling.PSEUDONIEM_HERLEIDBAAR:
                    continue
                for party in rule.ontvangers:
                    if not entitled(kop, domain_name(kop, party)):
                        where = loaded.source.where(("regels", index, "velden", path))
                        text = msg.reversible_without_reidentifier(rule.id, path, party)
                        found.append(f"{where}: {text}")
    return found


def domain_members(kop: Kop, domain: str) -> set[str]:
    """The parties whose linkage domain is ``domain`` (``<covenant>/<name>``) under ``kop``."""
    return {p for p in kop.partijen if domain_name(kop, p) == domain}


def covenant_of(domain: str) -> str:
    """The covenant id a linkage domain belongs to (``<covenant>/<name>``)."""
    return domain.partition("/")[0]


def entitled(kop: Kop, domain: str) -> tuple[Herleider, ...]:
    """The herleiders of ``kop`` who may re-identify a pseudonym of ``domain``: they act for a
    party of that domain (a pseudonym a party received is re-identified on its behalf only)."""
    if covenant_of(domain) != kop.id:
        return ()
    members = domain_members(kop, domain)
    return tuple(h for h in kop.herleiders if h.namens in members)


def herleider_changes(covenant: str, was: Kop, now: Kop) -> list[Text]:
    """Who may newly, or no longer, re-identify, and whose key changed (for `convenant diff`)."""
    before = {h.naam: h for h in was.herleiders}
    after = {h.naam: h for h in now.herleiders}
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None and new is not None:
            out.append(msg.herleider_added(covenant, name, new.namens))
        elif new is None and old is not None:
            out.append(msg.herleider_removed(covenant, name, old.namens))
        elif old is not None and new is not None and old != new:
            out.append(msg.herleider_changed(covenant, name, new.namens))
    return out
