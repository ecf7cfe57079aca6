"""Checks of covenant files against the partner registry and the schemas, with file:line:column."""

from __future__ import annotations

import difflib
from typing import Any

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.conditions import check_condition
from pipeline.covenant.fields import (
    ENVELOPE_NEVER,
    REFERENCE_PROPERTY,
    grantable_paths,
    group_paths,
    leaf_paths,
    marked_paths,
)
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import (
    CATEGORY_PROPERTY,
    Behandeling,
    Categorie,
    Convenant,
    Kop,
    Regel,
    Werkgebied,
)
from pipeline.covenant.scope import area_of
from pipeline.covenant.statistics_check import check_statistics, statistics_warnings
from pipeline.privacy.normalise import identifier_type
from pipeline.privacy.treatments import applicable
from pipeline.registry import Registry
from pipeline.yaml_source import YamlSource

_ARTICLE = {Categorie.BIJZONDER: "AVG art. 9", Categorie.STRAFRECHTELIJK: "AVG art. 10"}
#: Treatments that hand an identifier over readably (to the recipient).
READABLE = frozenset({Behandeling.DOORGEVEN, Behandeling.VERSLEUTELD})
#: Kinds of identifier with which a member of a linkage domain recognises a person.
IDENTIFYING = frozenset({"bsn", "naam"})


