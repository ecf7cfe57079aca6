"""A small document model for the officer's reports (memo, analysis): headings, paragraphs,
lists and tables as plain data, written out as Markdown, as a self-contained HTML page that
prints on A4, or read by the terminal printer. No network: the page carries its own styles."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, a hover text (``title``) and a CSS class (e.g. ``bijzonder``)."""

    text: str
    hover: str = ""
    css: str = ""


@dataclass(frozen=True)
class Block:
    """One block: ``h1``-``h3`` (text), ``p`` (text), ``ul`` (items), ``table`` (header and
    rows of cells), ``page`` (a new printed page starts here)."""

    tag: str
    text: str = ""
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    css: str = ""


def h(level: int, text: str) -> Block:
    """A heading."""
    return Block(f"h{level}", text)


def p(text: str, css: str = "") -> Block:
    """A paragraph."""
    return Block("p", text, css=css)


def ul(items: list[str] | tuple[str, ...]) -> Block:
    """A list."""
    return Block("ul", items=tuple(items))


def table(header: list[str], rows: list[list[Cell]], css: str = "") -> Block:
    """A table."""
    return Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows), css=css)


PAGE = Block("page")


@dataclass
class Document:
    """A title and blocks."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        """Append blocks."""
        self.blocks.extend(blocks)


#: Characters Markdown gives a meaning anywhere in a line: written with a backslash, they stay
#: the characters (CommonMark: any ASCII punctuation may be escaped so).
_INLINE = re.compile(r"[\\`*\[\]<>|~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
#: What starts a block when it opens a line: a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(?:[#>+=-]|\d+[.)])")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that shows exactly it: one line, every character that would make
    markup (a heading, a list, a link, an HTML comment that hides all after it) escaped. The
    texts come from covenant files, and a memo is read as rendered Markdown."""
    one_line = " ".join(text.split("\n")).strip()
    escaped = _INLINE.sub(lambda m: "\\" + m.group(0), one_line)
    return _BLOCK_START.sub(lambda m: "\\" + m.group(0), escaped)


def to_markdown(doc: Document) -> str:
    """The document as Markdown (hover texts become a footnote-free parenthesis)."""
    lines = [f"# {markdown_text(doc.title)}", ""]
    for block in doc.blocks:
        if block.tag.startswith("h"):
            lines += [f"{'#' * int(block.tag[1])} {markdown_text(block.text)}", ""]
        elif block.tag == "p":
            lines += [markdown_text(block.text), ""]
        elif block.tag == "ul":
            lines += [f"- {markdown_text(item)}" for item in block.items] + [""]
        elif block.tag == "table":
            lines.append("| " + " | ".join(markdown_text(x) for x in block.header) + " |")
            lines.append("|" + " --- |" * len(block.header))
            for row in block.rows:
                lines.append("| " + " | ".join(markdown_text(c.text) for c in row) + " |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


#: Print and screen styles: A4 with margins, tables that wrap inside the page.
CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt;
       color: #111; }
body { margin: 0 auto; max-width: 182mm; padding: 0 2mm; box-sizing: border-box; }
h1 { font-size: 16pt; margin: 0 0 6pt; }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #888; }
h3 { font-size: 11pt; margin: 10pt 0 3pt; }
p { margin: 2pt 0 4pt; }
ul { margin: 2pt 0 6pt; padding-left: 14pt; }
li { margin: 1pt 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: 3pt 0 8pt;
        page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #999; padding: 2pt 3pt; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #eee; }
table.matrix { font-size: 8pt; }
table.matrix th { font-size: 7.5pt; }
table.matrix td { text-align: center; }
table.matrix td:first-child, table.matrix th:first-child { text-align: left; width: 30%; }
td.leeg { color: #bbb; }
td.bijzonder, tr.bijzonder td:first-child { background: #fff2cc; }
td.zwak { background: #fde2e2; }
td[title] { cursor: help; }
p.noot { color: #444; font-size: 9pt; }
p.let-op { border-left: 3pt solid #c60; padding-left: 5pt; }
div.pagina { page-break-before: always; }
@media screen and (min-width: 900px) { body { max-width: 230mm; } }
"""


def breakable(text: str) -> str:
    """Escaped text that may wrap after a dot or underscore of a technical name
    (``slachtoffer.<wbr>geboortedatum``), so a narrow column never splits a word."""
    escaped = html.escape(text)
    return re.sub(r"(?<=[A-Za-z0-9])([._])(?=[A-Za-z])", r"\1<wbr>", escaped)


def _cell(tag: str, cell: Cell) -> str:
    e = html.escape
    attrs = ""
    if cell.hover:
        attrs += f' title="{e(cell.hover)}"'
    if cell.css:
        attrs += f' class="{e(cell.css)}"'
    return f"<{tag}{attrs}>{breakable(cell.text)}</{tag}>"


def to_html(doc: Document) -> str:
    """The document as a self-contained Dutch HTML page (no scripts, fonts or links)."""
    e = html.escape
    out = [
        "<!doctype html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if block.tag.startswith("h"):
            out.append(f"<{block.tag}>{e(block.text)}</{block.tag}>")
        elif block.tag == "p":
            css = f' class="{e(block.css)}"' if block.css else ""
            out.append(f"<p{css}>{e(block.text)}</p>")
        elif block.tag == "ul":
            out.append("<ul>" + "".join(f"<li>{breakable(i)}</li>" for i in block.items) + "</ul>")
        elif block.tag == "table":
            css = f' class="{e(block.css)}"' if block.css else ""
            out.append(f"<table{css}>")
            out.append("<tr>" + "".join(f"<th>{e(x)}</th>" for x in block.header) + "</tr>")
            for row in block.rows:
                out.append("<tr>" + "".join(_cell("td", c) for c in row) + "</tr>")
            out.append("</table>")
        elif block.tag == "page":
            out.append('<div class="pagina"></div>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
