"""Print an officer's report (pipeline.officer.document) on the terminal with rich."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from pipeline.cli.output import console
from pipeline.officer.document import Document


def print_document(doc: Document) -> None:
    """Headings bold, paragraphs wrapped, lists indented, tables as rich tables; hover texts
    (the HTML's) are left out."""
    console.print(f"[bold]{escape(doc.title)}[/bold]", highlight=False)
    for block in doc.blocks:
        if block.tag in ("h1", "h2"):
            console.print(f"\n[bold underline]{escape(block.text)}[/]", highlight=False)
        elif block.tag == "h3":
            console.print(f"\n[bold]{escape(block.text)}[/bold]", highlight=False)
        elif block.tag == "p":
            style = "dim" if block.css == "noot" else ""
            text = escape(block.text)
            console.print(f"[{style}]{text}[/]" if style else text, highlight=False, soft_wrap=True)
        elif block.tag == "ul":
            for item in block.items:
                console.print(f"  - {escape(item)}", highlight=False, soft_wrap=True)
        elif block.tag == "table":
            shown = Table(show_lines=False, expand=False)
            for name in block.header:
                shown.add_column(escape(name), overflow="fold")
            for row in block.rows:
                shown.add_row(*(escape(c.text) for c in row))
            console.print(shown)
