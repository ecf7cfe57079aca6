"""``ketenstroom convenant proef``: replay a period of real signals through the policy in force
and the proposed covenant files, and print what would change (counts only, never a value).

Thin: the replay is pipeline/dry_run. Needs a router's read rights; says so when it lacks them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.officer import officer_settings, reporting, said
from pipeline.cli.output import console, errors
from pipeline.legal_time import LEGAL_TZ
from pipeline.messages import dry_run as msg
from pipeline.messages import help as h


def _moment(day: dt.datetime | None, default: dt.datetime) -> dt.datetime:
    if day is None:
        return default
    return dt.datetime.combine(day.date(), dt.time(0), tzinfo=LEGAL_TZ)


def convenant_proef(
    path: Annotated[
        Path | None, typer.Argument(help=said(h.proef_path()), show_default=False)
    ] = None,
    van: Annotated[
        dt.datetime | None,
        typer.Option("--van", formats=["%Y-%m-%d"], help=said(h.proef_from())),
    ] = None,
    tot: Annotated[
        dt.datetime | None,
        typer.Option("--tot", formats=["%Y-%m-%d"], help=said(h.proef_until())),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=said(h.as_json_document()))] = False,
) -> None:
    """A dry run: the signals of a period (default the last 7 days) from the inbound topics,
    routed in memory through the covenant version in force and through the proposed files;
    per recipient, rule and field how many disclosures would be new, withdrawn or treated
    differently, and the signals that would go from some recipient to none or back. Produces
    nothing; needs a router's read rights."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pipeline.cli.connecting import reachable
    from pipeline.dry_run.replay import dry_run

    settings = officer_settings()
    now = dt.datetime.now(dt.UTC)
    start = _moment(van, now - dt.timedelta(days=7))
    end = _moment(tot, now + dt.timedelta(seconds=1))
    with reporting():
        bootstrap = reachable(settings)
        if not settings.keyring.exists():
            errors.print(f"[yellow]{escape(str(msg.without_router_keys(str(settings.keyring))))}[/]")
        label = str(msg.reading_signals())
        with Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), console=errors,
            transient=True, disable=not errors.is_terminal,
        ) as bar:  # fmt: skip
            task = bar.add_task(label, total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            # reading the version in force adopts it as a worker would, which a worker logs
            # (in English, for operators); the officer's output is the report alone
            adoption = logging.getLogger("ketenstroom.covenants")
            level = adoption.level
            adoption.setLevel(logging.ERROR)
            try:
                tally, chosen = dry_run(
                    settings, bootstrap, path or settings.convenanten_dir, start, end, progress
                )
            finally:
                adoption.setLevel(level)
    report = tally.report()
    report["periode"] = {"van": start.isoformat(), "tot": end.isoformat()}
    report["in_werking"] = {"versie": chosen.version, "convenanten": chosen.in_force.version}
    report["voorgesteld"] = chosen.proposed.version
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    force = report["in_werking"]
    live = (
        f"publicatie {force['versie']}, die nu live is"
        if force["versie"]
        else "wat de routers nu doen (er is nog niets gepubliceerd)"
    )
    console.print(
        f"[bold]Proef[/bold]: {report['signalen']} signalen van {report['periode']['van'][:10]} "
        f"tot {report['periode']['tot'][:10]}, door {live} ({escape(force['convenanten'])}) "
        "en door uw bestanden "
        f"({escape(report['voorgesteld'])}). Er is niets verstuurd.",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"Van iemand naar niemand: {report['naar_niemand']}; van niemand naar iemand: "
        f"{report['naar_iemand']}.",
        highlight=False,
    )
    recipients = Table(title="Verstrekkingen per ontvanger (aantal signalen)")
    for column in ("ontvanger", "nieuw", "vervalt", "blijft"):
        recipients.add_column(column)
    for row in report["per_ontvanger"]:
        recipients.add_row(row["ontvanger"], str(row["nieuw"]), str(row["vervalt"]), str(row["blijft"]))
    console.print(recipients)
    for key, title in (
        ("velden_nieuw", "Velden die nieuw gedeeld zouden worden"),
        ("velden_vervallen", "Velden die niet meer gedeeld zouden worden"),
        ("velden_anders", "Velden die anders behandeld zouden worden"),
    ):
        if not report[key]:
            continue
        table = Table(title=title)
        for column in ("ontvanger", "regels", "veld", "aantal"):
            table.add_column(column)
        for row in report[key]:
            table.add_row(row["ontvanger"], row["regels"], row["veld"], str(row["aantal"]))
        console.print(table)
    for row in report["dode_letters"]:
        console.print(f"Dode letters ({row['kant']}): {row['reden']} {row['aantal']}", highlight=False)
    if not any(report[k] for k in ("velden_nieuw", "velden_vervallen", "velden_anders")):
        console.print("Geen verschil in wat deze signalen naar buiten zouden brengen.")
