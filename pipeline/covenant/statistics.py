"""Statistics rules compiled: which signals a rule counts, into which cell, under which control.

A compiled rule lives next to the view plans in the Policy, never inside them: it discloses no
record, only counts that leave after disclosure control (pipeline.statistics.release).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.fields import LOCATION_PROPERTY, leaf_paths, marked_paths, non_null
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import CATEGORY_PROPERTY, Kop, Statistiekregel, Werkgebied
from pipeline.covenant.rules import activity_id
from pipeline.covenant.scope import GEMEENTE, IN, OUT, UNKNOWN, Area, Locator, area_of
from pipeline.disclosure_control.control import Control
from pipeline.privacy.generalise import LEGAL_TZ
from pipeline.statistics.dimensions import FIELDS, Dimensie, Dimension, Soort, categories_for
from pipeline.statistics.periods import Periodesoort, period_of

#: Most microcells (combinations of every dimension's categories) one rule may have: the
#: disclosure-control audit solves linear programs over them.
MAX_MICROCELLS = 20_000
#: Most dimensions one table may cross.
MAX_TABLE_DIMENSIONS = 3


@dataclass(frozen=True)
class Counted:
    """Where one signal is counted under one rule: the period and the microcell."""

    rule: str
    period: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class StatisticsRule:
    """One compiled statistics rule of one covenant."""

    covenant_id: str
    covenant_version: str
    rule_id: str
    article: str | None
    purpose: str
    legal_basis: str
    processing_activity_id: str
    recipients: tuple[str, ...]
    sources: frozenset[str]
    signal_types: frozenset[str]
    period: Periodesoort
    tables: tuple[tuple[str, ...], ...]
    dimensions: tuple[str, ...]
    categories: Mapping[str, tuple[str, ...]]
    control: Control
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    area: Area | None
    without_location: bool
    #: Digest of what decides a signal's cell (tables and so the dimensions' order, categories,
    #: period kind): facts counted under another definition are not mixed into this one's tables.
    definition: str
    extractors: Mapping[str, tuple[Dimension, ...]] = field(compare=False, repr=False)
    locators: Mapping[str, Locator] = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        """``<covenant>/<rule>``: names the rule's counts and publications."""
        return f"{self.covenant_id}/{self.rule_id}"

    def valid_at(self, moment: dt.datetime) -> bool:
        """True if ``moment`` lies in the covenant's validity period."""
        return moment >= self.valid_from and (self.valid_until is None or moment < self.valid_until)

    def count(
        self, source: str, signal_type: str, datum: dict[str, Any], now: dt.datetime
    ) -> Counted | None:
        """The period and cell of a routed signal, or None when this rule does not count it:
        other source or type, event or processing time outside the covenant's validity, or
        outside its area (as for record rules: pipeline.covenant.scope, policy.Grant.applies)."""
        if source not in self.sources or signal_type not in self.signal_types:
            return None
        occurred: dt.datetime = datum["envelope"]["occurred_at"]
        if not (self.valid_at(occurred) and self.valid_at(now)):
            return None
        if self.area is not None:
            where = self.area.where(datum, self.locators[signal_type])
            if where is OUT or (where is UNKNOWN and not self.without_location):
                return None
            assert where in (IN, UNKNOWN)
        values = tuple(d.value(datum) for d in self.extractors[signal_type])
        return Counted(self.key, period_of(occurred, self.period).label, values)


def resolve(
    dimension: Dimensie, schema: dict[str, Any], rule: Statistiekregel, kop: Kop
) -> Dimension | str:
    """The dimension as a signal type's schema has it, or why it cannot be (plain Dutch)."""
    leaves = leaf_paths(schema)
    path = FIELDS[dimension]
    if path is None:  # gemeente: the field the schema marks as the signal's municipality
        marked = [
            p for p, kind in marked_paths(schema, LOCATION_PROPERTY).items() if kind == GEMEENTE
        ]
        path = marked[0] if marked else None
    if path is None or path not in leaves:
        return f"heeft geen {dimension.value}"
    field_type, _ = non_null(leaves[path]["type"])
    indeling = rule.indeling.get(dimension, ())
    if isinstance(field_type, dict) and field_type.get("type") == "enum":
        kind, symbols = Soort.ENUM, tuple(field_type["symbols"])
    elif field_type == "boolean":
        kind, symbols = Soort.BOOLEAN, ()
    elif isinstance(field_type, dict) and field_type.get("logicalType") == "date":
        kind, symbols = Soort.AGE, ()
    elif field_type == "string":
        kind, symbols = Soort.TEXT, ()
        if (
            not indeling
            and dimension is Dimensie.GEMEENTE
            and isinstance(kop.werkgebied, Werkgebied)
        ):
            indeling = kop.werkgebied.gemeenten
        if not indeling:
            return (
                f"{dimension.value} is vrije tekst: noem onder `indeling` de categorieën die de "
                "tabel toont (alle andere waarden tellen als OVERIG)"
            )
    else:
        return f"{dimension.value} ({path}) is geen veld om op te tellen"
    if indeling and kind is not Soort.TEXT:
        return (
            f"{dimension.value} heeft vaste categorieën uit het schema; haal het weg onder "
            "`indeling`"
        )
    return Dimension(dimension, path, kind, categories_for(kind, symbols, indeling))


