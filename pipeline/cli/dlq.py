"""``ketenstroom dlq list|show|replay``: dead letters for operators."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.output import console
from pipeline.errors import KetenstroomError
from pipeline.ops.dead_letters import DeadLetter, select
from pipeline.settings import Settings, load_settings

dlq_app = typer.Typer(
    help="Dead letters: what was refused and why; replay after a fix.", no_args_is_help=True
)

Reason = Annotated[str | None, typer.Option("--reden", help="Only dead letters with this reason.")]
Source = Annotated[
    str | None, typer.Option("--bron", help="Only dead letters from this partner's inbound topic.")
]


@dlq_app.command("list")
def dlq_list(
    reason: Reason = None,
    source: Source = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every dead letter: position, time, reason, origin, detail, and whether it was replayed."""
    from pipeline.client.dead_letter_topic import read_dead_letters, read_replays

    settings = load_settings()
    bootstrap = settings.require_bootstrap()
    letters = select(read_dead_letters(settings, bootstrap), reason=reason, source=source)
    replayed = read_replays(settings, bootstrap)
    if as_json:
        for d in letters:
            print(
                json.dumps(
                    {
                        "position": d.position,
                        "key": d.label,
                        "at": d.at.isoformat(timespec="seconds"),
                        "reason": d.reason,
                        "detail": d.detail,
                        "origin": d.origin,
                        "policy": d.policy,
                        "replayed": replayed.get(d.position),
                    }
                )
            )
        return
    table = Table(title=f"Dead letters ({len(letters)})")
    for column in ("position", "time (UTC)", "reason", "origin", "detail", "replayed"):
        table.add_column(column, overflow="fold")
    for d in letters:
        again = replayed.get(d.position)
        table.add_row(
            d.position,
            d.at.strftime("%Y-%m-%d %H:%M:%S"),
            d.reason,
            d.origin,
            escape(d.detail),
            f"{again['to']['topic']}/{again['to']['partition']}/{again['to']['offset']}"
            if again
            else "",
        )
    console.print(table)


@dlq_app.command("show")
def dlq_show(
    position: Annotated[str, typer.Argument(help="partition:offset, as `dlq list` shows it.")],
    content: Annotated[
        bool,
        typer.Option("--inhoud", help="Also decode the record itself (holds personal data)."),
    ] = False,
) -> None:
    """One dead letter in full: every header, and size and hash of the record (its content only
    with --inhoud)."""
    from pipeline.client.dead_letter_topic import read_dead_letters, read_replays

    settings = load_settings()
    bootstrap = settings.require_bootstrap()
    (letter,) = _select(read_dead_letters(settings, bootstrap), [position])
    console.print(f"[bold]dead letter {letter.position}[/bold] at {letter.at.isoformat()}")
    console.print(f"  reason   {letter.reason}", highlight=False)
    console.print(f"  detail   {escape(letter.detail)}", highlight=False)
    console.print(f"  origin   {letter.origin}", highlight=False)
    console.print(f"  policy   {letter.policy}", highlight=False)
    console.print(f"  key      {escape(repr(letter.key))}", highlight=False)
    console.print(
        f"  record   {len(letter.value)} bytes, sha256 {hashlib.sha256(letter.value).hexdigest()}",
        highlight=False,
    )
    for name, value in letter.original_headers:
        console.print(f"  header   {escape(name)} = {escape(repr(value))}", highlight=False)
    earlier = read_replays(settings, bootstrap).get(letter.position)
    if earlier:
        to = earlier["to"]
        console.print(
            f"  replayed {earlier['at']} to {to['topic']}/{to['partition']}/{to['offset']}",
            highlight=False,
        )
    if content:
        console.print_json(_decoded(settings, bootstrap, letter.value))


@dlq_app.command("replay")
def dlq_replay(
    positions: Annotated[
        list[str] | None, typer.Argument(help="partition:offset of each dead letter to replay.")
    ] = None,
    reason: Reason = None,
    source: Source = None,
    everything: Annotated[
        bool, typer.Option("--alle", help="Every dead letter (with --reden/--bron: all of those).")
    ] = False,
    again: Annotated[
        bool, typer.Option("--nogmaals", help="Also dead letters that were replayed before.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--droog", help="Show the plan; send nothing.")] = False,
) -> None:
    """Put dead letters back on the inbound topic they came from, with their original key,
    partition and headers, after the cause was fixed. Each dead letter is replayed once;
    a second time needs --nogmaals."""
    from pipeline.client.dead_letter_topic import read_dead_letters, read_replays, replay
    from pipeline.ops.dead_letters import plan_replay
    from pipeline.registry import load_registry

    if not (positions or reason or source or everything):
        raise KetenstroomError(
            "say which dead letters: positions (partition:offset), --reden, --bron or --alle"
        )
    settings = load_settings()
    bootstrap = settings.require_bootstrap()
    chosen = _select(read_dead_letters(settings, bootstrap), positions or [], reason, source)
    registry = load_registry(settings.convenanten_dir)
    plan = plan_replay(chosen, read_replays(settings, bootstrap), registry.inbound_topics(), again)
    for letter, why in plan.skipped:
        console.print(f"skipped {letter.position} ({letter.reason}): {why}", highlight=False)
    if dry_run:
        for letter, record in plan.replay:
            console.print(
                f"would replay {letter.position} ({letter.reason}) to {record.topic}",
                highlight=False,
            )
        return
    for letter, where in replay(settings, bootstrap, plan):
        console.print(f"replayed {letter.position} ({letter.reason}) as {where}", highlight=False)
    console.print(f"{len(plan.replay)} replayed, {len(plan.skipped)} skipped")


def _select(
    letters: list[DeadLetter],
    positions: Sequence[str],
    reason: str | None = None,
    source: str | None = None,
) -> list[DeadLetter]:
    try:
        return select(letters, positions, reason, source)
    except LookupError as exc:
        raise KetenstroomError(str(exc.args[0])) from exc


def _decoded(settings: Settings, bootstrap: str, value: bytes) -> str:
    """The record as JSON if it decodes with a known schema, else what can be said about it."""
    from pipeline.client.schema_topic import load_schema_topic
    from pipeline.codec.framing import decode
    from pipeline.codec.json_input import to_json
    from pipeline.codec.schema_store import load_store, with_history

    store = with_history(load_store(settings.schemas_dir), load_schema_topic(settings, bootstrap))
    try:
        entry, datum = decode(value, store)
    except Exception as exc:  # the reason it is a dead letter may be exactly this
        return json.dumps({"undecodable": str(exc), "first_bytes_hex": value[:64].hex()})
    return to_json({"schema": entry.name, "record": datum})
