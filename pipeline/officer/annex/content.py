"""The annex of a covenant: who receives which field, how, why and for how long, in Dutch.

Built as plain data (sections of paragraphs and tables) so that each output format (terminal,
Markdown, HTML, PDF) renders the same content, and so that another kind of rule (statistics,
say) adds a section builder without touching the renderers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.fields import ENVELOPE_DEFAULTS, REFERENCE_PROPERTY, grantable_paths
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import CATEGORY_PROPERTY, Behandeling, Categorie, Regel, Werkgebied
from pipeline.officer.annex import accountability, reidentification
from pipeline.officer.annex.statistics import TITLE as STATISTICS_TITLE
from pipeline.officer.annex.statistics import statistics_rows
from pipeline.places.municipalities import labels, named_in
from pipeline.places.police_units import unit_name
from pipeline.registry import Registry

CATEGORY_WORDS = {
    Categorie.BIJZONDER.value: "bijzonder persoonsgegeven (AVG art. 9)",
    Categorie.STRAFRECHTELIJK.value: "strafrechtelijk gegeven (AVG art. 10)",
}
_UNITS = {
    "Y": ("jaar", "jaar"),
    "M": ("maand", "maanden"),
    "W": ("week", "weken"),
    "D": ("dag", "dagen"),
}


@dataclass(frozen=True)
class Table:
    """A table: column headings and rows of cells; ``marked`` rows are special-category data."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    marked: tuple[bool, ...] = ()
    #: per row, the technical name shown small beside the first cell (a field's path)
    technical: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled part of the annex: paragraphs, an optional table, and sub-sections."""

    title: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    parts: tuple[Section, ...] = ()
    level: int = 2
    new_page: bool = False


@dataclass(frozen=True)
class Annex:
    """One covenant's annex."""

    title: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    closing: str
    #: on every printed page: the covenant, its version and its status, in brief
    footer: str = ""


@dataclass(frozen=True)
class AnnexContext:
    """What a section builder may read."""

    loaded: LoadedCovenant
    registry: Registry
    store: SchemaStore
    recipient: str | None = None
    signal_type: str | None = None
    text: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    #: concept, or vastgesteld with publication number and signer (see cli's explain)
    status: str = "concept: niet als vastgesteld gevonden bij de pijplijn"


def duration_words(iso: str) -> str:
    """``P5Y`` -> ``5 jaar``, ``P1Y6M`` -> ``1 jaar en 6 maanden``."""
    parts = [
        f"{n} {_UNITS[u][0] if n == '1' else _UNITS[u][1]}"
        for n, u in re.findall(r"(\d+)([YMWD])", iso)
    ]
    if not parts:
        return iso
    return " en ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def treatment_words(treatment: Behandeling, recipient: str, domain: str, reference: bool) -> str:
    """What the recipient gets, in words."""
    if reference:
        return "als eigen referentie van de ontvanger (verwijst naar een eerder signaal)"
    return {
        Behandeling.DOORGEVEN: "ongewijzigd",
        Behandeling.WEGLATEN: "niet (bewust weggelaten)",
        Behandeling.PSEUDONIEM: f"pseudoniem: koppelbaar binnen {domain}, niet terug te rekenen",
        Behandeling.PSEUDONIEM_HERLEIDBAAR: "herleidbaar pseudoniem: alleen met reden en "
        "logregel terug te rekenen",
        Behandeling.GEBOORTEJAAR: "alleen het geboortejaar",
        Behandeling.LEEFTIJDSCATEGORIE: "alleen de leeftijdsklasse op de datum van het signaal",
        Behandeling.PC4: "alleen de vier cijfers van de postcode",
        Behandeling.GEMEENTE: "alleen de gemeentecode",
        Behandeling.VERSLEUTELD: f"versleuteld: alleen {recipient} kan het lezen",
        Behandeling.DATUM: "alleen de dag, niet het tijdstip",
    }[treatment]


