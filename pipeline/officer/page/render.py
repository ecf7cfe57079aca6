"""The page as HTML, from Jinja2 templates that escape every value (a covenant's title, a file
name, a message quoting the YAML all arrive as text, never as markup).

The analysis and the memo arrive as the documents their commands write
(pipeline.officer.document); the page shows their blocks with its own heading levels, so the
words are the same as in `convenant analyse` and `convenant diff`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.officer.document import Block, Document
from pipeline.officer.page.stages import Located

#: The page's parts, in order: (key, heading).
SECTIONS = (
    ("overzicht", "Overzicht"),
    ("controle", "Controle"),
    ("voorbeelden", "Voorbeeldtests"),
    ("wie-ziet-wat", "Wie ziet wat"),
    ("analyse", "Analyse naast elkaar"),
    ("wijzigingen", "Wijzigingen tegenover de laatste versie"),
    ("bijlage", "Bijlage zoals afgedrukt"),
)
TITLES = dict(SECTIONS)
#: A heading deeper than this is shown at this level (HTML has six).
DEEPEST = 6


def file_url(name: str, line: int | None = None) -> str:
    """The page that shows a folder file, at a line."""
    url = f"/bestand/{quote(name, safe='')}"
    return f"{url}?regel={line}#r{line}" if line is not None else url


def annex_url(covenant: str, stand: str) -> str:
    """The annex of one covenant, as it is printed."""
    return f"/bijlage/{quote(covenant, safe='')}?stand={quote(stand, safe='')}"


_env = Environment(
    loader=PackageLoader("pipeline.officer.page", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_env.globals.update(file_url=file_url, annex_url=annex_url)


@dataclass(frozen=True)
class Shown:
    """A document block as the page shows it: its HTML tag (a heading at the page's level) and,
    for a table, the heading it stands under (its accessible name)."""

    tag: str
    block: Block
    label: str = ""


def shown_blocks(blocks: Iterable[Block], shift: int) -> list[Shown]:
    """Blocks with their headings ``shift`` levels deeper; page breaks are for paper only."""
    out: list[Shown] = []
    label = ""
    for block in blocks:
        if block.tag in ("h1", "h2", "h3"):
            label = block.text
            out.append(Shown(f"h{min(int(block.tag[1]) + shift, DEEPEST)}", block))
        elif block.tag == "table":
            out.append(Shown("table", block, label))
        elif block.tag != "page":
            out.append(Shown(block.tag, block))
    return out


@dataclass(frozen=True)
class Chapters:
    """A document cut at its second-level headings: what comes before the first, and each
    chapter with its heading and blocks."""

    intro: tuple[Block, ...]
    parts: tuple[tuple[str, tuple[Block, ...]], ...]


def chapters(doc: Document) -> Chapters:
    """The document's chapters."""
    intro: list[Block] = []
    parts: list[tuple[str, list[Block]]] = []
    for block in doc.blocks:
        if block.tag == "h2":
            parts.append((block.text, []))
        elif parts:
            parts[-1][1].append(block)
        else:
            intro.append(block)
    return Chapters(tuple(intro), tuple((t, tuple(b)) for t, b in parts))


def split_analysis(doc: Document) -> tuple[list[Shown], list[Shown]]:
    """The analysis as (the matrices "wie ziet wat", the rest): the chapter holding the matrix
    tables is its own part of the page; the others stay together, one level deeper."""
    cut = chapters(doc)
    matrix: list[Shown] = []
    rest = shown_blocks(cut.intro, 1)
    for title, blocks in cut.parts:
        if any(b.tag == "table" and b.css == "matrix" for b in blocks):
            matrix += shown_blocks(blocks, 0)
        else:
            rest += shown_blocks([Block("h2", title), *blocks], 1)
    return matrix, rest


def section(key: str, **context: Any) -> str:
    """The inside of one part of the page."""
    template = _env.get_template(f"secties/{key}.html.j2")
    return template.render(**context)


def waiting(text: str) -> str:
    """A part before its first result."""
    return _env.get_template("wacht.html.j2").render(text=text)


def stale(note: str, inner: str) -> str:
    """A part whose last good content stays visible under a note that it is not current."""
    return _env.get_template("verouderd.html.j2").render(note=note, inner=Markup(inner))


def digest(text: str) -> str:
    """A short fingerprint of a part's HTML (the browser fetches a part whose print changed)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Part:
    """One part of the page as last rendered."""

    key: str
    html: str
    stand: str

    @property
    def title(self) -> str:
        """The part's heading."""
        return TITLES[self.key]

    @property
    def markup(self) -> Markup:
        """The rendered inside, as markup for the page template."""
        return Markup(self.html)


def page(folder: str, parts: list[Part], status: str) -> str:
    """The whole page."""
    return _env.get_template("pagina.html.j2").render(folder=folder, parts=parts, status=status)


def file_page(
    name: str, text: str, problems: list[Located], chosen: int | None, folder: str
) -> str:
    """One folder file with line numbers, its problems at their lines, ``chosen`` marked."""
    by_line: dict[int, list[Located]] = {}
    for found in problems:
        if found.line is not None:
            by_line.setdefault(found.line, []).append(found)
    lines = text.splitlines() or [""]
    return _env.get_template("bestand.html.j2").render(
        name=name,
        lines=list(enumerate(lines, start=1)),
        by_line=by_line,
        problems=problems,
        chosen=chosen,
        folder=folder,
    )


def error_page(title: str, text: str) -> str:
    """A refusal or a missing file, in words."""
    return _env.get_template("fout.html.j2").render(title=title, text=text)
