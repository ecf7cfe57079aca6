"""Compile covenants, the partner registry and the schemas into one immutable Policy."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from pipeline import topics
from pipeline.codec.schema_store import SchemaEntry, SchemaStore, make_entry
from pipeline.covenant.conditions import all_of, check_condition
from pipeline.covenant.fields import group_paths, leaf_paths, tree_of
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import (
    CATEGORY_PROPERTY,
    SUPPORTED_TREATMENTS,
    Behandeling,
    Categorie,
    Convenant,
    Kop,
    Regel,
)
from pipeline.covenant.policy import Grant, Policy, ViewPlan
from pipeline.covenant.views import derive_view_schema
from pipeline.errors import CovenantError
from pipeline.registry import Registry
from pipeline.yaml_source import YamlSource

#: Covenant dates are Dutch legal dates: a day starts at midnight in the Netherlands.
LEGAL_TZ = ZoneInfo("Europe/Amsterdam")
LOG_SCHEMA = "nl.ketenstroom.log.Verantwoording"
_ARTICLE = {Categorie.BIJZONDER: "AVG art. 9", Categorie.STRAFRECHTELIJK: "AVG art. 10"}


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LEGAL_TZ)


def _suggest(word: str, options: list[str]) -> str:
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
                    + _suggest(party, self.registry.ids),
                )
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
                + _suggest(rule.doel, list(kop.doelen)),
            )
        if rule.grondslag not in kop.grondslagen:
            self.problem(
                source,
                (*at, "grondslag"),
                f"grondslag {rule.grondslag!r} in rule {rule.id} is not defined under "
                "convenant.grondslagen" + _suggest(rule.grondslag, list(kop.grondslagen)),
            )
        for key, role in (("bronnen", "publiceert"), ("ontvangers", "ontvangt")):
            for i, party in enumerate(getattr(rule, key)):
                partner = self.registry.get(party)
                if party not in kop.partijen:
                    self.problem(
                        source,
                        (*at, key, i),
                        f"{party!r} in rule {rule.id} is not a party to this covenant; add it to "
                        "convenant.partijen" + _suggest(party, list(kop.partijen)),
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
                    + _suggest(path, list(leaves))
                    + f" ({rule.signaaltype} fields: see `ketenstroom schemas fields {rule.signaaltype}`)",
                )
            if treatment not in SUPPORTED_TREATMENTS:
                self.problem(
                    source,
                    where,
                    f"treatment {treatment.value!r} for {path} in rule {rule.id} is not available "
                    "in this version; use doorgeven or weglaten",
                )
            elif path in leaves and treatment is not Behandeling.WEGLATEN:
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


def _grants_of(loaded: LoadedCovenant) -> list[tuple[str, str, str, Grant]]:
    """(source, signal type, recipient, grant) for every rule of a checked covenant."""
    kop = loaded.model.convenant
    out = []
    for rule in loaded.model.regels:
        fields = frozenset(p for p, t in rule.velden.items() if t is Behandeling.DOORGEVEN)
        conditions = tuple(c.describe() for c in rule.voorwaarden)
        register = kop.verwerkingsregister or f"urn:ketenstroom:verwerking:{kop.id}"
        grant = Grant(
            covenant_id=kop.id,
            covenant_version=kop.versie,
            rule_id=rule.id,
            article=rule.artikel,
            purpose=rule.doel,
            legal_basis=rule.grondslag,
            processing_activity_id=f"{register.rstrip('/')}/{rule.id}",
            fields=fields,
            valid_from=_start_of(kop.geldig.van),
            valid_until=_start_of(kop.geldig.tot) if kop.geldig.tot else None,
            retention=rule.bewaartermijn,
            conditions=conditions,
            condition=all_of(rule.voorwaarden),
        )
        for src in rule.bronnen:
            for recipient in rule.ontvangers:
                out.append((src, rule.signaaltype, recipient, grant))
    return out


def check(covenants: list[LoadedCovenant], registry: Registry, store: SchemaStore) -> list[str]:
    """Every problem in the covenants, each with file:line:column; empty when all is well."""
    checker = _Checker(registry, store)
    for loaded in covenants:
        checker.check_covenant(loaded)
    return checker.problems


def compile_policy(
    covenants: list[LoadedCovenant], registry: Registry, store: SchemaStore
) -> Policy:
    """Check and compile; raises CovenantError listing every problem. Nothing partial is returned."""
    problems = check(covenants, registry, store)
    if problems:
        raise CovenantError(problems)
    by_view: dict[tuple[str, str, str], list[Grant]] = defaultdict(list)
    for loaded in covenants:
        for src, signal_type, recipient, grant in _grants_of(loaded):
            by_view[(src, signal_type, recipient)].append(grant)
    compiled = SchemaStore(store)
    plans: dict[tuple[str, str], list[ViewPlan]] = defaultdict(list)
    for (src, signal_type, recipient), grants in sorted(by_view.items()):
        signal = store.current(signal_type)
        every = frozenset().union(*(g.fields for g in grants))
        always = frozenset.intersection(*(g.fields for g in grants))
        tree = tree_of(every, signal.expanded)
        view_entry: SchemaEntry = make_entry(
            derive_view_schema(signal.expanded, tree, always, recipient), "view"
        )
        compiled.add(view_entry)
        plans[(src, signal_type)].append(
            ViewPlan(
                recipient=recipient,
                topic=topics.inbox(recipient),
                signal_type=signal_type,
                schema=view_entry,
                grants=tuple(grants),
                tree=tree,
                field_order=tuple(p for p in leaf_paths(signal.expanded) if p in every),
            )
        )
    version = "+".join(
        sorted(f"{c.model.convenant.id}@{c.model.convenant.versie}" for c in covenants)
    )
    return Policy(
        version=version or "none",
        sources=frozenset(p.id for p in registry.deelnemers if p.publiceert),
        store=compiled,
        plans={k: tuple(v) for k, v in plans.items()},
        log_schema=store.current(LOG_SCHEMA),
    )
