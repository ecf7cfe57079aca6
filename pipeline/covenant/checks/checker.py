"""Checks of covenant files against the partner registry and the schemas, with file:line:column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.checks.activities import activity_collisions
from pipeline.covenant.checks.combinations import combination_problems, combination_warnings
from pipeline.covenant.checks.consistency import (
    IDENTIFYING,
    area_overlaps,
    domain_problems,
    treatment_conflicts,
)
from pipeline.covenant.checks.heading import heading_problems, heading_warnings
from pipeline.covenant.checks.places import likely_municipality, unknown_municipalities
from pipeline.covenant.checks.statistics import check_statistics, statistics_warnings
from pipeline.covenant.checks.usage import unused_definitions
from pipeline.covenant.conditions import check_condition, value_kind_problem
from pipeline.covenant.fields import (
    ENVELOPE_NEVER,
    REFERENCE_PROPERTY,
    grantable_paths,
    group_paths,
    leaf_paths,
    marked_paths,
    non_null,
)
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import (
    CATEGORY_PROPERTY,
    Behandeling,
    Categorie,
    Convenant,
    Kop,
    Regel,
    Voorwaarde,
    Werkgebied,
)
from pipeline.covenant.reidentifiers import herleider_problems, herleider_warnings
from pipeline.language import Language, Text, current
from pipeline.messages import covenant as msg
from pipeline.places.municipalities import DIVISION
from pipeline.places.municipalities import known as known_municipality
from pipeline.privacy.normalise import identifier_type
from pipeline.privacy.treatments import applicable
from pipeline.registry import Registry
from pipeline.yaml_files.source import YamlSource
from pipeline.yaml_files.structure import suggestion

_ARTICLE = {Categorie.BIJZONDER: "AVG art. 9", Categorie.STRAFRECHTELIJK: "AVG art. 10"}


def suggest(word: str, options: list[str]) -> Text:
    """'; did you mean X?' (Dutch: '; bedoelt u X?') for the closest option, also across
    case, or nothing."""
    return msg.did_you_mean(suggestion(word, options))


class _Checker:
    """Collects every problem of a covenant with its file:line:column."""

    def __init__(self, registry: Registry, store: SchemaStore) -> None:
        self.registry = registry
        self.store = store
        self.problems: list[str] = []

    def problem(
        self,
        source: YamlSource,
        loc: tuple[str | int, ...],
        message: Text,
        rule: str | None = None,
    ) -> None:
        """One problem at ``loc``; a rule's problems start with the rule's id (in Dutch; the
        English texts name it themselves)."""
        owner = (
            f"{msg.in_rule(rule, 0).nl}: " if rule is not None and current() is Language.NL else ""
        )
        self.problems.append(f"{source.where(loc)}: {owner}{message}")

    def check_covenant(self, loaded: LoadedCovenant) -> None:
        model, source = loaded.model, loaded.source
        for i, party in enumerate(model.convenant.partijen):
            if self.registry.get(party) is None:
                self.problem(
                    source,
                    ("convenant", "partijen", i),
                    msg.unknown_party(party, suggest(party, self.registry.ids)),
                )
        self.check_area(model.convenant, source)
        in_domain: dict[str, str] = {}
        for name, domain in model.convenant.koppeldomeinen.items():
            if self.registry.get(name) is not None:
                self.problem(
                    source,
                    ("convenant", "koppeldomeinen", name),
                    msg.domain_named_after_partner(name),
                )
            for party in domain.herleidbaar_door:
                if party not in domain.partijen:
                    self.problem(
                        source,
                        ("convenant", "koppeldomeinen", name, "herleidbaar_door", party),
                        msg.reidentifier_not_member(party, name),
                    )
            for i, party in enumerate(domain.partijen):
                where = ("convenant", "koppeldomeinen", name, "partijen", i)
                if party not in model.convenant.partijen:
                    self.problem(source, where, msg.domain_member_not_party(party, name))
                elif party in in_domain:
                    self.problem(
                        source, where, msg.party_in_two_domains(party, in_domain[party], name)
                    )
                in_domain[party] = name
        for loc, text in herleider_problems(loaded):
            self.problem(source, loc, text)
        seen: dict[str, int] = {}
        for index, rule in enumerate(model.regels):
            if rule.id in seen:
                first = source.line(("regels", seen[rule.id], "id"))
                self.problem(source, ("regels", index, "id"), msg.duplicate_rule_id(rule.id, first))
            else:
                seen[rule.id] = index
            self.check_rule(model, source, index, rule)
        # the statistics checks speak Dutch only (their officer-facing texts)
        check_statistics(
            loaded,
            self.registry,
            self.store,
            lambda source, loc, message: self.problem(source, loc, Text(message, message)),
        )

    def check_rule(self, model: Convenant, source: YamlSource, index: int, rule: Regel) -> None:
        at = ("regels", index)
        kop = model.convenant
        if rule.doel not in kop.doelen:
            self.problem(
                source,
                (*at, "doel"),
                msg.undefined_purpose(
                    rule.id, rule.doel, suggest(rule.doel, list(kop.doelen)), list(kop.doelen)
                ),
                rule.id,
            )
        if rule.grondslag not in kop.grondslagen:
            self.problem(
                source,
                (*at, "grondslag"),
                msg.undefined_basis(
                    rule.id,
                    rule.grondslag,
                    suggest(rule.grondslag, list(kop.grondslagen)),
                    list(kop.grondslagen),
                ),
                rule.id,
            )
        registered = [p for p in kop.partijen if self.registry.get(p) is not None]
        for key, role in (("bronnen", "publiceert"), ("ontvangers", "ontvangt")):
            for i, party in enumerate(getattr(rule, key)):
                partner = self.registry.get(party)
                if party not in kop.partijen:
                    self.problem(
                        source,
                        (*at, key, i),
                        # suggest only parties that exist: never another typo of the heading
                        msg.not_a_party(rule.id, party, suggest(party, registered)),
                        rule.id,
                    )
                elif partner is not None and not getattr(partner, role):
                    self.problem(
                        source,
                        (*at, key, i),
                        msg.registry_refuses_role(rule.id, party, role),
                        rule.id,
                    )
        if rule.signaaltype not in self.store.signal_types():
            self.problem(
                source,
                (*at, "signaaltype"),
                msg.unknown_signal_type(
                    rule.id,
                    rule.signaaltype,
                    suggest(rule.signaaltype, list(self.store.signal_types())),
                    list(self.store.signal_types()),
                ),
                rule.id,
            )
            return
        schema = self.store.current(rule.signaaltype).expanded
        leaves = grantable_paths(schema)
        groups = group_paths(schema)
        references = marked_paths(schema, REFERENCE_PROPERTY)
        for path, treatment in rule.velden.items():
            where = (*at, "velden", path)
            if path in ENVELOPE_NEVER:
                self.problem(source, where, msg.envelope_never(rule.id, path), rule.id)
                continue
            if path in references and treatment not in (
                Behandeling.DOORGEVEN,
                Behandeling.WEGLATEN,
            ):
                self.problem(source, where, msg.reference_treatment(rule.id, path), rule.id)
                continue
            if path in groups:
                members = [p for p in leaves if p.startswith(f"{path}.")]
                self.problem(source, where, msg.group_of_fields(rule.id, path, members), rule.id)
            elif path not in leaves:
                self.problem(
                    source,
                    where,
                    msg.unknown_field(rule.id, path, suggest(path, list(leaves)), rule.signaaltype),
                    rule.id,
                )
            if path in leaves and treatment is not Behandeling.WEGLATEN:
                wrong = applicable(treatment, path, leaves[path]["type"])
                if wrong:
                    self.problem(
                        source, where, msg.treatment_misfit(rule.id, Text(wrong, wrong)), rule.id
                    )
                self.check_category(kop, source, where, rule, path, leaves[path])
        for j, cond in enumerate(rule.voorwaarden):
            wrong = check_condition(cond, leaves)
            if wrong:
                self.problem(
                    source,
                    (*at, "voorwaarden", j, "veld"),
                    msg.condition_problem(rule.id, Text(wrong, wrong)),
                    rule.id,
                )
            elif cond.veld in leaves:
                test = "is" if "is_" in cond.model_fields_set else "in"
                mismatch = value_kind_problem(cond, leaves)
                if mismatch is not None:
                    self.problem(
                        source,
                        (*at, "voorwaarden", j, test),
                        msg.condition_problem(rule.id, mismatch),
                        rule.id,
                    )
                area = kop.werkgebied.gemeenten if isinstance(kop.werkgebied, Werkgebied) else ()
                for place, text in unknown_municipalities(cond, leaves[cond.veld], area):
                    self.problem(
                        source,
                        (*at, "voorwaarden", j, *place),
                        msg.condition_problem(rule.id, text),
                        rule.id,
                    )
                for value in _booleans(cond):
                    if _base_kind(leaves[cond.veld]["type"]) != "boolean":
                        self.problem(
                            source,
                            (*at, "voorwaarden", j, test),
                            msg.boolean_in_condition(cond.veld, value),
                            rule.id,
                        )
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
                self.check_identifier_condition(source, (*at, "voorwaarden", j, "veld"), rule, cond)

    def check_identifier_condition(
        self, source: YamlSource, where: tuple[str | int, ...], rule: Regel, cond: Voorwaarde
    ) -> None:
        """A condition that a BSN or name *is* (or is one of) some values tells every recipient
        whose identifier it holds: allowed only where the rule gives that field as it is. Else
        a pseudonym in the view would be re-identified by the rule itself."""
        kind = identifier_type(cond.veld)
        equality = "is_" in cond.model_fields_set or cond.in_ is not None
        given = rule.velden.get(cond.veld)
        if kind in IDENTIFYING and equality and given is not Behandeling.DOORGEVEN:
            self.problem(
                source,
                where,
                msg.identifier_in_condition(rule.id, cond.veld, given.value if given else None),
                rule.id,
            )

    def check_area(self, kop: Kop, source: YamlSource) -> None:
        """Municipalities of an area must be in the CBS list, police units ones the signals
        know."""
        if not isinstance(kop.werkgebied, Werkgebied):
            return
        for i, code in enumerate(kop.werkgebied.gemeenten):
            if known_municipality(code) is None:
                hint = likely_municipality(code)
                self.problem(
                    source,
                    ("convenant", "werkgebied", "gemeenten", i),
                    msg.unknown_municipality(code, DIVISION, hint),
                )
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
                    msg.unknown_police_unit(unit, suggest(unit, sorted(units)), sorted(units)),
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
        if not missing:
            return
        names = ", ".join(f"{c.value} ({_ARTICLE[c]})" for c in missing)
        allowed = ", ".join(c.value for c in missing)
        text = (
            msg.category_by_condition(rule.id, path, names, rule.grondslag, allowed)
            if by_condition
            else msg.category_disclosed(rule.id, path, names, rule.grondslag, allowed)
        )
        self.problem(source, where, text, rule.id)


def _booleans(cond: Voorwaarde) -> list[str]:
    """Values YAML read as true/false in a condition's is/in (``NO``, ``yes``, ``off``)."""
    values = [cond.is_] if "is_" in cond.model_fields_set else list(cond.in_ or ())
    return [str(v).lower() for v in values if isinstance(v, bool)]


