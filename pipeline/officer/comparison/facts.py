"""What a compiled policy discloses, as plain facts: one cover per rule, recipient and field,
one per rule, recipient and statistics table, and each covenant's heading.

Read from the compiled Policy (its view plans, grants, statistics rules, register and
headings), never from the covenant files: what the comparisons see is what the router does,
envelope defaults and all. Pure and cheap: a few thousand small objects for the shipped
covenants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.covenant.fields import ENVELOPE_DEFAULTS, LOCATION_PROPERTY, grantable_paths
from pipeline.covenant.model import CATEGORY_PROPERTY, Kop, Voorwaarde, Werkgebied
from pipeline.covenant.policy import Grant, Policy, ViewPlan
from pipeline.covenant.scope import GEMEENTE
from pipeline.covenant.statistics import StatisticsRule
from pipeline.legal_time import legal_day
from pipeline.registry import Registry


@dataclass(frozen=True)
class Condition:
    """One condition of a rule as plain data: ``test`` is ``is``, ``in``, ``bereik`` or
    ``minderjarig``; ``text`` says it in one line."""

    field: str
    test: str
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None
    minor: bool | None = None
    text: str = ""

    @classmethod
    def of(cls, cond: Voorwaarde) -> Condition:
        """From a rule's condition."""
        if "is_" in cond.model_fields_set:
            return cls(cond.veld, "is", (cond.is_,), text=cond.describe())
        if cond.in_ is not None:
            values = tuple(sorted(cond.in_, key=str))
            return cls(cond.veld, "in", values, text=cond.describe())
        if cond.minderjarig is not None:
            return cls(cond.veld, "minderjarig", minor=cond.minderjarig, text=cond.describe())
        return cls(cond.veld, "bereik", low=cond.vanaf, high=cond.tot, text=cond.describe())

    @property
    def equality(self) -> bool:
        """An ``is`` or ``in`` test: the values it lets through can be listed."""
        return self.test in ("is", "in")


@dataclass(frozen=True)
class Area:
    """Where a covenant applies: municipality codes and police units; None stands for the whole
    country wherever an Area is optional."""

    municipalities: frozenset[str]
    police_units: frozenset[str]


@dataclass(frozen=True)
class Basis:
    """A legal basis a covenant declares: its key, text and the special categories it allows."""

    key: str
    text: str
    allows: tuple[str, ...]


@dataclass(frozen=True)
class Heading:
    """A covenant as a whole: identity, validity, area, parties, purposes and legal bases."""

    id: str
    version: str
    title: str
    valid_from: dt.date
    valid_until: dt.date | None
    area: Area | None
    parties: tuple[str, ...]
    purposes: tuple[tuple[str, str], ...]
    bases: tuple[Basis, ...]
    domains: tuple[tuple[str, tuple[str, ...]], ...]
    kop: Kop = field(compare=False, repr=False)


@dataclass(frozen=True)
class Grounds:
    """Why a rule discloses: legal basis and purpose (with their texts) and, for records, the
    retention period."""

    basis: str
    basis_text: str
    purpose: str
    purpose_text: str
    retention: str


@dataclass(frozen=True)
class Rule:
    """Which rule: covenant, version, id, article and its description."""

    covenant: str
    version: str
    id: str
    article: str | None
    description: str | None


@dataclass(frozen=True)
class Scope:
    """Which signals a rule takes: sources, signal types (statistics), conditions, area,
    validity, and whether it also takes signals without a location."""

    sources: frozenset[str]
    conditions: frozenset[Condition]
    area: Area | None
    valid_from: dt.date
    valid_until: dt.date | None
    without_location: bool
    types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FieldCover:
    """One rule gives one recipient one field of one signal type, in one treatment."""

    recipient: str
    signal_type: str
    field: str
    treatment: str
    rule: Rule
    grounds: Grounds
    scope: Scope
    domain: str
    #: The record reaches only the party it is addressed to (Verwijzing.naar).
    addressed: bool = False


