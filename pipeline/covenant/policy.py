"""The compiled, immutable routing policy: for each (source, signal type) its view plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.codec.schema_store import SchemaEntry, SchemaStore
from pipeline.codec.split import SplitEncoder
from pipeline.covenant.conditions import Gate, Predicate, value_at
from pipeline.covenant.fields import ENVELOPE, FieldTree
from pipeline.covenant.views import Projector, make_projector
from pipeline.privacy.dead_letter_key import DeadLetterPublicKey
from pipeline.privacy.treatments import Context, Transform
from pipeline.router.disclosure import DisclosureLog


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
    condition: Predicate | None = field(default=None, compare=False, repr=False)
    #: (field, value) the conditions require equal, if any: lets Dispatch skip this grant by lookup
    gate: Gate | None = field(default=None, compare=False, repr=False)

    def applies(self, datum: dict[str, Any]) -> bool:
        """True if the event lies in the covenant's validity period and the rule's conditions hold."""
        occurred_at = datum["envelope"]["occurred_at"]
        if occurred_at < self.valid_from:
            return False
        if self.valid_until is not None and occurred_at >= self.valid_until:
            return False
        return self.condition is None or self.condition(datum)


@dataclass(frozen=True)
class Rendered:
    """One recipient's view of one record, with the grants that allowed it.

    ``body`` holds the view's fields after the envelope; the envelope is the signal's own,
    the same in every view of it, and encoded once per signal (``ViewPlan.encoder``).
    """

    body: dict[str, Any]
    fields: tuple[str, ...]
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class ViewPlan:
    """How one recipient sees one signal type from one source: schema, grants, projections."""

    recipient: str
    topic: str
    signal_type: str
    schema: SchemaEntry
    grants: tuple[Grant, ...]
    tree: FieldTree
    field_order: tuple[str, ...]
    transforms: dict[str, Transform] = field(default_factory=dict, compare=False, repr=False)
    _projectors: dict[frozenset[str], tuple[Projector, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, init=False, repr=False
    )
    #: Writes a view as two groups (codec.split): the envelope, then the body.
    encoder: SplitEncoder = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.schema.expanded["fields"][0]["name"] != ENVELOPE:
            raise ValueError(f"view schema {self.schema.name} does not start with the envelope")
        object.__setattr__(self, "encoder", SplitEncoder(self.schema, (1,)))

    def render(self, datum: dict[str, Any], ctx: Context) -> Rendered | None:
        """The view for this record, or None when no grant applies to it."""
        grants = tuple(g for g in self.grants if g.applies(datum))
        if not grants:
            return None
        active = frozenset().union(*(g.fields for g in grants))
        compiled = self._projectors.get(active)
        if compiled is None:
            # Memo of pure functions of (tree, active): filled once per distinct grant set.
            compiled = self._projectors.setdefault(
                active,
                (
                    make_projector(self.tree, active, self.transforms),
                    tuple(f for f in self.field_order if f in active),
                ),
            )
        projector, fields = compiled
        return Rendered(projector(datum, ctx), fields, grants)


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
            gates = {g.gate for g in plan.grants}
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
    #: What dead letters are sealed to; the worker sets it (without: dead letters keep no content)
    dead_letter_key: DeadLetterPublicKey | None = field(default=None, compare=False)
    _dispatch: Mapping[tuple[str, str], Dispatch] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    disclosure_log: DisclosureLog = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Built from ``plans`` here, so a copy with other plans (dataclasses.replace) is right too.
        object.__setattr__(
            self, "_dispatch", {key: Dispatch.of(plans) for key, plans in self.plans.items()}
        )
        object.__setattr__(self, "disclosure_log", DisclosureLog(self.log_schema))
        envelopes = {p.encoder.group_canonical(0) for ps in self.plans.values() for p in ps}
        if len(envelopes) > 1:  # route() encodes a signal's envelope once for all its views
            raise ValueError("view schemas differ in their envelope type")

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
                seen.setdefault(plan.schema.fingerprint, plan.schema)
        return list(seen.values())
