"""The compiled, immutable routing policy: for each (source, signal type) its view plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.codec.schema_store import SchemaEntry, SchemaStore
from pipeline.covenant.conditions import Predicate
from pipeline.covenant.fields import FieldTree
from pipeline.covenant.views import Projector, make_projector
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
    condition: Predicate | None = field(default=None, compare=False, repr=False)

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
    """One recipient's view of one record, with the grants that allowed it."""

    datum: dict[str, Any]
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
    _projectors: dict[frozenset[str], Projector] = field(
        default_factory=dict, compare=False, init=False, repr=False
    )

    def render(self, datum: dict[str, Any], ctx: Context) -> Rendered | None:
        """The view for this record, or None when no grant applies to it."""
        grants = tuple(g for g in self.grants if g.applies(datum))
        if not grants:
            return None
        active = frozenset().union(*(g.fields for g in grants))
        projector = self._projectors.get(active)
        if projector is None:
            # Memo of a pure function of (tree, active): filled once per distinct grant set.
            projector = self._projectors.setdefault(
                active, make_projector(self.tree, active, self.transforms)
            )
        fields = tuple(f for f in self.field_order if f in active)
        return Rendered(projector(datum, ctx), fields, grants)


@dataclass(frozen=True)
class Policy:
    """Everything routing needs, compiled once from the covenants, registry and schemas."""

    version: str
    sources: frozenset[str]
    store: SchemaStore
    plans: Mapping[tuple[str, str], tuple[ViewPlan, ...]]
    log_schema: SchemaEntry

    def plans_for(self, source: str, signal_type: str) -> tuple[ViewPlan, ...]:
        """The view plans for a signal of this type from this source (empty: nobody receives)."""
        return self.plans.get((source, signal_type), ())

    def view_schemas(self) -> list[SchemaEntry]:
        """Every derived view schema, each once."""
        seen: dict[bytes, SchemaEntry] = {}
        for plans in self.plans.values():
            for plan in plans:
                seen.setdefault(plan.schema.fingerprint, plan.schema)
        return list(seen.values())
