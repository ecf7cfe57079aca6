"""``convenant diff`` printed as a change memo: the covenant as a whole, a summary per
recipient, then the details (was / wordt) per kind of change."""

from __future__ import annotations

from rich.markup import escape

from pipeline.cli.output import console
from pipeline.language import Text
from pipeline.messages import tools as msg
from pipeline.officer.diff import Change, ChangeKind, per_recipient, summarise

_STYLES = {
    ChangeKind.DISCLOSED: "bold red",
    ChangeKind.MORE: "red",
    ChangeKind.TREATMENT: "yellow",
    ChangeKind.WITHDRAWN: "green",
    ChangeKind.LESS: "green",
}
_WAS = Text("was", "was")
_NOW = Text("wordt", "now")


def _fields(count: int) -> Text:
    return Text(f"{count} {'veld' if count == 1 else 'velden'}", f"{count} field(s)")


def print_memo(changes: list[Change], general: list[Text], old: str, new: str) -> None:
    """The memo; a version number that changed alone reads as no change."""
    title = Text(f"Wijzigingen van {old} naar {new}", f"What changes from {old} to {new}")
    console.print(f"[bold]{escape(str(title))}[/bold]", highlight=False)
    if general:
        console.print(f"\n[bold]{Text('Het convenant', 'The covenant')}[/bold]")
        for line in general:
            console.print(f"  {escape(str(line))}", highlight=False, soft_wrap=True)
    if not changes:
        console.print("\n" + str(msg.diff_nothing(old, new)), highlight=False)
        return
    console.print(f"\n[bold]{Text('Samenvatting per ontvanger', 'Summary per recipient')}[/bold]")
    for summary in per_recipient(changes):
        console.print(f"  [bold]{escape(summary.recipient)}[/bold]", highlight=False)
        for change_kind, signal_type, count in summary.lines:
            style = _STYLES.get(change_kind, "bold")
            console.print(
                f"    [{style}]{change_kind.value}[/]: {signal_type}, {_fields(count)}",
                highlight=False,
            )
    console.print(f"\n[bold]{Text('Details', 'Details')}[/bold]")
    kind: ChangeKind | None = None
    for group in summarise(changes):
        if group.kind != kind:
            kind = group.kind
            console.print(f"\n[{_STYLES.get(kind, 'bold')}]{str(kind.value).upper()}[/]")
        sources = Text(f"van {', '.join(group.sources)}", f"from {', '.join(group.sources)}")
        console.print(
            f"  [bold]{escape(group.recipient)}[/bold] {group.signal_type} {sources}: "
            f"{', '.join(group.fields)}",
            soft_wrap=True,
            highlight=False,
        )
        if group.before != "-":
            console.print(f"      {_WAS}: {escape(group.before)}", soft_wrap=True, highlight=False)
        if group.after != "-":
            console.print(f"      {_NOW}: {escape(group.after)}", soft_wrap=True, highlight=False)
    counts = {k: sum(c.kind == k for c in changes) for k in dict.fromkeys(c.kind for c in changes)}
    tail = Text(" (geteld per veld en bron)", " (counted per field and source)")
    console.print("\n" + ", ".join(f"{n} {k.value}" for k, n in counts.items()) + str(tail))