def suggest(word: str, options: list[str]) -> str:
    """'; did you mean X?' for the closest option, or nothing."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


class _Checker:
    """Collects every problem of a covenant with its file:line:column."""

    def __init__(self, registry: Registry, store: SchemaStore) -> None:
        self.registry = registry
        self.store = store
        self.problems: list[str] = []

    def problem(self, source: YamlSource, loc: tuple[str | int, ...], message: str) -> None:
        self.problems.append(f"{source.where(loc)}: {message}")

    def check_covenant(self, loaded: LoadedCovenant) -> None:
        model, source = loaded.model, loaded.source
        for i, party in enumerate(model.convenant.partijen):
            if self.registry.get(party) is None:
                self.problem(
                    source,
                    ("convenant", "partijen", i),
                    f"party {party!r} is not in the partner registry (deelnemers.yaml)"
                    + suggest(party, self.registry.ids),
                )
        self.check_area(model.convenant, source)
        in_domain: dict[str, str] = {}
        for name, domain in model.convenant.koppeldomeinen.items():
            if self.registry.get(name) is not None:
                self.problem(
                    source,
                    ("convenant", "koppeldomeinen", name),
                    f"koppeldomein {name!r} heeft de naam van een deelnemer; kies een andere naam, "
                    "zodat het niet met het eigen domein van die deelnemer verward kan worden",
                )
            for party in domain.herleidbaar_door:
                if party not in domain.partijen:
                    self.problem(
                        source,
                        ("convenant", "koppeldomeinen", name, "herleidbaar_door", party),
                        f"{party!r} staat bij herleidbaar_door van koppeldomein {name} maar is "
                        "geen partij in dat domein",
                    )
            for i, party in enumerate(domain.partijen):
                where = ("convenant", "koppeldomeinen", name, "partijen", i)
                if party not in model.convenant.partijen:
                    self.problem(source, where, f"{party!r} in koppeldomein {name} is not a party")
                elif party in in_domain:
                    self.problem(
                        source,
                        where,
                        f"{party!r} is in two koppeldomeinen: {in_domain[party]} and {name}",
                    )
                in_domain[party] = name
        seen: set[str] = set()
        for index, rule in enumerate(model.regels):
            if rule.id in seen:
                self.problem(source, ("regels", index, "id"), f"rule id {rule.id} appears twice")
            seen.add(rule.id)
            self.check_rule(model, source, index, rule)
        check_statistics(loaded, self.registry, self.store, self.problem)

    def check_rule(self, model: Convenant, source: YamlSource, index: int, rule: Regel) -> None:
        at = ("regels", index)
        kop = model.convenant
        if rule.doel not in kop.doelen:
            self.problem(
                source,
                (*at, "doel"),
                f"doel {rule.doel!r} in rule {rule.id} is not defined under convenant.doelen"
                + suggest(rule.doel, list(kop.doelen)),
            )
        if rule.grondslag not in kop.grondslagen:
            self.problem(
                source,
                (*at, "grondslag"),
                f"grondslag {rule.grondslag!r} in rule {rule.id} is not defined under "
                "convenant.grondslagen" + suggest(rule.grondslag, list(kop.grondslagen)),
            )
        for key, role in (("bronnen", "publiceert"), ("ontvangers", "ontvangt")):
            for i, party in enumerate(getattr(rule, key)):
                partner = self.registry.get(party)
                if party not in kop.partijen:
                    self.problem(
                        source,
                        (*at, key, i),
                        f"{party!r} in rule {rule.id} is not a party to this covenant; add it to "
                        "convenant.partijen" + suggest(party, list(kop.partijen)),
                    )
                elif partner is not None and not getattr(partner, role):
                    self.problem(
                        source,
                        (*at, key, i),
                        f"{party!r} in rule {rule.id}: the registry says {role}: false",
                    )
        if rule.signaaltype not in self.store.signal_types():
            self.problem(
                source,
                (*at, "signaaltype"),
                f"unknown signal type {rule.signaaltype!r} in rule {rule.id}; known: "
                + ", ".join(self.store.signal_types()),
            )
            return
        schema = self.store.current(rule.signaaltype).expanded
        leaves = grantable_paths(schema)
        groups = group_paths(schema)
        references = marked_paths(schema, REFERENCE_PROPERTY)
        for path, treatment in rule.velden.items():
            where = (*at, "velden", path)
            if path in ENVELOPE_NEVER:
                self.problem(
                    source,
                    where,
                    f"regel {rule.id}: {path} verlaat de router nooit (het is een kenmerk dat de "
                    "bron maakte en waarmee ontvangers hun gegevens zouden kunnen koppelen); elke "
                    "view krijgt een eigen referentie (envelope.event_ref). Haal deze regel weg",
                )
                continue
            if path in references and treatment not in (
                Behandeling.DOORGEVEN,
                Behandeling.WEGLATEN,
            ):
                self.problem(
                    source,
                    where,
                    f"regel {rule.id}: {path} verwijst naar een eerder signaal; de ontvanger krijgt "
                    "het als eigen referentie. Kies doorgeven of weglaten",
                )
                continue
            if path in groups:
                members = ", ".join(p for p in leaves if p.startswith(f"{path}."))
                self.problem(
                    source,
                    where,
                    f"{path} in rule {rule.id} is a group of fields; name each field: {members}",
                )
            elif path not in leaves:
                self.problem(
                    source,
                    where,
                    f"unknown field {path} in rule {rule.id}"
                    + suggest(path, list(leaves))
                    + f" ({rule.signaaltype} fields: see `ketenstroom schemas fields {rule.signaaltype}`)",
                )
            if path in leaves and treatment is not Behandeling.WEGLATEN:
                wrong = applicable(treatment, path, leaves[path]["type"])
                if wrong:
                    self.problem(source, where, f"rule {rule.id}: {wrong}")
                self.check_category(kop, source, where, rule, path, leaves[path])
        for j, cond in enumerate(rule.voorwaarden):
            wrong = check_condition(cond, leaves)
            if wrong:
                self.problem(source, (*at, "voorwaarden", j, "veld"), f"rule {rule.id}: {wrong}")
            elif cond.veld in leaves:
                # Receiving the view tells the recipient the condition held: it discloses it.
                self.check_category(
                    kop,
                    source,
                    (*at, "voorwaarden", j, "veld"),
                    rule,
                    cond.veld,
                    leaves[cond.veld],
                    by_condition=True,
                )

    def check_area(self, kop: Kop, source: YamlSource) -> None:
        """Police units of an area must be ones the signals know."""
        if not isinstance(kop.werkgebied, Werkgebied):
            return
        units: set[str] = set()
        for signal_type in self.store.signal_types():
            field = leaf_paths(self.store.current(signal_type).expanded).get("politie_eenheid")
            if field is not None:
                units |= set(_symbols(field["type"]))
        for i, unit in enumerate(kop.werkgebied.politie_eenheden):
            if units and unit not in units:
                self.problem(
                    source,
                    ("convenant", "werkgebied", "politie_eenheden", i),
                    f"politie-eenheid {unit!r} bestaat niet"
                    + suggest(unit, sorted(units))
                    + f" (bekend: {', '.join(sorted(units))})",
                )

    def check_category(
        self,
        kop: Kop,
        source: YamlSource,
        where: tuple[str | int, ...],
        rule: Regel,
        path: str,
        field: dict[str, Any],
        by_condition: bool = False,
    ) -> None:
        """Special-category (art. 9) and criminal (art. 10) data need a basis that allows them;
        a field a condition tests counts as disclosed (the view's arrival reveals it)."""
        basis = kop.grondslagen.get(rule.grondslag)
        if basis is None:
            return  # reported as an undefined grondslag already
        needed = [Categorie(c) for c in field.get(CATEGORY_PROPERTY, [])]
        missing = [c for c in needed if c not in basis.staat_toe]
        if missing and by_condition:
            names = ", ".join(f"{c.value} ({_ARTICLE[c]})" for c in missing)
            self.problem(
                source,
                where,
                f"regel {rule.id} heeft een voorwaarde op {path}, dat {names} gegevens bevat: wie "
                f"de view ontvangt, weet dat de voorwaarde klopt. Grondslag {rule.grondslag!r} "
                f"staat dat niet toe; kies een grondslag waarvan staat_toe "
                f"{', '.join(c.value for c in missing)} noemt, of haal de voorwaarde weg",
            )
        elif missing:
            names = ", ".join(f"{c.value} ({_ARTICLE[c]})" for c in missing)
            self.problem(
                source,
                where,
                f"rule {rule.id} discloses {path}, which holds {names} data, under grondslag "
                f"{rule.grondslag!r}, which does not allow it; use a grondslag whose staat_toe "
                f"lists {', '.join(c.value for c in missing)}, or weglaten",
            )


def _symbols(field_type: Any) -> list[str]:
    for branch in field_type if isinstance(field_type, list) else [field_type]:
        if isinstance(branch, dict) and branch.get("type") == "enum":
            return list(branch["symbols"])
    return []


def _readable_identifiers(covenants: list[LoadedCovenant]) -> dict[str, dict[str, tuple[str, str]]]:
    """Per recipient: identifier kinds it receives readably anywhere, with (covenant, rule)."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for loaded in covenants:
        for rule in loaded.model.regels:
            for path, treatment in rule.velden.items():
                kind = identifier_type(path)
                if treatment in READABLE and kind in IDENTIFYING:
                    for recipient in rule.ontvangers:
                        found.setdefault(recipient, {}).setdefault(
                            kind, (loaded.model.convenant.id, rule.id)
                        )
    return found


def _check_domains(checker: _Checker, covenants: list[LoadedCovenant]) -> None:
    """Members of a shared linkage domain share pseudonyms and event references. One that also
    receives a person's BSN or name readably can re-identify every other member's views:
    refused, unless the covenant names that member under ``herleidbaar_door`` with a reason."""
    readable = _readable_identifiers(covenants)
    for loaded in covenants:
        kop = loaded.model.convenant
        for name, domain in kop.koppeldomeinen.items():
            for i, member in enumerate(domain.partijen):
                if member in domain.herleidbaar_door:
                    continue
                for kind, (covenant, rule_id) in readable.get(member, {}).items():
                    what = "het BSN" if kind == "bsn" else "de naam"
                    checker.problem(
                        loaded.source,
                        ("convenant", "koppeldomeinen", name, "partijen", i),
                        f"{member} zit in koppeldomein {name} en krijgt ook {what} leesbaar "
                        f"(convenant {covenant}, regel {rule_id}): daarmee kan {member} de "
                        f"pseudoniemen en referenties van de andere partijen in {name} herleiden. Haal {member} "
                        "uit het domein, geef het veld niet leesbaar, of zet "
                        f"`herleidbaar_door: {{{member}: <reden>}}` bij het domein als dat zo bedoeld is",
                    )


def check(covenants: list[LoadedCovenant], registry: Registry, store: SchemaStore) -> list[str]:
    """Every problem in the covenants, each with file:line:column; empty when all is well."""
    checker = _Checker(registry, store)
    for loaded in covenants:
        checker.check_covenant(loaded)
    _check_domains(checker, covenants)
    return checker.problems


def warnings(covenants: list[LoadedCovenant], registry: Registry) -> list[str]:
    """What is allowed but worth a second look: covenants whose areas overlap for the same
    kind of recipient (a signal there reaches both covenants' recipients)."""
    found = []
    for i, first in enumerate(covenants):
        for second in covenants[i + 1 :]:
            a, b = first.model.convenant, second.model.convenant
            area_a, area_b = area_of(a), area_of(b)
            if area_a is not None and area_b is not None and not area_a.overlaps(area_b):
                continue
            kinds = {
                str(p.soort) for p in (registry.get(r) for r in _recipients(first)) if p is not None
            } & {
                str(p.soort)
                for p in (registry.get(r) for r in _recipients(second))
                if p is not None
            }
            if kinds:
                found.append(
                    f"{first.source.where(('convenant', 'werkgebied'))}: het werkgebied van "
                    f"{a.id} overlapt met dat van {b.id} "
                    f"({second.source.where(('convenant', 'werkgebied'))}) voor ontvangers van "
                    f"de soort {', '.join(sorted(kinds))}: een signaal daar gaat onder beide "
                    "convenanten naar buiten. Controleer of dat zo bedoeld is"
                )
    return found + statistics_warnings(covenants)


def _recipients(loaded: LoadedCovenant) -> set[str]:
    return {r for rule in loaded.model.regels for r in rule.ontvangers}
