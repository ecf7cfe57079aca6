"""The annex as Markdown, as an HTML page that prints on A4, and as plain lines."""

from __future__ import annotations

import html

from pipeline.officer.annex.content import Annex, Section

#: Print styles: A4 with margins, tables that wrap inside the page, a recipient per page.
_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-right { content: "pagina " counter(page) " van " counter(pages);
                        font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8pt;
                        color: #444; }
        @bottom-left { content: var(--voet); font-family: "DejaVu Sans", Arial, sans-serif;
                       font-size: 8pt; color: #444; } }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt;
       color: #111; }
body { margin: 0 auto; max-width: 178mm; }
h1 { font-size: 16pt; margin: 0 0 6pt; }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #888; }
h3 { font-size: 11pt; margin: 10pt 0 3pt; }
h2, h3, h4 { break-after: avoid-page; page-break-after: avoid; }
section.regel { break-inside: avoid-page; page-break-inside: avoid; }
p { margin: 2pt 0 4pt; }
table { border-collapse: collapse; width: 100%; table-layout: auto; margin: 3pt 0 8pt;
        page-break-inside: auto; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
table.velden { table-layout: fixed; }
table.velden th:nth-child(1) { width: 40%; }
table.velden th:nth-child(2) { width: 36%; }
th, td { border: 1px solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top;
         overflow-wrap: normal; word-break: normal; hyphens: manual; }
td small.naam { display: block; font-family: "DejaVu Sans Mono", monospace; font-size: 7pt;
                color: #555; white-space: normal; }
th { background: #eee; }
td code, dd code { font-size: 9pt; }
tr.bijzonder td { background: #fff2cc; }
dl.feiten { display: grid; grid-template-columns: 38mm 1fr; gap: 2pt 6pt; margin: 0 0 8pt; }
dl.feiten dt { font-weight: bold; }
dl.feiten dd { margin: 0; overflow-wrap: break-word; }
section.pagina { page-break-before: always; }
p.slot { margin-top: 12pt; font-weight: bold; }
"""


def _css_string(text: str) -> str:
    """A CSS string literal (for the page footer)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_section(section: Section) -> list[str]:
    lines = ["", f"{'#' * section.level} {section.title}", ""]
    lines += [*section.paragraphs, ""] if section.paragraphs else []
    if section.table is not None:
        lines.append("| " + " | ".join(section.table.headers) + " |")
        lines.append("|" + " --- |" * len(section.table.headers))
        technical = section.table.technical
        for i, row in enumerate(section.table.rows):
            name = f" (`{technical[i]}`)" if i < len(technical) and technical[i] else ""
            cells = [row[0] + name, *row[1:]]
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    for part in section.parts:
        lines += _md_section(part)
    return lines


def to_markdown(annexes: list[Annex]) -> str:
    """One or more annexes as a Markdown document."""
    lines: list[str] = []
    for annex in annexes:
        lines += [f"# {annex.title}", ""]
        lines += [f"- **{name}**: {value}" for name, value in annex.facts]
        for section in annex.sections:
            lines += _md_section(section)
        lines += ["", f"**{annex.closing}**", ""]
    return "\n".join(lines).rstrip() + "\n"


def _text_section(section: Section, depth: int) -> list[str]:
    indent = "  " * depth
    lines = ["", f"{indent}{section.title}"]
    lines += [f"{indent}  {p}" for p in section.paragraphs]
    table = section.table
    if table is not None:
        lines.append(f"{indent}  ({' | '.join(table.headers)})")
        for i, row in enumerate(table.rows):
            name = (
                f" ({table.technical[i]})"
                if i < len(table.technical) and table.technical[i]
                else ""
            )
            lines.append(f"{indent}  - {' | '.join([row[0] + name, *row[1:]])}")
    for part in section.parts:
        lines += _text_section(part, depth + 1)
    return lines


def to_text(annexes: list[Annex]) -> str:
    """One or more annexes as plain lines (for a pipe or a file): no padding, no tables drawn
    in characters, one table row a line, cells between bars."""
    lines: list[str] = []
    for annex in annexes:
        lines += [annex.title]
        lines += [f"  {name}: {value}" for name, value in annex.facts]
        for section in annex.sections:
            lines += _text_section(section, 0)
        lines += ["", annex.closing, ""]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def _breakable(name: str) -> str:
    """A technical name that may break after a dot or underscore, never inside a word."""
    return "".join(html.escape(c) + ("<wbr>" if c in "._" else "") for c in name)


def _html_section(section: Section) -> list[str]:
    e = html.escape
    level = min(section.level, 4)
    opening = '<section class="pagina">' if section.new_page else "<section>"
    table = section.table
    if table is not None and table.technical and not section.new_page:
        # one rule: its heading, its lines and its fields start on one page
        opening = '<section class="regel">'
    out = [opening, f"<h{level}>{e(section.title)}</h{level}>"]
    out += [f"<p>{e(p)}</p>" for p in section.paragraphs]
    if table is not None:
        out.append('<table class="velden">' if table.technical else "<table>")
        out.append(
            "<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in table.headers) + "</tr></thead>"
        )
        out.append("<tbody>")
        for i, row in enumerate(table.rows):
            special = i < len(table.marked) and table.marked[i]
            name = table.technical[i] if i < len(table.technical) else ""
            first = (
                f'{e(row[0])}<small class="naam">{_breakable(name)}</small>' if name else e(row[0])
            )
            cells = f"<td>{first}</td>" + "".join(f"<td>{e(c)}</td>" for c in row[1:])
            out.append(f'<tr class="bijzonder">{cells}</tr>' if special else f"<tr>{cells}</tr>")
        out.append("</tbody></table>")
    for part in section.parts:
        out += _html_section(part)
    out.append("</section>")
    return out


def to_html(annexes: list[Annex]) -> str:
    """One or more annexes as a standalone Dutch HTML page that prints on A4."""
    e = html.escape
    title = annexes[0].title if len(annexes) == 1 else "Bijlagen bij de convenanten"
    parts = [
        "<!doctype html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}:root {{ --voet: {_css_string(annexes[0].footer)}; }}</style></head><body>",
    ]
    for index, annex in enumerate(annexes):
        parts.append(
            '<article class="bijlage">' if index == 0 else '<article class="bijlage pagina">'
        )
        parts.append(f"<h1>{e(annex.title)}</h1>")
        parts.append('<dl class="feiten">')
        parts += [f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in annex.facts]
        parts.append("</dl>")
        for section in annex.sections:
            parts += _html_section(section)
        parts.append(f'<p class="slot">{e(annex.closing)}</p>')
        parts.append("</article>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