def _base_kind(field_type: Any) -> str:
    inner, _ = non_null(field_type)
    if isinstance(inner, dict):
        return str(inner.get("type"))
    return str(inner)


def _symbols(field_type: Any) -> list[str]:
    for branch in field_type if isinstance(field_type, list) else [field_type]:
        if isinstance(branch, dict) and branch.get("type") == "enum":
            return list(branch["symbols"])
    return []


def check(
    covenants: list[LoadedCovenant],
    registry: Registry,
    store: SchemaStore,
    others: list[LoadedCovenant] | None = None,
    combinations: bool = True,
) -> list[str]:
    """Every problem in the covenants, each with file:line:column; empty when all is well.
    ``others`` are in force beside them (the rest of the directory when one file is checked):
    a combination with them is checked, they themselves are not. ``combinations`` False leaves
    out re-identification across covenants, for a report that shows it instead (analyse)."""
    checker = _Checker(registry, store)
    for loaded in covenants:
        checker.check_covenant(loaded)
    problems = checker.problems
    for loaded in covenants:
        problems += heading_problems(loaded, registry)
        problems += treatment_conflicts(loaded)
    problems += domain_problems(covenants)
    problems += activity_collisions(covenants, others or ())
    if combinations:
        problems += combination_problems(covenants, others)
    return problems


def warnings(
    covenants: list[LoadedCovenant], registry: Registry, others: Sequence[LoadedCovenant] = ()
) -> list[str]:
    """What is allowed but worth a second look (see consistency.area_overlaps, also against
    ``others``: the directory's other covenants when one file is checked), the statistics
    rules' own (statistics_check), definitions no rule uses (usage), what the annex needs from
    the heading (heading), and statements that allow nothing."""
    return (
        area_overlaps(covenants, registry, others)
        + statistics_warnings(covenants)
        + herleider_warnings(covenants)
        + unused_definitions(covenants)
        + heading_warnings(covenants)
        + combination_warnings(covenants)
    )
