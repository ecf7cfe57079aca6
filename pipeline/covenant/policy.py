"""The compiled, immutable routing policy: for each (source, signal type) its view plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipeline.codec.schema_store import SchemaEntry, SchemaStore
from pipeline.covenant.conditions import Gate, Predicate, value_at
from pipeline.covenant.fields import FieldTree, subtree
from pipeline.covenant.model import Kop, Voorwaarde
from pipeline.covenant.register import Activity
from pipeline.covenant.scope import IN, OUT, UNKNOWN, Area, Locator
from pipeline.covenant.statistics import StatisticsRule
from pipeline.covenant.views import Projector, make_projector
from pipeline.privacy.dead_letter_key import DeadLetterPublicKey
from pipeline.privacy.references import RouterKeys
from pipeline.privacy.treatments import Context, Transform


@dataclass(frozen=True)
class Grant:
    """What one rule of one covenant allows one recipient to receive, and why."""

    covenant_id: str
    covenant_version: str
    rule_id: str
    article: str | None
    purpose: str
    legal_basis: str
    processing_activity_id: str | None
    fields: frozenset[str]
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    retention: str
    treatments: tuple[tuple[str, str], ...] = ()
    domain: str = ""
    conditions: tuple[str, ...] = ()
    #: Under a covenant with an area: this rule also discloses signals without a location.
    without_location: bool = False
    condition: Predicate | None = field(default=None, compare=False, repr=False)
    #: The rule's conditions as written (for the officer's comparisons; routing uses condition)
    voorwaarden: tuple[Voorwaarde, ...] = field(default=(), compare=False, repr=False)
    #: (field, value) the conditions require equal, if any: lets Dispatch skip this grant by lookup
    gate: Gate | None = field(default=None, compare=False, repr=False)

    def valid_at(self, moment: dt.datetime) -> bool:
        """True if ``moment`` lies in the covenant's validity period."""
        return moment >= self.valid_from and (self.valid_until is None or moment < self.valid_until)

    def applies(self, datum: dict[str, Any], now: dt.datetime) -> bool:
        """True if both the event and its processing lie in the covenant's validity period and
        the rule's conditions hold (the area is judged per plan: see ViewPlan.render)."""
        if not (self.valid_at(datum["envelope"]["occurred_at"]) and self.valid_at(now)):
            return False
        return self.condition is None or self.condition(datum)


class Rendered(NamedTuple):
    """One recipient's view of one record (its envelope without the router's own fields yet),
    the schema it is written with, and the grants that allowed it."""

    body: dict[str, Any]
    fields: tuple[str, ...]
    grants: tuple[Grant, ...]
    schema: SchemaEntry


