"""``ketenstroom lag``: consumer lag per group and partition, judged over a window (Burrow's terms)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table

from pipeline.cli.connecting import reachable
from pipeline.cli.exit_codes import Exit
from pipeline.cli.output import console, status
from pipeline.ops.lag import (
    DEFAULT_MIN_SPAN,
    DEFAULT_WINDOW,
    GroupReport,
    LagWindows,
    alarming,
)
from pipeline.ops.lag_reading import watch_lag
from pipeline.settings import Settings, load_settings

#: Exit status when a group that decides is in ERR (a partition in STOP, STALL or REWIND).
EXIT_LAG_ERROR = Exit.ALERT

_STYLE = {
    "OK": "green",
    "WARN": "yellow",
    "ERR": "red",
    "STOP": "red",
    "STALL": "red",
    "REWIND": "red",
}


def lag_command(
    group: Annotated[
        list[str] | None, typer.Option("--group", "-g", help="Only this group (repeatable).")
    ] = None,
    samples: Annotated[
        int, typer.Option(min=1, help="Readings to take before judging (without --watch).")
    ] = 3,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between readings.")] = 5.0,
    window: Annotated[int, typer.Option(min=2, help="Readings a window holds.")] = DEFAULT_WINDOW,
    min_span: Annotated[
        float, typer.Option(help="Seconds a window must span before STALL/WARN are judged.")
    ] = DEFAULT_MIN_SPAN,
    watch: Annotated[bool, typer.Option("--watch", help="Keep reading; a live view.")] = False,
    record: Annotated[
        Path | None,
        typer.Option(
            "--opnemen", help="Append every reading to this file (JSON lines).", dir_okay=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON (one line per reading).")] = False,
) -> None:
    """Lag of every consumer group, judged over a window of readings as Burrow does.

    Per partition: committed offset, end offset, lag and OK, WARN, STOP, STALL or REWIND; per
    group OK, WARN or ERR. Exits 4 when the router's group, or a group given with --group, is
    in ERR; other groups (partners read their inboxes when they like) are shown, never an
    alarm."""
    settings = load_settings()
    deciding = {settings.router_group_id, *(group or ())}
    bootstrap = reachable(settings)
    windows = LagWindows(window, min_span)
    latest: list[GroupReport] = []
    waiting = (
        contextlib.nullcontext()
        if watch
        else status(
            f"reading consumer lag {samples} time(s), {interval:g} s apart "
            f"(about {(samples - 1) * interval:g} s) ..."
        )
    )
    # --watch ends with Ctrl-C; the exit status tells the last reading
    with contextlib.suppress(KeyboardInterrupt), waiting:
        asyncio.run(
            _read(
                settings,
                bootstrap,
                group,
                samples,
                interval,
                windows,
                watch,
                as_json,
                latest,
                record,
                deciding,
            )
        )
    if not watch:
        if as_json:
            print(json.dumps([_json(r, deciding) for r in latest]))
        else:
            console.print(lag_table(latest, deciding))
    if alarming(latest, deciding):
        raise typer.Exit(EXIT_LAG_ERROR)


def _json(report: GroupReport, deciding: set[str]) -> dict[str, Any]:
    """A group's report, and whether it decides the exit status (``alarm``)."""
    return {**report.to_json(), "alarm": report.group in deciding}


async def _read(
    settings: Settings,
    bootstrap: str,
    groups: Sequence[str] | None,
    samples: int,
    interval: float,
    windows: LagWindows,
    watch: bool,
    as_json: bool,
    latest: list[GroupReport],
    record: Path | None,
    deciding: set[str],
) -> None:
    """Take readings (``samples`` of them, or until interrupted with ``watch``); the reports of
    the last one end up in ``latest``."""
    live = Live(console=console, auto_refresh=False) if watch and not as_json else None
    readings = watch_lag(settings, bootstrap, groups, interval)
    try:
        if live is not None:
            live.start()
        async for reading in readings:
            windows.add(reading)
            if record is not None:
                with record.open("a", encoding="utf-8") as out:
                    out.writelines(json.dumps(s.to_json()) + "\n" for s in reading)
            latest[:] = windows.reports()
            samples -= 1
            if not watch and samples == 0:
                break
            if live is not None:
                live.update(
                    Group(lag_table(latest, deciding), f"every {interval:g} s · Ctrl-C stops")
                )
                live.refresh()
            elif watch:
                print(json.dumps([_json(r, deciding) for r in latest]), flush=True)
    finally:
        if live is not None:
            live.stop()
        await readings.aclose()


def lag_table(reports: Sequence[GroupReport], deciding: Collection[str] = ()) -> Table:
    """One row per partition, the group's status on its first row; ``alarm`` says whether the
    group decides the exit status."""
    table = Table(
        title="Consumer lag (status judged over a window of readings, as Burrow does)",
        caption="alarm: yes for the router's group and groups asked for with --group; the "
        "others (partners read their inboxes when they like) are shown, never an alarm",
    )
    for name, justify in [
        ("group", "left"),
        ("status", "left"),
        ("alarm", "left"),
        ("members", "right"),
        ("topic", "left"),
        ("partition", "right"),
        ("committed", "right"),
        ("end", "right"),
        ("lag", "right"),
        ("judged", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for report in reports:
        first = True
        for p in report.partitions or ():
            table.add_row(
                report.group if first else "",
                _styled(report.status.value) if first else "",
                _alarm(report, deciding) if first else "",
                str(report.members) if first else "",
                p.topic,
                str(p.partition),
                "-" if p.committed is None else str(p.committed),
                str(p.end),
                str(p.lag),
                _styled(p.status.value),
            )
            first = False
        if first:
            table.add_row(
                report.group,
                _styled(report.status.value),
                _alarm(report, deciding),
                str(report.members),
                "(no committed offsets)",
            )
    return table


def _alarm(report: GroupReport, deciding: Collection[str]) -> str:
    return "yes" if report.group in deciding else "no"


def _styled(status: str) -> str:
    return f"[{_STYLE[status]}]{status}[/]"
