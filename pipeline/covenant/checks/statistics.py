"""Checks of statistics rules (``statistieken:``), in plain Dutch with file:line:column.

A statistics rule discloses no field, but its counts do say something about the people
counted: a table by uitbuitingsvorm tells how many victims of sexual exploitation there were.
So a dimension read from special-category data needs a legal basis that allows it, as a field
would. Two rules giving one recipient tables over the same signals are refused: the difference
between their tables could reveal small numbers that neither shows (protection is computed per
rule, over all its tables).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.checks.places import likely_municipality
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Categorie, Convenant, Statistiekregel
from pipeline.covenant.scope import area_of
from pipeline.covenant.statistics import (
    MAX_MICROCELLS,
    MAX_TABLE_DIMENSIONS,
    categories_of_field,
    resolve,
)
from pipeline.messages import covenant as msg
from pipeline.places import municipalities
from pipeline.registry import Registry
from pipeline.statistics.dimensions import Dimensie, Dimension
from pipeline.yaml_files.source import YamlSource

Report = Callable[[YamlSource, tuple[str | int, ...], str], None]

_KIND = {
    Categorie.BIJZONDER: "bijzondere persoonsgegevens (AVG art. 9)",
    Categorie.STRAFRECHTELIJK: "strafrechtelijke gegevens (AVG art. 10)",
}


def check_statistics(
    loaded: LoadedCovenant, registry: Registry, store: SchemaStore, problem: Report
) -> None:
    """Report every problem of the covenant's statistics rules."""
    model, source = loaded.model, loaded.source
    record_ids = {r.id for r in model.regels}
    seen: set[str] = set()
    for index, rule in enumerate(model.statistieken):
        at: tuple[str | int, ...] = ("statistieken", index)
        if rule.id in seen or rule.id in record_ids:
            problem(source, (*at, "id"), f"regel-id {rule.id} komt twee keer voor")
        seen.add(rule.id)
        _check_rule(model, source, at, rule, registry, store, problem)
    for (_, a), (j, b) in combinations(enumerate(model.statistieken), 2):
        shared = set(a.ontvangers) & set(b.ontvangers)
        overlap = set(a.bronnen) & set(b.bronnen) and set(a.signaaltypen) & set(b.signaaltypen)
        if shared and overlap:
            problem(
                source,
                ("statistieken", j, "id"),
                f"statistiekregels {a.id} en {b.id} geven {', '.join(sorted(shared))} tabellen "
                "over dezelfde signalen; het verschil tussen die tabellen kan kleine aantallen "
                f"verraden. Zet de tabellen samen in één regel (onder `tabellen`), dan worden ze "
                "samen beveiligd",
            )