def _domain(ctx: AnnexContext, recipient: str) -> str:
    kop = ctx.loaded.model.convenant
    for name, domain in kop.koppeldomeinen.items():
        if recipient in domain.partijen:
            return f"koppeldomein {name}"
    return f"het eigen domein van {recipient}"


def _name(ctx: AnnexContext, party: str) -> str:
    partner = ctx.registry.get(party)
    return f"{partner.naam} ({party})" if partner else party


def _facts(ctx: AnnexContext) -> tuple[tuple[str, str], ...]:
    kop = ctx.loaded.model.convenant
    until = (
        f"tot {kop.geldig.tot.isoformat()} (die dag niet meer)"
        if kop.geldig.tot
        else "onbepaalde tijd"
    )
    if isinstance(kop.werkgebied, Werkgebied):
        units = kop.werkgebied.politie_eenheden
        area = "; ".join(
            p
            for p in (
                f"gemeenten {', '.join(labels(kop.werkgebied.gemeenten))}"
                if kop.werkgebied.gemeenten
                else "",
                f"{'politie-eenheid' if len(units) == 1 else 'politie-eenheden'} "
                f"{', '.join(unit_name(u) for u in units)}, voor signalen zonder gemeente"
                if units
                else "",
            )
            if p
        )
    else:
        area = "heel Nederland (landelijk)"
    digest = hashlib.sha256(ctx.text.encode()).hexdigest()[:16]
    return (
        ("Convenant", f"{kop.titel} ({kop.id})"),
        ("Status", ctx.status),
        ("Versie", kop.versie),
        (
            "Geldig",
            f"van {kop.geldig.van.isoformat()} {until}; beide gelden voor het tijdstip van het "
            "signaal én het moment van verwerken",
        ),
        ("Werkgebied", area),
        ("Partijen", "; ".join(_name(ctx, p) for p in kop.partijen)),
        ("Register van verwerkingen", kop.verwerkingsregister or "niet opgegeven"),
        ("Gemaakt uit", f"{ctx.loaded.source.path.name} (SHA-256 {digest}…)"),
    )


def _bases(ctx: AnnexContext) -> Section:
    kop = ctx.loaded.model.convenant
    purposes = tuple((name, text) for name, text in kop.doelen.items())
    split = accountability.bases(ctx.loaded)
    return Section(
        "Grondslagen en doelen",
        (
            "Een regel mag bijzondere of strafrechtelijke gegevens alleen delen onder een grondslag "
            "die dat toestaat.",
            *split.paragraphs,
        ),
        Table(split.headers, split.rows),
        (Section("Doelen", table=Table(("doel", "omschrijving"), purposes), level=3),),
    )


def _domains(ctx: AnnexContext) -> Section:
    kop = ctx.loaded.model.convenant
    recipients = sorted({r for rule in ctx.loaded.model.regels for r in rule.ontvangers})
    rows = []
    for recipient in recipients:
        name = next((n for n, d in kop.koppeldomeinen.items() if recipient in d.partijen), None)
        if name is None:
            rows.append((recipient, "eigen domein", "niemand anders"))
            continue
        domain = kop.koppeldomeinen[name]
        others = ", ".join(p for p in domain.partijen if p != recipient) or "niemand anders"
        reason = domain.herleidbaar_door.get(recipient)
        note = f"; kan herleiden, omdat: {' '.join(reason.split())}" if reason else ""
        rows.append((recipient, f"koppeldomein {name}", f"{others}{note}"))
    return Section(
        "Koppeldomeinen",
        (
            "Pseudoniemen en referenties zijn per koppeldomein verschillend: partijen in hetzelfde "
            "domein kunnen hun gegevens over dezelfde persoon of hetzelfde signaal koppelen, "
            "anderen niet. Een domein hoort bij dit convenant alleen.",
        ),
        Table(("ontvanger", "domein", "koppelbaar met"), tuple(rows)),
    )