@dataclass(frozen=True)
class Protection:
    """How a statistics table is protected: period kind, threshold, protection range, zeros,
    rounding, and the categories of open text dimensions."""

    period: str
    threshold: int
    protection: int
    zeros: str
    rounding: int | None
    categories: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class TableCover:
    """One statistics rule gives one recipient one table (its dimensions, in order)."""

    recipient: str
    table: tuple[str, ...]
    protection: Protection
    rule: Rule
    grounds: Grounds
    scope: Scope


@dataclass(frozen=True)
class PolicyFacts:
    """Everything the comparisons read of one compiled policy and the partner registry."""

    headings: Mapping[str, Heading]
    fields: tuple[FieldCover, ...]
    tables: tuple[TableCover, ...]
    #: Partner id -> its kind (``soort``) and its name, from the registry.
    kinds: Mapping[str, str]
    names: Mapping[str, str]
    #: Partners the registry lets receive.
    receivers: frozenset[str]
    #: Per signal type: every field a rule may name, in schema order, with its data categories.
    schema_fields: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]
    #: Per signal type: the fields that place a signal in a municipality.
    location_fields: Mapping[str, frozenset[str]]

    def categories(self, signal_type: str, path: str) -> tuple[str, ...]:
        """The data categories (bijzonder, strafrechtelijk) of a field."""
        return dict(self.schema_fields.get(signal_type, ())).get(path, ())

    def kind(self, partner: str) -> str:
        """The partner's kind, or its id when the registry does not know it."""
        return self.kinds.get(partner, partner)

    def name(self, partner: str) -> str:
        """The partner's name, or its id."""
        return self.names.get(partner, partner)


def _area(werkgebied: object) -> Area | None:
    if not isinstance(werkgebied, Werkgebied):
        return None
    return Area(frozenset(werkgebied.gemeenten), frozenset(werkgebied.politie_eenheden))


def heading_of(kop: Kop) -> Heading:
    """A covenant heading as plain facts."""
    return Heading(
        id=kop.id,
        version=kop.versie,
        title=kop.titel,
        valid_from=kop.geldig.van,
        valid_until=kop.geldig.tot,
        area=_area(kop.werkgebied),
        parties=kop.partijen,
        purposes=tuple(kop.doelen.items()),
        bases=tuple(
            Basis(k, b.omschrijving, tuple(c.value for c in b.staat_toe))
            for k, b in kop.grondslagen.items()
        ),
        domains=tuple((name, d.partijen) for name, d in kop.koppeldomeinen.items()),
        kop=kop,
    )


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return " ".join(str(value).split()) if value else ""


def _rule(policy: Policy, activity: str | None, covenant: str, version: str, rule_id: str,
          article: str | None) -> tuple[Rule, Mapping[str, Any]]:  # fmt: skip
    entry = policy.register.get(activity or "")
    record = entry.record if entry is not None else {}
    description = _text(record, "omschrijving") or None
    return Rule(covenant, version, rule_id, article, description), record


def _field_covers(policy: Policy, plan: ViewPlan, source: str, found: dict[Any, Any]) -> None:
    for grant in plan.grants:
        key = (plan.covenant_id, grant.rule_id, plan.recipient, plan.signal_type)
        entry = found.get(key)
        if entry is None:
            found[key] = [grant, plan, {source}]
        else:
            entry[2].add(source)


def _covers_of(policy: Policy, grant: Grant, plan: ViewPlan, sources: set[str]) -> list[FieldCover]:
    heading = policy.headings.get(plan.covenant_id)
    rule, record = _rule(
        policy,
        grant.processing_activity_id,
        grant.covenant_id,
        grant.covenant_version,
        grant.rule_id,
        grant.article,
    )
    grounds = Grounds(
        grant.legal_basis,
        _text(record, "grondslag_tekst"),
        grant.purpose,
        _text(record, "doel_tekst"),
        grant.retention,
    )
    scope = Scope(
        sources=frozenset(sources),
        conditions=frozenset(Condition.of(c) for c in grant.voorwaarden),
        area=_area(heading.werkgebied) if heading else None,
        valid_from=legal_day(grant.valid_from),
        valid_until=legal_day(grant.valid_until) if grant.valid_until else None,
        without_location=grant.without_location,
    )
    return [
        FieldCover(
            recipient=plan.recipient,
            signal_type=plan.signal_type,
            field=path,
            treatment=treatment,
            rule=rule,
            grounds=grounds,
            scope=scope,
            domain=grant.domain,
            addressed=plan.addressee is not None,
        )
        for path, treatment in grant.treatments
    ]


