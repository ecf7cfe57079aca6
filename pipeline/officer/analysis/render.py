"""The analysis as a document (Markdown, a self-contained HTML page for A4 and screen), as JSON,
and as a short summary for the terminal. Dutch: it is read by privacy officers and policy
makers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import Enum
from typing import Any

from pipeline.messages import combinations as combination_msg
from pipeline.messages import comparison as msg
from pipeline.officer.analysis.across import Across
from pipeline.officer.analysis.matrix import Matrix, MatrixCell
from pipeline.officer.analysis.report import Analysis, Overlap, Pair, differences_of
from pipeline.officer.annex.content import duration_words
from pipeline.officer.comparison.facts import FieldCover
from pipeline.officer.document import Cell, Document, h, p, table, ul
from pipeline.places.areas import place_labels
from pipeline.places.municipalities import DIVISION, named_in
from pipeline.places.police_units import unit_label

#: Short words for the matrix cells (the legend says them in full).
SHORT = {
    "doorgeven": "ja",
    "versleuteld": "versl.",
    "pseudoniem": "pseud.",
    "pseudoniem-herleidbaar": "herl.",
    "geboortejaar": "jaar",
    "leeftijdscategorie": "leeft.",
    "pc4": "pc4",
    "gemeente": "gem.",
    "datum": "dag",
}
LEGEND = (
    "ja = ongewijzigd; versl. = versleuteld, alleen de ontvanger kan het lezen; pseud. = "
    "pseudoniem, niet terug te rekenen; herl. = herleidbaar pseudoniem; jaar = alleen het "
    "geboortejaar; leeft. = leeftijdscategorie; pc4 = vier cijfers van de postcode; gem. = "
    "gemeentecode; dag = alleen de dag; * = alleen onder een voorwaarde; leeg = nooit. Een "
    "cijfer verwijst naar de grondslag; wijs een cel aan voor regel, doel en bewaartermijn."
)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_CATEGORY = {"bijzonder": "art. 9", "strafrechtelijk": "art. 10"}


def _matrix(matrix: Matrix, doc: Document) -> None:
    numbers = {key: i + 1 for i, (key, _, _) in enumerate(matrix.bases)}

    def cell(found: MatrixCell | None) -> Cell:
        if found is None:
            return Cell("", css="leeg")
        marks = "".join(str(numbers[b]).translate(_SUPERSCRIPT) for b in found.bases if b in numbers)
        text = "/".join(SHORT.get(t, t) for t in found.treatments) + ("*" if found.conditional else "")
        hover = "; ".join(
            [
                f"regel {', '.join(found.rules)}",
                f"grondslag {', '.join(found.bases)}",
                f"doel {', '.join(found.purposes)}",
                f"bewaren {', '.join(duration_words(r) for r in found.retentions)}",
                *([f"alleen als {named_in('; '.join(found.conditions))}"] if found.conditions else []),
            ]
        )
        return Cell(f"{text}{marks}", hover)

    for part in matrix.parts:
        doc.add(h(3, f"{matrix.covenant}: {part.signal_type}"))
        rows = []
        for row in part.rows:
            marked = ", ".join(_CATEGORY[c] for c in row.categories if c in _CATEGORY)
            first = Cell(row.field + (f" ({marked})" if marked else ""), css="bijzonder" if marked else "")
            rows.append([first, *(cell(c) for c in row.cells)])
        doc.add(table(["veld", *part.recipients], rows, css="matrix"))
    legend = [f"{numbers[key]} = {key}: {text}" for key, text, _ in matrix.bases]
    doc.add(p("Grondslagen: " + "; ".join(legend) + ".", "noot"), p(LEGEND, "noot"))


def _covers(covers: tuple[FieldCover, ...]) -> str:
    if not covers:
        return "niets"
    treatments = ", ".join(sorted({c.treatment for c in covers}))
    grounds = sorted(
        {
            f"{c.rule.id}: {c.grounds.basis}, {c.grounds.purpose}, "
            f"{duration_words(c.grounds.retention)}"
            + (f", als {named_in('; '.join(sorted(x.text for x in c.scope.conditions)))}" if c.scope.conditions else "")
            for c in covers
        }
    )
    return f"{treatments} ({' | '.join(grounds)})"


def _pair(pair: Pair, doc: Document) -> None:
    doc.add(h(3, f"{pair.first} en {pair.second}"))
    if pair.gaps:
        doc.add(p("Gaten: een soort partner ontvangt een signaaltype onder het ene convenant en "
                  "niets daarvan onder het andere."))
        doc.add(
            table(
                ["soort partner", "ontvangt", "alleen onder"],
                [[Cell(k), Cell(t), Cell(c)] for k, t, c in pair.gaps],
            )
        )
    grouped: dict[tuple[str, ...], list[str]] = {}
    for change in differences_of(pair):
        label = msg.side_by_side_kind(
            change.kind.value, pair.first, pair.second, tuple(a.value for a in change.by)
        ).nl
        detail = "; ".join(f"{d.aspect}: {d.before} → {d.after}" for d in change.differences)
        key = (
            change.party,
            change.signal_type,
            label + (f" ({detail})" if detail else ""),
            _covers(change.before),
            _covers(change.after),
        )
        grouped.setdefault(key, []).append(change.field)
    rows = [
        [Cell(party), Cell(signal_type), Cell(", ".join(fields)), Cell(label), Cell(was), Cell(now)]
        for (party, signal_type, label, was, now), fields in grouped.items()
    ]
    if rows:
        doc.add(
            table(["soort", "signaaltype", "velden", "verschil", f"onder {pair.first}", f"onder {pair.second}"], rows)
        )
    elif not pair.gaps:
        doc.add(p(msg.no_difference_between(pair.first, pair.second).nl))


def _overlap(overlap: Overlap, doc: Document) -> None:
    doc.add(h(3, f"{overlap.first} en {overlap.second}"))
    where = (
        ["het hele land"]
        if overlap.everywhere
        else [*overlap.municipalities, *(f"{unit_label(u)}, voor signalen zonder gemeente" for u in overlap.police_units)]
    )
    doc.add(p(f"Overlap in {', '.join(where)}. Een signaal daar gaat onder beide convenanten naar buiten."))
    if overlap.kinds:
        doc.add(
            table(
                ["soort partner", "ontvangt onder beide"],
                [[Cell(k), Cell(", ".join(t))] for k, t in overlap.kinds],
            )
        )
    if overlap.conflicts:
        doc.add(p("Tegenstrijdig: hetzelfde veld is onder het ene convenant minder beschermd.", "let-op"))
        doc.add(
            table(
                ["soort", "signaaltype", "veld", "minder beschermd onder", "daar", "elders", "zelfde partner"],
                [
                    [
                        Cell(c.kind), Cell(c.signal_type), Cell(c.field), Cell(c.weaker_under),
                        Cell(", ".join(c.weaker), css="zwak"), Cell(", ".join(c.stronger)),
                        Cell("ja" if c.same_partner else "nee"),
                    ]
                    for c in overlap.conflicts
                ],
            )
        )


def _fields(fields: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{path} ({treatment})" for path, treatment in fields)


def _across(found: Across, doc: Document) -> None:
    """Who can re-identify across covenants, and what herleidbaar_via allows."""
    doc.add(h(2, "Herleidbaar over convenanten heen"), p(combination_msg.across_intro().nl, "noot"))
    if not found.findings:
        doc.add(p(combination_msg.across_none().nl))
    else:
        rows = [
            [
                Cell(f.recipient),
                Cell(f"{f.signal_type} van {', '.join(f.sources)}"),
                Cell(f"{f.identity.covenant} {f.identity.rule}: {_fields(f.identity.fields)}"),
                Cell(f"{f.protected.covenant} {f.protected.rule}: {_fields(f.protected.fields)}"),
                Cell(
                    combination_msg.across_allowed(f.allowed_because).nl,
                    css="" if f.allowed_because else "zwak",
                ),
            ]
            for f in found.findings
        ]
        doc.add(table([t.nl for t in combination_msg.across_headers()], rows))
    if found.statements:
        doc.add(h(3, combination_msg.statements_title().nl), p(combination_msg.statements_intro().nl))
        doc.add(
            table(
                [t.nl for t in combination_msg.statements_headers()],
                [
                    [
                        Cell(s.covenant), Cell(s.recipient), Cell(s.through), Cell(s.reason),
                        Cell(combination_msg.statement_used(s.used).nl),
                    ]
                    for s in found.statements
                ],
            )
        )


def analysis_document(analysis: Analysis) -> Document:
    """The full analysis as a document."""
    ids = [x.id for x in analysis.headings]
    doc = Document(f"Analyse van de convenanten: {', '.join(ids)}")
    doc.add(
        p(
            f"Opgesteld op {analysis.today.isoformat()} met ketenstroom convenant analyse, uit de "
            f"gecompileerde convenanten (wat de router doet). Gemeenten volgens {DIVISION}.",
            "noot",
        )
    )
    doc.add(h(2, "Samenvatting"), ul(summary(analysis)))
    doc.add(h(2, "De convenanten"))
    doc.add(
        table(
            ["convenant", "versie", "geldig", "werkgebied", "partijen"],
            [
                [
                    Cell(f"{x.id}: {x.title}"),
                    Cell(x.version),
                    Cell(f"{x.valid_from} tot {x.valid_until or 'onbepaald'}"),
                    Cell(_area(x)),
                    Cell(", ".join(x.parties)),
                ]
                for x in analysis.headings
            ],
        )
    )
    for x in analysis.headings:
        if x.area is not None:
            places = place_labels(x.area.municipalities, x.area.police_units)
            doc.add(p(f"Werkgebied van {x.id}: {', '.join(places)}.", "noot"))
    doc.add(h(2, "Wie ziet wat"))
    for matrix in analysis.matrices:
        _matrix(matrix, doc)
    if analysis.pairs:
        doc.add(h(2, "Naast elkaar, per soort partner"))
        doc.add(p("Partners van dezelfde soort (het register: soort) worden vergeleken; werkgebied en "
                  "geldigheid verschillen per regio en tellen hier niet mee, een voorwaarde op de "
                  "eigen gemeente ook niet.", "noot"))
        for pair in analysis.pairs:
            _pair(pair, doc)
    doc.add(h(2, "Overlappende werkgebieden"))
    if not analysis.overlaps:
        doc.add(p("Geen: geen gemeente valt onder twee van deze convenanten."))
    for overlap in analysis.overlaps:
        _overlap(overlap, doc)
    if analysis.cross_reidentification is not None:
        _across(analysis.cross_reidentification, doc)
    doc.add(h(2, "Statistiek naast elkaar"))
    doc.add(
        table(
            ["convenant", "regel", "ontvangers", "bronnen", "signaaltypen", "tabellen", "drempel", "periode"],
            [
                [
                    Cell(s.covenant), Cell(s.rule), Cell(", ".join(s.recipients)),
                    Cell(", ".join(s.sources)), Cell(", ".join(s.signal_types)),
                    Cell("; ".join(" × ".join(t) for t in s.tables)), Cell(str(s.threshold)),
                    Cell(s.period),
                ]
                for s in analysis.statistics
            ],
        )
    )
    for double in analysis.double_counts:
        where = "het hele land" if double.everywhere else ", ".join(double.municipalities) or "-"
        doc.add(
            p(
                f"Dubbel geteld: {double.recipient} telt signalen ({', '.join(double.signal_types)}) "
                f"van {', '.join(double.sources)} uit {where} zowel onder {double.first} als onder "
                f"{double.second}. Wie de tabellen optelt, telt ze twee keer.",
                "let-op",
            )
        )
    doc.add(h(2, "Losse eindjes"))
    if analysis.usage_period:
        doc.add(p(f"Gebruik volgens het verantwoordingslog, {analysis.usage_period}.", "noot"))
    for loose in analysis.loose_ends:
        doc.add(h(3, loose.covenant), ul(_loose(loose)))
    return doc


def _area(heading: Any) -> str:
    if heading.area is None:
        return "landelijk"
    count = len(heading.area.municipalities)
    units = ", ".join(unit_label(u) for u in sorted(heading.area.police_units))
    return f"{count} {'gemeente' if count == 1 else 'gemeenten'}" + (f"; {units}" if units else "")


def _loose(loose: Any) -> list[str]:
    lines = [
        f"doelen die geen regel gebruikt: {', '.join(loose.purposes) or 'geen'}",
        f"grondslagen die geen regel gebruikt: {', '.join(loose.bases) or 'geen'}",
        f"partijen die niets ontvangen en niets aanleveren: {', '.join(loose.receive_nothing) or 'geen'}",
    ]
    if loose.unused_rules is not None:
        lines.append(
            f"regels zonder verstrekking in de periode: {', '.join(loose.unused_rules) or 'geen'}"
        )
    else:
        lines.append("regels zonder verstrekking: niet nagegaan (geef --van/--tot met een broker)")
    return lines


def summary(analysis: Analysis) -> list[str]:
    """The findings in a few lines (also the terminal's output)."""
    lines = [f"{len(analysis.headings)} convenanten: {', '.join(x.id for x in analysis.headings)}"]
    for pair in analysis.pairs:
        differences = differences_of(pair)
        kinds = sorted({c.party for c in differences})
        lines.append(
            f"{pair.first} en {pair.second}: {len(differences)} velden verschillen "
            f"(soorten: {', '.join(kinds) or 'geen'}); {len(pair.gaps)} gaten"
            + (f" ({'; '.join(f'{k} {t} alleen onder {c}' for k, t, c in pair.gaps)})" if pair.gaps else "")
        )
    for overlap in analysis.overlaps:
        where = (
            "het hele land"
            if overlap.everywhere
            else ", ".join(overlap.municipalities) or ", ".join(map(unit_label, overlap.police_units))
        )
        lines.append(
            f"overlap {overlap.first} en {overlap.second} in {where}: "
            f"{len(overlap.kinds)} {'soort ontvangt' if len(overlap.kinds) == 1 else 'soorten ontvangen'} "
            f"onder beide, {len(overlap.conflicts)} tegenstrijdig"
        )
    cross = analysis.cross_reidentification
    if cross is not None:
        seen = dict.fromkeys(
            (f.recipient, f.protected.covenant, f.identity.covenant, f.kinds, f.allowed_because is not None)
            for f in cross.findings
        )
        lines += [combination_msg.across_summary(*key).nl for key in seen]
    for double in analysis.double_counts:
        lines.append(f"dubbel geteld voor {double.recipient}: {double.first} en {double.second}")
    for loose in analysis.loose_ends:
        found = len(loose.purposes) + len(loose.bases) + len(loose.receive_nothing) + len(loose.unused_rules or ())
        if found:
            lines.append(f"{loose.covenant}: {found} losse eindjes")
    return lines


def as_plain_data(value: Any) -> Any:
    """A dataclass tree as JSON-ready data (enums by value, dates as ISO text, sets sorted)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: as_plain_data(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare or f.name != "kop"
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [as_plain_data(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def to_json(analysis: Analysis) -> str:
    """The analysis as JSON (every finding as data, for scripts and a live page)."""
    return json.dumps(as_plain_data(analysis), ensure_ascii=False, indent=2, default=str)