@dataclass(frozen=True)
class Withheld:
    """Rules would disclose the record, but it has no location and the covenant has an area."""

    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class ViewPlan:
    """How one recipient sees one signal type from one source under one covenant.

    ``schemas`` holds a view schema per set of fields its grants can disclose together.
    """

    recipient: str
    covenant_id: str
    topic: str
    signal_type: str
    grants: tuple[Grant, ...]
    tree: FieldTree
    field_order: tuple[str, ...]
    schemas: Mapping[frozenset[str], SchemaEntry]
    #: The linkage domain of the view's reference (its covenant's domain of the recipient).
    domain: str
    area: Area | None = None
    locator: Locator = field(default_factory=Locator)
    #: The field that names the one party a record is addressed to (Verwijzing.naar), if any.
    addressee: str | None = None
    transforms: dict[str, Transform] = field(default_factory=dict, compare=False, repr=False)
    _projectors: dict[frozenset[str], tuple[Projector, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, init=False, repr=False
    )

    def __post_init__(self) -> None:
        periods = {(g.valid_from, g.valid_until) for g in self.grants}
        if len(periods) != 1:  # select() judges the validity period once, for all grants
            raise ValueError(f"the grants of {self.disclosure} differ in their validity period")

    @property
    def disclosure(self) -> str:
        """Names this disclosure among an event's: covenant and recipient."""
        return f"{self.covenant_id}/{self.recipient}"

    @property
    def gate(self) -> Gate | None:
        """An addressed record reaches only the party it names: a lookup, like a condition."""
        return (self.addressee, self.recipient) if self.addressee else None

    def select(
        self, datum: dict[str, Any], now: dt.datetime
    ) -> tuple[Grant, ...] | Withheld | None:
        """The grants that apply to this record; Withheld when only its missing location stops
        them; None when none applies (or the record is addressed to another party)."""
        if self.addressee is not None and value_at(datum, self.addressee) != self.recipient:
            return None
        # one covenant's grants: one validity period, judged once for the event and for now
        first = self.grants[0]
        if not (first.valid_at(datum["envelope"]["occurred_at"]) and first.valid_at(now)):
            return None
        where = IN if self.area is None else self.area.where(datum, self.locator)
        if where is OUT:
            return None
        applying = tuple(g for g in self.grants if g.condition is None or g.condition(datum))
        if where is UNKNOWN:
            located = tuple(g for g in applying if g.without_location)
            if not located:
                return Withheld(applying) if applying else None
            applying = located
        return applying or None

    def render(self, datum: dict[str, Any], ctx: Context, grants: tuple[Grant, ...]) -> Rendered:
        """This recipient's view of the record under ``grants`` (as ``select`` found them)."""
        active = frozenset().union(*(g.fields for g in grants))
        compiled = self._projectors.get(active)
        if compiled is None:
            # Memo of pure functions of (tree, active): filled once per distinct grant set.
            compiled = self._projectors.setdefault(
                active,
                (
                    make_projector(subtree(self.tree, active), self.transforms),
                    tuple(f for f in self.field_order if f in active),
                ),
            )
        projector, fields = compiled
        return Rendered(projector(datum, ctx), fields, grants, self.schemas[active])


Numbered = tuple[tuple[int, ViewPlan], ...]


@dataclass(frozen=True)
class Dispatch:
    """The plans of one (source, signal type), indexed by their equality conditions.

    A covenant grows by rules like "municipality X receives signals about municipality X": a
    condition ``gemeentecode is X``. Testing a thousand such rules per signal costs a
    thousand predicate calls; a plan whose every grant requires one field to equal some value is
    instead looked up by that field's value. The index only leaves out plans that cannot
    render (every grant's condition fails); each candidate is still checked in full by render.
    """

    always: Numbered
    gated: Mapping[str, Mapping[Any, Numbered]]

    @classmethod
    def of(cls, plans: tuple[ViewPlan, ...]) -> Dispatch:
        always: list[tuple[int, ViewPlan]] = []
        gated: dict[str, dict[Any, list[tuple[int, ViewPlan]]]] = {}
        for number, plan in enumerate(plans):
            gates = {plan.gate} if plan.gate else {g.gate for g in plan.grants}
            fields = {gate[0] for gate in gates if gate is not None}
            if None in gates or len(fields) != 1:
                always.append((number, plan))
                continue
            by_value = gated.setdefault(fields.pop(), {})
            for _, value in gates:  # type: ignore[misc]  # None excluded above
                by_value.setdefault(value, []).append((number, plan))
        return cls(
            tuple(always),
            {f: {v: tuple(ps) for v, ps in values.items()} for f, values in gated.items()},
        )

    def candidates(self, datum: dict[str, Any]) -> list[ViewPlan]:
        """The plans that may render for this record, in compiled order."""
        if not self.gated:
            return [plan for _, plan in self.always]
        found = dict(self.always)
        for path, by_value in self.gated.items():
            value = value_at(datum, path)
            for v in value if isinstance(value, list) else (value,):
                try:
                    found.update(by_value.get(v, ()))
                except TypeError:  # an unhashable value equals no condition value
                    continue
        return [found[number] for number in sorted(found)]


@dataclass(frozen=True)
class Policy:
    """Everything routing needs, compiled once from the covenants, registry and schemas."""

    version: str
    sources: frozenset[str]
    store: SchemaStore
    plans: Mapping[tuple[str, str], tuple[ViewPlan, ...]]
    log_schema: SchemaEntry
    keys: RouterKeys | None = None
    #: Partners that receive (a Verwijzing may be addressed only to one of them).
    recipients: frozenset[str] = frozenset()
    #: Per signal type: fields that refer to an earlier event, and fields that name the publisher.
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    publisher_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    addressees: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The register of processing activities of these covenants, by activity id.
    register: Mapping[str, Activity] = field(default_factory=dict, compare=False, repr=False)
    #: What dead letters are sealed to; the worker sets it (without: dead letters keep no content)
    dead_letter_key: DeadLetterPublicKey | None = field(default=None, compare=False)
    #: Statistics rules: counts, never records (pipeline.covenant.statistics).
    statistics: tuple[StatisticsRule, ...] = ()
    #: Per signal type: its location fields (where an event lies: covenant.scope).
    locators: Mapping[str, Locator] = field(default_factory=dict)
    #: Each covenant's heading (title, version, validity, area, parties, purposes, legal bases)
    #: by covenant id: what the officer's comparisons read besides the plans.
    headings: Mapping[str, Kop] = field(default_factory=dict, compare=False, repr=False)
    _dispatch: Mapping[tuple[str, str], Dispatch] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    #: Per partner: the linkage domains it receives references in.
    domains_of: Mapping[str, frozenset[str]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    #: (covenant, source, signal type) that some rule discloses without a location.
    _unlocated: frozenset[tuple[str, str, str]] = field(
        default=frozenset(), init=False, compare=False, repr=False
    )
    #: What layers above derive from this policy once and keep as long as it lives (the router's
    #: disclosure-log writer): fresh for every copy, so nothing derived outlives its policy.
    derived: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Built from ``plans`` here, so a copy with other plans (dataclasses.replace) is right too.
        object.__setattr__(
            self, "_dispatch", {key: Dispatch.of(plans) for key, plans in self.plans.items()}
        )
        domains: dict[str, set[str]] = {}
        for plans in self.plans.values():
            for plan in plans:
                domains.setdefault(plan.recipient, set()).add(plan.domain)
        object.__setattr__(self, "domains_of", {p: frozenset(d) for p, d in domains.items()})
        unlocated = {
            (plan.covenant_id, source, signal_type)
            for (source, signal_type), plans in self.plans.items()
            for plan in plans
            if any(g.without_location for g in plan.grants)
        }
        object.__setattr__(self, "_unlocated", frozenset(unlocated))

    def discloses_without_location(self, covenant: str, source: str, signal_type: str) -> bool:
        """True if a rule of ``covenant`` discloses this source's signals of this type even
        without a location (``ook_zonder_locatie``)."""
        return (covenant, source, signal_type) in self._unlocated

    def plans_for(self, source: str, signal_type: str) -> tuple[ViewPlan, ...]:
        """The view plans for a signal of this type from this source (empty: nobody receives)."""
        return self.plans.get((source, signal_type), ())

    def candidates(self, source: str, signal_type: str, datum: dict[str, Any]) -> list[ViewPlan]:
        """The plans of ``plans_for`` that may render for this record (see Dispatch)."""
        dispatch = self._dispatch.get((source, signal_type))
        return dispatch.candidates(datum) if dispatch is not None else []

    def view_schemas(self) -> list[SchemaEntry]:
        """Every derived view schema, each once."""
        seen: dict[bytes, SchemaEntry] = {}
        for plans in self.plans.values():
            for plan in plans:
                for schema in plan.schemas.values():
                    seen.setdefault(schema.fingerprint, schema)
        return list(seen.values())