def categories_of_field(dimension: Dimensie, schema: dict[str, Any]) -> list[str]:
    """The data categories (gegevenscategorie) of the field a dimension is read from."""
    path = FIELDS[dimension]
    if path is None:
        marked = [
            p for p, kind in marked_paths(schema, LOCATION_PROPERTY).items() if kind == GEMEENTE
        ]
        path = marked[0] if marked else None
    leaf = leaf_paths(schema).get(path or "")
    return list(leaf.get(CATEGORY_PROPERTY, [])) if leaf else []


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LEGAL_TZ)


def _definition(rule: Statistiekregel, categories: Mapping[str, tuple[str, ...]]) -> str:
    # The tables, in order, are part of it: they fix the order of a fact's values (the rule's
    # dimensions) and the cells a publication shows. Under a digest without them, a covenant
    # that only regrouped its tables read earlier facts in another order and could not protect
    # a correction against the cells it published before (they are no cells of the new tables).
    text = json.dumps(
        {
            "periode": rule.periode.value,
            "categorieen": {d: list(c) for d, c in categories.items()},
            "tabellen": [[d.value for d in table] for table in rule.tabellen],
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def compile_rule(
    loaded: LoadedCovenant, rule: Statistiekregel, store: SchemaStore
) -> StatisticsRule:
    """Compile one checked statistics rule (checker.check has accepted it)."""
    kop = loaded.model.convenant
    extractors: dict[str, tuple[Dimension, ...]] = {}
    locators: dict[str, Locator] = {}
    for signal_type in rule.signaaltypen:
        schema = store.current(signal_type).expanded
        resolved = [resolve(d, schema, rule, kop) for d in rule.dimensions]
        extractors[signal_type] = tuple(d for d in resolved if isinstance(d, Dimension))
        locators[signal_type] = Locator.of(marked_paths(schema, LOCATION_PROPERTY))
    first = extractors[rule.signaaltypen[0]]
    categories = {d.name.value: d.categories for d in first}
    control = Control(
        threshold=rule.beveiliging.drempel,
        protection=rule.beveiliging.protection,
        zeros=rule.beveiliging.nullen,
        rounding=rule.beveiliging.afronden,
    )
    return StatisticsRule(
        covenant_id=kop.id,
        covenant_version=kop.versie,
        rule_id=rule.id,
        article=rule.artikel,
        purpose=rule.doel,
        legal_basis=rule.grondslag,
        processing_activity_id=activity_id(kop, rule.id),
        recipients=rule.ontvangers,
        sources=frozenset(rule.bronnen),
        signal_types=frozenset(rule.signaaltypen),
        period=rule.periode,
        tables=tuple(tuple(d.value for d in t) for t in rule.tabellen),
        dimensions=tuple(d.value for d in rule.dimensions),
        categories=categories,
        control=control,
        valid_from=_start_of(kop.geldig.van),
        valid_until=_start_of(kop.geldig.tot) if kop.geldig.tot else None,
        area=area_of(kop),
        without_location=rule.ook_zonder_locatie,
        definition=_definition(rule, categories),
        extractors=extractors,
        locators=locators,
    )


def compile_statistics(
    covenants: list[LoadedCovenant], store: SchemaStore
) -> tuple[StatisticsRule, ...]:
    """Every statistics rule of the (checked) covenants, compiled."""
    return tuple(
        compile_rule(loaded, rule, store)
        for loaded in covenants
        for rule in loaded.model.statistieken
    )
