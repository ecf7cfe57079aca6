"""``ketenstroom dlq list|show|replay``: dead letters for operators."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.output import console
from pipeline.errors import KetenstroomError
from pipeline.ops.dead_letters import DeadLetter, select
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.privacy.dead_letter_key import DeadLetterKeys

dlq_app = typer.Typer(
    help="Dead letters: what was refused and why; replay after a fix.", no_args_is_help=True
)

Reason = Annotated[str | None, typer.Option("--reden", help="Only dead letters with this reason.")]
Source = Annotated[
    str | None, typer.Option("--bron", help="Only dead letters from this partner's inbound topic.")
]


Content = Annotated[
    bool,
    typer.Option(
        "--inhoud",
        help="Open the sealed record: key, headers, content (personal data; needs the "
        "privacy role's dead-letter key, KETENSTROOM_DEAD_LETTER_KEY).",
    ),
]


@dlq_app.command("list")
def dlq_list(
    reason: Reason = None,
    source: Source = None,
    content: Content = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every dead letter: position, time, reason, origin, size, detail, replayed (key: --inhoud)."""
    from pipeline.client.dead_letter_topic import read_dead_letters, read_replays

    settings = load_settings()
    bootstrap = settings.require_bootstrap()
    keys = _keys(settings) if content else None
    letters = select(read_dead_letters(settings, bootstrap), reason=reason, source=source)
    replayed = read_replays(settings, bootstrap)
    if as_json:
        for d in letters:
            entry = {
                "position": d.position,
                "at": d.at.isoformat(timespec="seconds"),
                "reason": d.reason,
                "detail": d.detail,
                "origin": d.origin,
                "size": d.size,
                "truncated": d.truncated,
                "policy": d.policy,
                "replayed": replayed.get(d.position),
            }
            if keys is not None:
                entry["key"] = _opened_key(d, keys)
            print(json.dumps(entry))
        return
    table = Table(title=f"Dead letters ({len(letters)})")
    columns = ["position", "time (UTC)", "reason", "origin", "size", "detail", "replayed"]
    for column in [*columns, *(["key"] if keys is not None else [])]:
        table.add_column(column, overflow="fold")
    for d in letters:
        again = replayed.get(d.position)
        row = [
            d.position,
            d.at.strftime("%Y-%m-%d %H:%M:%S"),
            d.reason,
            d.origin,
            f"{d.size} B" + (f" ({', '.join(d.truncated)} cut)" if d.truncated else ""),
            escape(d.detail),
            f"{again['to']['topic']}/{again['to']['partition']}/{again['to']['offset']}"
            if again
            else "",
        ]
        if keys is not None:
            row.append(escape(str(_opened_key(d, keys))))
        table.add_row(*row)
    console.print(table)


@dlq_app.command("show")
def dlq_show(
    position: Annotated[str, typer.Argument(help="partition:offset, as `dlq list` shows it.")],
    content: Content = False,
) -> None:
    """One dead letter: reason, origin, size, policy; with --inhoud also key, headers, content."""
    from pipeline.client.dead_letter_topic import read_dead_letters, read_replays

    settings = load_settings()
    bootstrap = settings.require_bootstrap()
    keys = _keys(settings) if content else None
    (letter,) = _select(read_dead_letters(settings, bootstrap), [position])
    console.print(f"[bold]dead letter {letter.position}[/bold] at {letter.at.isoformat()}")
    console.print(f"  reason   {letter.reason}", highlight=False)
    console.print(f"  detail   {escape(letter.detail)}", highlight=False)
    console.print(f"  origin   {letter.origin}", highlight=False)
    console.print(f"  policy   {escape(letter.policy)}", highlight=False)
    cut = f" ({', '.join(letter.truncated)} cut to the limits)" if letter.truncated else ""
    console.print(f"  size     {letter.size} bytes{cut}", highlight=False)
    console.print(f"  sealed   {escape(letter.sealing or 'no (written before sealing)')}")
    earlier = read_replays(settings, bootstrap).get(letter.position)
    if earlier:
        to = earlier["to"]
        console.print(
            f"  replayed {earlier['at']} to {to['topic']}/{to['partition']}/{to['offset']}",
            highlight=False,
        )
    if keys is None:
        console.print("  key, headers and content: sealed (--inhoud, with the dead-letter key)")
        return
    opened = letter.open(keys)
    console.print(f"  key      {escape(repr(opened.key))}", highlight=False)
    kept = "kept whole" if not opened.value_truncated else f"first {len(opened.value)} kept"
    console.print(f"  record   {opened.value_size} bytes ({kept}), sha256 {opened.value_sha256}")
    for name, value in opened.headers:
        console.print(f"  header   {escape(name)} = {escape(repr(value))}", highlight=False)
    if opened.headers_dropped:
        console.print(f"  headers  {opened.headers_dropped} more dropped at the limits")
    console.print_json(_decoded(settings, bootstrap, opened.value))


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
    a second time needs --nogmaals. Needs the dead-letter key (KETENSTROOM_DEAD_LETTER_KEY)."""
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
    plan = plan_replay(
        chosen,
        read_replays(settings, bootstrap),
        registry.inbound_topics(),
        _keys(settings),
        again,
    )
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


def _keys(settings: Settings) -> DeadLetterKeys:
    from pipeline.privacy.dead_letter_key import read_dead_letter_keys

    return read_dead_letter_keys(settings.dead_letter_key)


def _opened_key(letter: DeadLetter, keys: DeadLetterKeys) -> str | None:
    """The partner's key as text, or why it cannot be shown."""
    try:
        key = letter.open(keys).key
    except KetenstroomError as exc:
        return f"({exc})"
    return None if key is None else key.decode(errors="replace")


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