def _envelope(ctx: AnnexContext) -> Section:
    rows = (
        (
            "envelope.event_ref",
            "een eigen referentie van het signaal, per koppeldomein verschillend",
        ),
        ("envelope.event_type", "de soort signaal"),
        (
            "envelope.trace_id, envelope.span_id",
            "nieuw voor elke verstrekking; de koppeling met de bron staat alleen in het verantwoordingslog",
        ),
        ("envelope.doelen", "doel en bewaartermijn van de regels waaronder de view is verstrekt"),
        (
            "envelope.source",
            f"de partij die het signaal stuurde (standaard: {ENVELOPE_DEFAULTS['envelope.source']})",
        ),
        (
            "envelope.occurred_at, envelope.recorded_at",
            "de dag van het signaal en van de registratie (standaard; een regel kan het tijdstip geven of weglaten)",
        ),
    )
    return Section(
        "De envelop van elke view",
        (
            "Het kenmerk dat de bron aan het signaal gaf (event_id) en haar tracecontext verlaten de "
            "pijplijn nooit. Elke view krijgt een eigen envelop:",
        ),
        Table(("veld", "wat de ontvanger krijgt"), rows),
    )


def _condition_words(rule: Regel, categories: dict[str, list[str]]) -> str:
    parts = []
    for cond in rule.voorwaarden:
        marked = categories.get(cond.veld)
        note = (
            f" ({'; '.join(CATEGORY_WORDS[c] for c in marked)}: wie de view krijgt, weet dit)"
            if marked
            else ""
        )
        parts.append(named_in(cond.describe()) + note)
    return "; ".join(parts)


def label_of(field: dict[str, object], path: str) -> str:
    """A field's human label (the schema's Dutch ``label``), else its technical name."""
    label = field.get("label")
    return str(label) if label else path


def _rule_section(ctx: AnnexContext, rule: Regel, recipient: str) -> Section:
    kop = ctx.loaded.model.convenant
    schema = ctx.store.current(rule.signaaltype).expanded
    leaves = grantable_paths(schema)
    categories = {p: list(f.get(CATEGORY_PROPERTY, [])) for p, f in leaves.items()}
    references = {p for p, f in leaves.items() if REFERENCE_PROPERTY in f}
    rows, marked, names = [], [], []
    envelope = []
    for path, treatment in rule.velden.items():
        words = treatment_words(treatment, recipient, _domain(ctx, recipient), path in references)
        label = label_of(leaves.get(path, {}), path)
        if path.startswith("envelope."):  # the view's envelope: not data about a person
            envelope.append(f"{label} ({path}): {words}")
            continue
        cats = "; ".join(CATEGORY_WORDS[c] for c in categories.get(path, []))
        rows.append((label, words, cats or "-"))
        names.append(path)
        marked.append(bool(cats) and treatment is not Behandeling.WEGLATEN)
    basis = kop.grondslagen[rule.grondslag]
    lines = [
        f"Van: {', '.join(_name(ctx, s) for s in rule.bronnen)}. Doel: {rule.doel} "
        f"({kop.doelen.get(rule.doel, '')}).",
        f"Grondslag: {rule.grondslag} ({basis.omschrijving}). Bewaartermijn: "
        f"{duration_words(rule.bewaartermijn)} ({rule.bewaartermijn}).",
    ]
    if rule.voorwaarden:
        lines.append(f"Alleen als: {_condition_words(rule, categories)}.")
    if isinstance(kop.werkgebied, Werkgebied):
        lines.append(
            "Alleen signalen uit het werkgebied"
            + (
                "; ook signalen zonder bruikbare locatie."
                if rule.ook_zonder_locatie
                else "; een signaal zonder bruikbare locatie niet."
            )
        )
    lines.append(
        "Envelop: "
        + ("; ".join(envelope) if envelope else "de standaard (zie 'De envelop van elke view')")
        + "."
    )
    if rule.omschrijving:
        lines.append(" ".join(rule.omschrijving.split()))
    article = f", artikel {rule.artikel}" if rule.artikel else ""
    return Section(
        f"{rule.signaaltype}, regel {rule.id}{article}",
        tuple(lines),
        Table(
            ("gegeven", "wat de ontvanger krijgt", "bijzondere gegevens"),
            tuple(rows),
            tuple(marked),
            tuple(names),
        ),
        level=3,
    )


