"""How the CLI prints: rich tables for people (plain lines when piped), JSON for scripts,
errors that say what to do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

#: Wide enough for any table or line when piped: rich would otherwise cut at 80 columns.
PIPED_WIDTH = 4096


class PipedConsole(Console):
    """The console when stdout is not a terminal (a pipe, a file, a cron job's mail): lines are
    never cut or wrapped, and a table is plain lines: a heading line, then one line per row
    with its columns aligned, no borders, never stretched to the console's width."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print as Console.print does, each table made plain first (and its lines without the
        spaces that pad the last column)."""
        if not any(isinstance(o, Table) for o in objects):
            super().print(*objects, **kwargs)
            return
        with self.capture() as captured:
            super().print(*(plain(o) for o in objects), **kwargs)
        self.file.write("\n".join(line.rstrip() for line in captured.get().split("\n")))
        self.file.flush()


def plain(renderable: Any) -> Any:
    """A table without borders or stretching, titles on the left (other things unchanged)."""
    if isinstance(renderable, Table):
        renderable.box = None
        renderable.expand = False
        renderable.show_edge = False
        renderable.pad_edge = False
        renderable.show_lines = False
        renderable.title_justify = "left"
        renderable.caption_justify = "left"
        renderable.min_width = None
        for column in renderable.columns:
            column.ratio = None
    return renderable


console = Console()
if not console.is_terminal:
    console = PipedConsole(width=PIPED_WIDTH, soft_wrap=True)
#: file:line:column messages must stay on one line for editors and grep
errors = Console(stderr=True, soft_wrap=True)


def heading(text: str) -> None:
    """A heading line: a rule across a terminal, the text between two dashes when piped (a rule
    would be PIPED_WIDTH characters wide)."""
    if console.is_terminal:
        console.rule(text)
    else:
        console.print(f"── {text} ──", highlight=False)


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    """A status line on stderr while something waits: a spinner on a terminal, one plain line
    otherwise (stdout stays clean for scripts)."""
    if errors.is_terminal:
        with errors.status(message):
            yield
    else:  # one plain line, for the log of a cron job
        errors.print(message, highlight=False)
        yield


def compact_fields(treatments: dict[str, str]) -> str:
    """Field paths grouped by their record, with any treatment other than doorgeven:
    ``slachtoffer(achternaam, bsn=pseudoniem)``."""
    groups: dict[str, list[str]] = {}
    for path in sorted(treatments):
        shown = path if treatments[path] == "doorgeven" else f"{path}={treatments[path]}"
        path = shown
        head, _, rest = path.partition(".")
        groups.setdefault(head, []).append(rest)
    return ", ".join(
        head if members == [""] else f"{head}({', '.join(members)})"
        for head, members in groups.items()
    )
