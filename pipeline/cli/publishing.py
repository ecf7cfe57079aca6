"""What `convenant publish` says before and after it publishes: refusals (a used version, a
changed text under a published ``versie``) and who adopted or refused the publication."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NoReturn

import typer
from rich.markup import escape

from pipeline.cli.output import console, errors
from pipeline.client.covenant_topic import Published
from pipeline.language import Text
from pipeline.publication.status import AdoptionReport


def refuse_changes(problems: Sequence[Text], label: str = "Niet gepubliceerd") -> None:
    """Refuse (exit 1) when the covenant text changes anything published before, saying what."""
    if not problems:
        return
    for problem in problems:
        errors.print(f"[red]{escape(label)}:[/red] {escape(str(problem))}", highlight=False)
    raise typer.Exit(1)


def choose_version(
    asked: int | None, published: Mapping[int, Published], newest: int, digest: str, highest: int
) -> int:
    """The version to publish under; refuses changed content under a version already used, and
    any version that is not higher than the newest (workers would refuse it anyway)."""
    if asked is None:
        if newest and published[newest].digest == digest:
            return newest
        asked = newest + 1
    if asked in published and asked == newest and published[asked].digest == digest:
        return asked
    if asked in published and published[asked].digest != digest:
        refuse(
            f"Versie {asked} is al gepubliceerd met een andere inhoud. Een versie verandert "
            f"nooit meer; publiceer onder een hoger nummer dan {newest} (of laat --versie weg)."
        )
    if asked <= newest:
        refuse(
            f"Versie {asked} is lager dan de nieuwste gepubliceerde versie {newest}. De routers "
            f"nemen een lagere versie nooit over; kies een nummer hoger dan {newest} (of laat "
            "--versie weg)."
        )
    if not 1 <= asked <= highest:
        refuse(f"Een versienummer loopt van 1 tot en met {highest}.")
    return asked


def refuse(message: str) -> NoReturn:
    errors.print(f"[red]Niet gepubliceerd:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def print_report(report: AdoptionReport, version: int) -> None:
    """What the officer needs to know: who runs the new version, who does not, and why."""
    if report.adopted:
        console.print(
            f"[green]Overgenomen[/green] (versie {version}) door: {escape(', '.join(report.adopted))}",
            highlight=False,
            soft_wrap=True,
        )
    for worker, reason in sorted(report.refused.items()):
        console.print(
            f"[red]Geweigerd[/red] door {escape(worker)}: {escape(reason)}",
            highlight=False,
            soft_wrap=True,
        )
    if report.silent:
        console.print(
            f"[yellow]Geen antwoord[/yellow] van: {escape(', '.join(report.silent))}. Deze routers "
            "werken misschien nog met de vorige versie (ketenstroom convenant status).",
            highlight=False,
            soft_wrap=True,
        )
    if not (report.adopted or report.refused or report.silent):
        console.print(
            "[yellow]Geen enkele router heeft geantwoord.[/yellow] Draaien er routers? Zij "
            "nemen de nieuwe versie over zodra ze starten (ketenstroom convenant status).",
            highlight=False,
            soft_wrap=True,
        )
    elif report.refused:
        console.print(
            "Routers die weigeren, werken door met hun vorige versie. Los de reden op en "
            "publiceer opnieuw, onder een hoger versienummer.",
            soft_wrap=True,
        )


