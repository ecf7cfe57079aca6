"""Who sees which field of which signal type, how and why: the disclosure matrix of the covenants."""

from __future__ import annotations

import html
from dataclasses import dataclass

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling
from pipeline.officer.document import markdown_text


@dataclass(frozen=True, order=True)
class MatrixRow:
    """One field of one signal type for one recipient from one source, under one rule."""

    signal_type: str
    recipient: str
    field: str
    source: str
    treatment: Behandeling
    covenant: str
    rule: str
    article: str
    purpose: str
    legal_basis: str
    retention: str
    conditions: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What a diff matches rows on: (signal type, recipient, field, source)."""
        return (self.signal_type, self.recipient, self.field, self.source)

    @property
    def grounds(self) -> str:
        """Why, in one line: covenant, rule, article, basis, purpose, retention, conditions."""
        parts = [
            f"{self.covenant} {self.rule}",
            f"art. {self.article}" if self.article else "",
            self.legal_basis,
            self.purpose,
            self.retention,
            f"if {self.conditions}" if self.conditions else "",
        ]
        return ", ".join(p for p in parts if p)


def disclosure_matrix(covenants: list[LoadedCovenant]) -> list[MatrixRow]:
    """Every (signal type, recipient, field, source) a rule names, sorted for reading."""
    rows = []
    for loaded in covenants:
        kop = loaded.model.convenant
        for rule in loaded.model.regels:
            conditions = "; ".join(c.describe() for c in rule.voorwaarden)
            for recipient in rule.ontvangers:
                for source in rule.bronnen:
                    for field, treatment in rule.velden.items():
                        rows.append(
                            MatrixRow(
                                rule.signaaltype,
                                recipient,
                                field,
                                source,
                                treatment,
                                f"{kop.id}@{kop.versie}",
                                rule.id,
                                rule.artikel or "",
                                rule.doel,
                                rule.grondslag,
                                rule.bewaartermijn,
                                conditions,
                            )
                        )
    return sorted(rows)


def grouped(rows: list[MatrixRow]) -> list[tuple[str, str, str, str, str]]:
    """Rows merged over sources: (signal type, recipient, field, treatment, 'sources: grounds')."""
    merged: dict[tuple[str, str, str, str, str], list[str]] = {}
    for row in rows:
        merged.setdefault(
            (row.signal_type, row.recipient, row.field, row.treatment.value, row.grounds), []
        ).append(row.source)
    return [
        (signal_type, recipient, field, treatment, f"{', '.join(sources)}: {grounds}")
        for (signal_type, recipient, field, treatment, grounds), sources in merged.items()
    ]


HEADERS = (
    "signal type",
    "recipient",
    "field",
    "treatment",
    "from: why (rule, article, basis, purpose, retention, if)",
)


def to_markdown(rows: list[MatrixRow], title: str) -> str:
    """The matrix as a Markdown document (one table per signal type) for a covenant annex."""
    lines = [f"# {title}", "", "Fields no rule names are never disclosed (default deny).", ""]
    current = None
    for signal_type, recipient, field, treatment, why in grouped(rows):
        if signal_type != current:
            current = signal_type
            lines += [
                "",
                f"## {signal_type}",
                "",
                "| recipient | field | treatment | from: why |",
                "| --- | --- | --- | --- |",
            ]
        # a field is a schema path; the rest comes from covenant files: shown as written
        cells = [
            markdown_text(recipient),
            f"`{field}`",
            markdown_text(treatment),
            markdown_text(why),
        ]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def to_html(rows: list[MatrixRow], title: str) -> str:
    """The matrix as a standalone HTML page."""
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}"
        "th{background:#eee}td.weglaten{color:#999}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        "<p>Fields no rule names are never disclosed (default deny).</p>",
    ]
    current = None
    for signal_type, recipient, field, treatment, why in grouped(rows):
        if signal_type != current:
            if current is not None:
                parts.append("</table>")
            current = signal_type
            parts += [
                f"<h2>{e(signal_type)}</h2>",
                "<table><tr><th>recipient</th><th>field</th>"
                "<th>treatment</th><th>from: why</th></tr>",
            ]
        parts.append(
            f"<tr><td>{e(recipient)}</td><td><code>{e(field)}</code></td>"
            f'<td class="{e(treatment)}">{e(treatment)}</td><td>{e(why)}</td></tr>'
        )
    if current is not None:
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