def _recipients(ctx: AnnexContext) -> list[Section]:
    rules = ctx.loaded.model.regels
    recipients = sorted({r for rule in rules for r in rule.ontvangers})
    out = []
    for recipient in recipients:
        if ctx.recipient is not None and recipient != ctx.recipient:
            continue
        own = [
            _rule_section(ctx, rule, recipient)
            for rule in rules
            if recipient in rule.ontvangers
            and (ctx.signal_type is None or rule.signaaltype == ctx.signal_type)
        ]
        if own:
            longest = max(
                (rule for rule in rules if recipient in rule.ontvangers),
                key=lambda r: _days(r.bewaartermijn),
            )
            out.append(
                Section(
                    f"Wat {_name(ctx, recipient)} ontvangt",
                    (
                        f"Langste bewaartermijn: {duration_words(longest.bewaartermijn)} (regel {longest.id}).",
                    ),
                    parts=tuple(own),
                    new_page=True,
                )
            )
    return out


def _days(iso: str) -> int:
    factor = {"Y": 366, "M": 31, "W": 7, "D": 1}
    return sum(int(n) * factor[u] for n, u in re.findall(r"(\d+)([YMWD])", iso))


def _statistics(ctx: AnnexContext) -> list[Section]:
    """Statistics rules: a recipient gets counts per cell, after disclosure control."""
    rows = [
        r
        for r in statistics_rows([ctx.loaded])
        if ctx.recipient is None or r.recipient == ctx.recipient
    ]
    if not rows:
        return []
    return [
        Section(
            STATISTICS_TITLE,
            (
                "Een statistiekregel geeft geen gegevens over personen, alleen aantallen per "
                "periode; kleine aantallen, en cellen waaruit die terug te rekenen zijn, worden "
                "niet getoond.",
            ),
            table=Table(
                ("ontvanger", "wat", "waarom"),
                tuple((_name(ctx, r.recipient), r.what, r.why) for r in rows),
            ),
            new_page=True,
        )
    ]


#: Builders of the annex's sections, in order; another rule kind adds its own here.
SectionBuilder = Callable[[AnnexContext], list[Section]]
SECTION_BUILDERS: list[SectionBuilder] = [
    lambda ctx: [
        _part(accountability.controllers(ctx.loaded, lambda p: _name(ctx, p), ctx.registry)),
        _bases(ctx),
        _part(accountability.rights(ctx.loaded, lambda p: _name(ctx, p))),
        _part(accountability.security(ctx.loaded)),
        _part(accountability.who_sees_what(ctx.loaded)),
        _domains(ctx),
        _part(reidentification.herleiders(ctx.loaded)),
        _part(reidentification.through_other_covenants(ctx.loaded, lambda p: _name(ctx, p), ctx.recipient)),
        _envelope(ctx),
    ],
    _recipients,
    _statistics,
]


def _part(part: accountability.Part, new_page: bool = False) -> Section:
    table = Table(part.headers, part.rows) if part.headers else None
    return Section(part.title, part.paragraphs, table, new_page=new_page)


def build_annex(ctx: AnnexContext) -> Annex:
    """The annex of one covenant (optionally for one recipient or signal type only)."""
    kop = ctx.loaded.model.convenant
    sections = [s for builder in SECTION_BUILDERS for s in builder(ctx)]
    return Annex(
        title=f"Bijlage bij {kop.titel}: welke gegevens wie ontvangt",
        facts=_facts(ctx),
        sections=tuple(sections),
        closing="Wat hier niet staat, wordt niet gedeeld: een veld dat geen regel noemt, verlaat "
        "de pijplijn nooit, en een partij die geen regel noemt, ontvangt niets.",
        footer=f"Bijlage {kop.id}, versie {kop.versie}, {ctx.status.split(':')[0]}",
    )
