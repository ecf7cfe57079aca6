"""What statistics rules disclose, for ``convenant explain``: counts per table, never a field."""

from __future__ import annotations

import html
from dataclasses import dataclass

from pipeline.covenant.loader import LoadedCovenant

TITLE = "Statistieken: alleen aantallen, na statistische beveiliging (docs/statistiek.md)"


@dataclass(frozen=True)
class StatisticsRow:
    """One statistics rule for one recipient, in plain Dutch."""

    recipient: str
    covenant: str
    rule: str
    what: str
    why: str


def statistics_rows(covenants: list[LoadedCovenant]) -> list[StatisticsRow]:
    """Every statistics rule, per recipient."""
    rows = []
    for loaded in covenants:
        kop = loaded.model.convenant
        for rule in loaded.model.statistieken:
            tables = "; ".join(" × ".join(d.value for d in t) for t in rule.tabellen)
            control = rule.beveiliging
            what = (
                f"per {rule.periode.value} het aantal {', '.join(rule.signaaltypen)} van "
                f"{', '.join(rule.bronnen)}, in de tabellen {tables} (met totalen); aantallen "
                f"onder {control.drempel} en cellen waaruit die terug te rekenen zijn, worden "
                "niet getoond"
                + ("" if control.nullen.value == "onderdrukken" else "; nullen wel")
                + (f"; afgerond op {control.afronden}" if control.afronden else "")
            )
            why = ", ".join(
                p
                for p in (
                    f"{kop.id}@{kop.versie} {rule.id}",
                    f"art. {rule.artikel}" if rule.artikel else "",
                    rule.grondslag,
                    rule.doel,
                )
                if p
            )
            for recipient in rule.ontvangers:
                rows.append(StatisticsRow(recipient, kop.id, rule.id, what, why))
    return sorted(rows, key=lambda r: (r.recipient, r.covenant, r.rule))


def statistics_markdown(rows: list[StatisticsRow]) -> str:
    """The rows as a Markdown section (empty when there are none)."""
    if not rows:
        return ""
    lines = ["", f"## {TITLE}", "", "| ontvanger | wat | waarom |", "| --- | --- | --- |"]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in (row.recipient, row.what, row.why)]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def statistics_html(rows: list[StatisticsRow]) -> str:
    """The rows as an HTML section (empty when there are none)."""
    if not rows:
        return ""
    e = html.escape
    parts = [
        f"<h2>{e(TITLE)}</h2>",
        "<table><tr><th>ontvanger</th><th>wat</th><th>waarom</th></tr>",
        *(
            f"<tr><td>{e(r.recipient)}</td><td>{e(r.what)}</td><td>{e(r.why)}</td></tr>"
            for r in rows
        ),
        "</table>",
    ]
    return "\n".join(parts) + "\n"
