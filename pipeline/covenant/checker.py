"""Checks of covenant files against the partner registry and the schemas, with file:line:column."""

from __future__ import annotations

import difflib
from typing import Any

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.conditions import check_condition
from pipeline.covenant.fields import group_paths, leaf_paths
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import CATEGORY_PROPERTY, Behandeling, Categorie, Convenant, Kop, Regel
from pipeline.privacy.treatments import applicable
from pipeline.registry import Registry
from pipeline.yaml_source import YamlSource

_ARTICLE = {Categorie.BIJZONDER: "AVG art. 9", Categorie.STRAFRECHTELIJK: "AVG art. 10"}


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
        in_domain: dict[str, str] = {}
        for name, parties in model.convenant.koppeldomeinen.items():
            for i, party in enumerate(parties):
                where = ("convenant", "koppeldomeinen", name, i)
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
        leaves = leaf_paths(schema)
        groups = group_paths(schema)
        for path, treatment in rule.velden.items():
            where = (*at, "velden", path)
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

    def check_category(
        self,
        kop: Kop,
        source: YamlSource,
        where: tuple[str | int, ...],
        rule: Regel,
        path: str,
        field: dict[str, Any],
    ) -> None:
        """Special-category (art. 9) and criminal (art. 10) data need a basis that allows them."""
        basis = kop.grondslagen.get(rule.grondslag)
        if basis is None:
            return  # reported as an undefined grondslag already
        needed = [Categorie(c) for c in field.get(CATEGORY_PROPERTY, [])]
        missing = [c for c in needed if c not in basis.staat_toe]
        if missing:
            names = ", ".join(f"{c.value} ({_ARTICLE[c]})" for c in missing)
            self.problem(
                source,
                where,
                f"rule {rule.id} discloses {path}, which holds {names} data, under grondslag "
                f"{rule.grondslag!r}, which does not allow it; use a grondslag whose staat_toe "
                f"lists {', '.join(c.value for c in missing)}, or weglaten",
            )


def check(covenants: list[LoadedCovenant], registry: Registry, store: SchemaStore) -> list[str]:
    """Every problem in the covenants, each with file:line:column; empty when all is well."""
    checker = _Checker(registry, store)
    for loaded in covenants:
        checker.check_covenant(loaded)
    return checker.problems
