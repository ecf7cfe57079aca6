"""How the CLI prints: rich tables for people (plain lines when piped), JSON for scripts,
errors that say what to do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the demo imports the whole worker: not for every command's start
    from pipeline.demo import DemoReport

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


def print_demo(report: DemoReport) -> None:
    """The demo summary: per recipient what arrived, dead letters, disclosures, accounting."""
    ledger = report.ledger
    received = {r: s for r, s in report.recipients.items() if s.views}
    table = Table(title=f"What each recipient received (policy {report.policy_version})")
    table.add_column("recipient", style="bold", no_wrap=True)
    table.add_column("views", justify="right")
    table.add_column("signal types")
    table.add_column("fields", justify="right")
    for recipient, summary in sorted(received.items(), key=lambda kv: -kv[1].views):
        types = ", ".join(f"{t} {n}" for t, n in sorted(summary.types.items()))
        table.add_row(recipient, str(summary.views), types, str(len(summary.fields)))
    console.print(table)
    console.print(
        "Fields disclosed (every view also carries its own envelope: a reference of the "
        "recipient's linkage domain, a trace context of its own, purposes and retention):",
        soft_wrap=True,
    )
    for recipient, summary in sorted(received.items(), key=lambda kv: -kv[1].views):
        console.print(
            f"  [bold]{recipient}[/bold]: {compact_fields(summary.treatments)}", soft_wrap=True
        )
    nothing = sorted(r for r, s in report.recipients.items() if not s.views)
    console.print(f"Received nothing (default deny): {', '.join(nothing) or '-'}", soft_wrap=True)

    forms: dict[str, list[str]] = {}
    for recipient, summary in sorted(report.recipients.items()):
        if "slachtoffer.bsn" in summary.treatments:
            forms.setdefault(summary.treatments["slachtoffer.bsn"], []).append(recipient)
    shown = "; ".join(f"{how}: {', '.join(who)}" for how, who in sorted(forms.items())) or "nobody"
    console.print(f"BSN disclosed as {shown}; to nobody else (default deny)", soft_wrap=True)

    link = report.linkage
    if link is not None:
        console.print(
            f"Unlinkable: {link.events} signals reached several linkage domains; values they "
            f"could join on: {link.shared}; publisher ids or traces in an inbox: "
            f"{link.leaked_ids}. {link.outside_area} signals about a place outside the area "
            f"went to nobody. {link.referrals} referrals by CoMensha named a signal by its own "
            f"reference; the zorgcoördinator got its own reference of that signal in "
            f"{link.translated}.",
            soft_wrap=True,
            highlight=False,
        )

    dlq = Table(title="Dead letters (reason in the clear, the record itself sealed)")
    dlq.add_column("reason")
    dlq.add_column("count", justify="right")
    dlq.add_column("example detail", overflow="fold")
    examples = {d.reason: d.detail for d in ledger.dead_letters.values()}
    for reason, count in sorted(ledger.dead_letter_reasons().items()):
        dlq.add_row(reason, str(count), examples[reason])
    console.print(dlq)

    delivered = len(ledger.delivered_events())
    total = report.published + report.hostile
    verdict = "[green]nothing lost[/green]" if report.nothing_lost else "[red]RECORDS MISSING[/red]"
    console.print(
        f"{len(ledger.disclosures)} disclosures logged in ketenstroom.verantwoording.\n"
        f"Accounting: {total} inputs ({report.published} signals + {report.hostile} hostile) = "
        f"{delivered} delivered + {len(ledger.no_recipient)} no recipient + "
        f"{len(ledger.dead_letters)} dead letters: {verdict}. ({report.seconds:.1f} s)"
    )
    ops = report.operations
    if ops is not None:
        console.print(
            f"Operator's view ({ops.metrics_url}): {ops.records_in} records in, "
            f"{ops.views_out} views out, {ops.dead_letters} dead letters; router group lag "
            f"{ops.lag.total_lag} with {ops.lag.members} member(s): {ops.lag.status.value}. "
            "Live: `ketenstroom lag --watch`, `ketenstroom dlq list`.",
            highlight=False,
            soft_wrap=True,
        )
    if report.sample is not None:
        from pipeline.codec.json_input import to_json

        recipient, schema, view = report.sample
        console.print(
            f"One view as {recipient} received it ({schema}; all of them: "
            f"`ketenstroom inbox --as {recipient} --json`):",
            highlight=False,
            soft_wrap=True,
        )
        console.print_json(to_json(view))
    if report.figures:
        from pipeline.cli.statistiek import print_figures

        console.print(
            "Figures for the Nationaal Rapporteur (x = suppressed; provisional: open period):"
        )
        print_figures(report.figures)