def _check_rule(
    model: Convenant,
    source: YamlSource,
    at: tuple[str | int, ...],
    rule: Statistiekregel,
    registry: Registry,
    store: SchemaStore,
    problem: Report,
) -> None:
    kop = model.convenant
    if rule.doel not in kop.doelen:
        problem(
            source,
            (*at, "doel"),
            f"doel {rule.doel!r} van {rule.id} staat niet onder convenant.doelen",
        )
    basis = kop.grondslagen.get(rule.grondslag)
    if basis is None:
        problem(
            source,
            (*at, "grondslag"),
            f"grondslag {rule.grondslag!r} van {rule.id} staat niet onder convenant.grondslagen",
        )
    for key, role, what in (
        ("bronnen", "publiceert", "levert geen signalen aan"),
        ("ontvangers", "ontvangt", "ontvangt niets"),
    ):
        for i, party in enumerate(getattr(rule, key)):
            partner = registry.get(party)
            if party not in kop.partijen:
                problem(
                    source,
                    (*at, key, i),
                    f"{party!r} in {rule.id} is geen partij bij dit convenant; zet het onder "
                    "convenant.partijen",
                )
            elif partner is not None and not getattr(partner, role):
                problem(
                    source, (*at, key, i), f"{party!r} in {rule.id}: volgens het register {what}"
                )
    for name in rule.indeling:
        if name not in rule.dimensions:
            problem(
                source,
                (*at, "indeling", name.value),
                f"{rule.id} heeft een indeling voor {name.value}, maar geen tabel telt daarop",
            )
    # a code of no municipality would count nothing: every signal there goes to OVERIG
    area = area_of(kop)
    nearby = tuple(area.gemeenten) if area is not None else ()
    for i, code in enumerate(rule.indeling.get(Dimensie.GEMEENTE, ())):
        if municipalities.known(code) is None:
            hint = likely_municipality(code, nearby)
            text = msg.unknown_municipality(code, municipalities.DIVISION, hint)
            problem(source, (*at, "indeling", Dimensie.GEMEENTE.value, i), text.nl)
    for t, table in enumerate(rule.tabellen):
        if len(table) > MAX_TABLE_DIMENSIONS:
            problem(
                source,
                (*at, "tabellen", t),
                f"een tabel van {rule.id} kruist {len(table)} dimensies; hoogstens "
                f"{MAX_TABLE_DIMENSIONS}, anders zijn bijna alle cellen te klein om te tonen",
            )
    known = store.signal_types()
    resolved: dict[str, list[Dimension]] = {}
    for i, signal_type in enumerate(rule.signaaltypen):
        if signal_type not in known:
            problem(
                source,
                (*at, "signaaltypen", i),
                f"onbekend signaaltype {signal_type!r} in {rule.id}; bekend: {', '.join(known)}",
            )
            continue
        schema = store.current(signal_type).expanded
        resolved[signal_type] = []
        for dimension in rule.dimensions:
            found = resolve(dimension, schema, rule, kop)
            if isinstance(found, str):
                problem(source, (*at, "tabellen"), f"{rule.id}: {signal_type} {found}")
                continue
            resolved[signal_type].append(found)
            needed = [Categorie(c) for c in categories_of_field(dimension, schema)]
            missing = [c for c in needed if basis is not None and c not in basis.staat_toe]
            if missing:
                problem(
                    source,
                    (*at, "grondslag"),
                    f"{rule.id} telt per {dimension.value}, en dat zijn "
                    f"{' en '.join(_KIND[c] for c in missing)}: ook een aantal per "
                    f"{dimension.value} zegt iets over de getelde mensen. Grondslag "
                    f"{rule.grondslag!r} staat dat niet toe; kies een grondslag waarvan staat_toe "
                    f"{', '.join(c.value for c in missing)} noemt, of haal {dimension.value} uit "
                    "de tabellen",
                )
    by_dimension: dict[str, set[tuple[str, ...]]] = {}
    for dimensions in resolved.values():
        for d in dimensions:
            by_dimension.setdefault(d.name.value, set()).add(d.categories)
    for dimension_name, variants in by_dimension.items():
        if len(variants) > 1:
            problem(
                source,
                (*at, "signaaltypen"),
                f"{rule.id}: {dimension_name} heeft niet in elk signaaltype dezelfde categorieën; tel die "
                "signaaltypen in aparte regels",
            )
    size = 1
    for variants in by_dimension.values():
        size *= len(next(iter(variants)))
    if size > MAX_MICROCELLS:
        problem(
            source,
            (*at, "tabellen"),
            f"de tabellen van {rule.id} samen maken {size} combinaties van categorieën; "
            f"hoogstens {MAX_MICROCELLS}: gebruik minder of grovere dimensies",
        )


def statistics_warnings(covenants: list[LoadedCovenant]) -> list[str]:
    """Where two covenants give one recipient tables over signals that may be the same (their
    areas overlap): each covenant's tables are protected on their own, so differences between
    them are not."""
    found = []
    for first, second in combinations(covenants, 2):
        a, b = first.model.convenant, second.model.convenant
        area_a, area_b = area_of(a), area_of(b)
        if area_a is not None and area_b is not None and not area_a.overlaps(area_b):
            continue
        for rule_a in first.model.statistieken:
            for rule_b in second.model.statistieken:
                shared = set(rule_a.ontvangers) & set(rule_b.ontvangers)
                if (
                    shared
                    and set(rule_a.bronnen) & set(rule_b.bronnen)
                    and set(rule_a.signaaltypen) & set(rule_b.signaaltypen)
                ):
                    found.append(
                        f"{first.source.where(('statistieken',))}: {', '.join(sorted(shared))} "
                        f"krijgt tabellen over deels dezelfde signalen van {a.id} ({rule_a.id}) "
                        f"en {b.id} ({rule_b.id}). Elk convenant beveiligt zijn eigen tabellen; "
                        "het verschil tussen beide kan kleine aantallen verraden. Controleer of "
                        "dat zo bedoeld is"
                    )
    return found