def _table_covers(policy: Policy, rule: StatisticsRule) -> list[TableCover]:
    described, record = _rule(
        policy,
        rule.processing_activity_id,
        rule.covenant_id,
        rule.covenant_version,
        rule.rule_id,
        rule.article,
    )
    grounds = Grounds(
        rule.legal_basis, _text(record, "grondslag_tekst"), rule.purpose,
        _text(record, "doel_tekst"), "",
    )  # fmt: skip
    area = (
        Area(rule.area.gemeenten, rule.area.eenheden) if rule.area is not None else None
    )
    scope = Scope(
        sources=rule.sources,
        conditions=frozenset(),
        area=area,
        valid_from=legal_day(rule.valid_from),
        valid_until=legal_day(rule.valid_until) if rule.valid_until else None,
        without_location=rule.without_location,
        types=rule.signal_types,
    )
    def protection(table: tuple[str, ...]) -> Protection:
        return Protection(
            period=rule.period.value,
            threshold=rule.control.threshold,
            protection=rule.control.protection,
            zeros=rule.control.zeros.value,
            rounding=rule.control.rounding,
            categories=tuple(
                sorted((d, tuple(c)) for d, c in rule.categories.items() if d in table)
            ),
        )

    return [
        TableCover(recipient, table, protection(table), described, grounds, scope)
        for recipient in rule.recipients
        for table in rule.tables
    ]


def facts_of(policy: Policy, registry: Registry) -> PolicyFacts:
    """The facts of a compiled policy, with the registry's kinds and names of the partners."""
    found: dict[Any, Any] = {}
    for (source, _), plans in sorted(policy.plans.items()):
        for plan in plans:
            _field_covers(policy, plan, source, found)
    fields = [
        cover
        for grant, plan, sources in found.values()
        for cover in _covers_of(policy, grant, plan, sources)
    ]
    tables = [cover for rule in policy.statistics for cover in _table_covers(policy, rule)]
    schema_fields: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
    locations: dict[str, frozenset[str]] = {}
    for signal_type in policy.store.signal_types():
        schema = policy.store.current(signal_type).expanded
        paths = grantable_paths(schema)
        schema_fields[signal_type] = tuple(
            (p, tuple(f.get(CATEGORY_PROPERTY, ()))) for p, f in paths.items()
        )
        locations[signal_type] = frozenset(
            p for p, f in paths.items() if f.get(LOCATION_PROPERTY) == GEMEENTE
        )
    return PolicyFacts(
        headings={cid: heading_of(kop) for cid, kop in sorted(policy.headings.items())},
        fields=tuple(sorted(fields, key=_order)),
        tables=tuple(tables),
        kinds={p.id: p.soort.value for p in registry.deelnemers},
        names={p.id: p.naam for p in registry.deelnemers},
        receivers=frozenset(p.id for p in registry.deelnemers if p.ontvangt),
        schema_fields=schema_fields,
        location_fields=locations,
    )


def _order(cover: FieldCover) -> tuple[str, str, str, str, str]:
    return (cover.rule.covenant, cover.recipient, cover.signal_type, cover.rule.id, cover.field)


def is_envelope_default(path: str, treatment: str) -> bool:
    """True for an envelope field at the treatment every view has unless a rule says otherwise."""
    return ENVELOPE_DEFAULTS.get(path) == treatment


def of_covenant(facts: PolicyFacts, covenant: str) -> PolicyFacts:
    """The facts of one covenant of a policy compiled from several."""
    return replace(
        facts,
        headings={k: v for k, v in facts.headings.items() if k == covenant},
        fields=tuple(c for c in facts.fields if c.rule.covenant == covenant),
        tables=tuple(c for c in facts.tables if c.rule.covenant == covenant),
    )
