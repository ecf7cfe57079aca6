"""How the CLI prints: rich tables for people, JSON for scripts, errors that say what to do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console

#: Wide enough for any table or line when piped: rich would otherwise cut at 80 columns.
PIPED_WIDTH = 4096

console = Console()
if not console.is_terminal:
    console = Console(width=PIPED_WIDTH, soft_wrap=True)
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
