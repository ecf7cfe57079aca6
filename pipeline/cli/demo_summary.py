"""The demo's summary on the terminal: what each recipient received, where the BSN went, the
accounting line, the operator's view and the Rapporteur's figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from pipeline.cli.output import compact_fields, console
from pipeline.cli.statistiek import print_figures
from pipeline.codec.json_input import to_json

if TYPE_CHECKING:  # the demo imports the whole worker: not for every command's start
    from pipeline.demo import DemoReport


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
        recipient, schema, view = report.sample
        console.print(
            f"One view as {recipient} received it ({schema}; all of them: "
            f"`ketenstroom inbox --as {recipient} --json`):",
            highlight=False,
            soft_wrap=True,
        )
        console.print_json(to_json(view))
    if report.figures:
        console.print(
            "Figures for the Nationaal Rapporteur (x = suppressed; provisional: open period):"
        )
        print_figures(report.figures)
