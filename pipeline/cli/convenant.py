"""``ketenstroom convenant``: check, test, explain, diff and publish covenant files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape

from pipeline.cli.output import console, errors
from pipeline.covenant.policy import Policy
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.client.covenant_topic import Published
    from pipeline.covenant.status import AdoptionReport

convenant_app = typer.Typer(help="Covenant files (convenanten/).", no_args_is_help=True)

CovenantDir = Annotated[
    Path | None, typer.Argument(help="Covenant directory (default: KETENSTROOM_CONVENANTEN_DIR).")
]


def _compile_dir(directory: Path, settings: Settings) -> Policy:
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.compiler import compile_policy
    from pipeline.covenant.loader import load_covenants
    from pipeline.privacy.keyring import ephemeral_keyring
    from pipeline.registry import load_registry

    registry = load_registry(directory)
    # which fields leave, and in which form, does not depend on key values: throwaway keys
    keyring = ephemeral_keyring(registry.ids)
    return compile_policy(
        load_covenants(directory), registry, load_store(settings.schemas_dir), keyring
    )


@convenant_app.command("check")
def convenant_check(
    path: CovenantDir = None,
) -> None:
    """Validate every covenant file against the registry and the schemas."""
    settings = load_settings()
    policy = _compile_dir(path or settings.convenanten_dir, settings)
    views = sum(len(plans) for plans in policy.plans.values())
    console.print(
        f"ok: {policy.version}, {views} view(s) over {len(policy.plans)} (source, type) pair(s)"
    )


@convenant_app.command("test")
def convenant_test(
    path: CovenantDir = None,
) -> None:
    """Run the example tests (*.voorbeelden.yaml): each recipient gets exactly the fields named."""
    from pipeline.covenant.examples import run_examples

    settings = load_settings()
    directory = path or settings.convenanten_dir
    results = run_examples(directory, _compile_dir(directory, settings))
    for result in results:
        mark = "[green]ok  [/green]" if result.passed else "[red]FAIL[/red]"
        console.print(
            f"{mark} {escape(result.name)}  [dim]{escape(result.where)}[/dim]", soft_wrap=True
        )
        for problem in result.problems:
            console.print(f"       {escape(problem)}", soft_wrap=True)
    failed = sum(not r.passed for r in results)
    console.print(f"{len(results) - failed} passed, {failed} failed")
    if failed or not results:
        raise typer.Exit(1)


@convenant_app.command("explain")
def convenant_explain(
    path: CovenantDir = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, markdown or html.")
    ] = "table",
    recipient: Annotated[str | None, typer.Option(help="Only this recipient.")] = None,
    signal_type: Annotated[
        str | None, typer.Option("--type", help="Only this signal type.")
    ] = None,
) -> None:
    """Who sees which field of which signal type, how (treatment) and why (rule, article, basis)."""
    from rich.table import Table

    from pipeline.covenant.explain import HEADERS, disclosure_matrix, grouped, to_html, to_markdown
    from pipeline.covenant.loader import load_covenants

    settings = load_settings()
    directory = path or settings.convenanten_dir
    policy = _compile_dir(directory, settings)  # refuse to explain an invalid covenant
    rows = [
        r
        for r in disclosure_matrix(load_covenants(directory))
        if (recipient is None or r.recipient == recipient)
        and (signal_type is None or r.signal_type == signal_type)
    ]
    title = f"Disclosure matrix: {policy.version}"
    if output_format == "markdown":
        print(to_markdown(rows, title), end="")
    elif output_format == "html":
        print(to_html(rows, title), end="")
    elif output_format == "table":
        console.print(f"[bold]{title}[/bold]")
        sections: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for signal, receiver, *rest in grouped(rows):
            sections.setdefault((signal, receiver), []).append(tuple(rest))
        for (signal, receiver), cells in sections.items():
            table = Table(title=f"{signal} -> {receiver}", title_justify="left", expand=True)
            for header in HEADERS[2:]:
                table.add_column(header, overflow="fold")
            for field, treatment, why in cells:
                table.add_row(
                    field, treatment, why, style="dim" if treatment == "weglaten" else None
                )
            console.print(table)
        console.print("Fields no rule names are never disclosed (default deny).")
    else:
        raise typer.BadParameter("--format is table, markdown or html")


@convenant_app.command("diff")
def convenant_diff(
    old: Annotated[
        str,
        typer.Argument(help="Before: a covenant file, a directory, or a git revision (e.g. HEAD)."),
    ],
    new: Annotated[
        str | None,
        typer.Argument(help="After: file, directory or revision (default: the working directory)."),
    ] = None,
) -> None:
    """What a change discloses newly, withdraws, or treats differently, per recipient and field."""
    from pipeline.covenant.diff import diff_covenants, load_side, summarise

    directory = load_settings().convenanten_dir
    changes = diff_covenants(load_side(old, directory), load_side(new or str(directory), directory))
    if not changes:
        console.print("No change in what is disclosed, to whom, how or why.")
        return
    console.print(
        f"[bold]What changes from {escape(old)} to {escape(new or 'the working directory')}[/bold]"
    )
    styles = {"newly disclosed": "bold red", "treated differently": "yellow", "withdrawn": "green"}
    kind = None
    for group in summarise(changes):
        if group.kind != kind:
            kind = group.kind
            console.print(f"\n[{styles.get(kind.value, 'bold')}]{kind.value.upper()}[/]")
        console.print(
            f"  [bold]{group.recipient}[/bold] {group.signal_type} from {', '.join(group.sources)}: "
            f"{', '.join(group.fields)}",
            soft_wrap=True,
            highlight=False,
        )
        if group.before != "-":
            console.print(f"      was: {escape(group.before)}", soft_wrap=True, highlight=False)
        if group.after != "-":
            console.print(f"      now: {escape(group.after)}", soft_wrap=True, highlight=False)
    counts = {k: sum(c.kind == k for c in changes) for k in dict.fromkeys(c.kind for c in changes)}
    console.print(
        "\n"
        + ", ".join(f"{n} {k.value}" for k, n in counts.items())
        + " (counted per field and source)"
    )


#: Exit status of `convenant publish` when a worker refused the bundle.
EXIT_REFUSED = 2
#: Exit status of `convenant publish` when not every worker confirmed the bundle in time.
EXIT_UNCONFIRMED = 4


@convenant_app.command("publish")
def convenant_publish(
    path: CovenantDir = None,
    version: Annotated[
        int | None,
        typer.Option(
            "--versie", help="Version number (default: one higher than the newest published)."
        ),
    ] = None,
    wait: Annotated[
        float, typer.Option("--wacht", help="Seconds to wait for the workers to answer.")
    ] = 60.0,
) -> None:
    """Check, test, sign and publish the covenants; running workers switch without a restart.

    Then waits for every running worker and says who adopted the new version and who refused it.

    Exit 0: all adopted; 1: not published; 2: a worker refused; 4: not every worker answered.
    """
    from pipeline.broker.admin import provision_topics
    from pipeline.client.covenant_topic import (
        await_adoption,
        publish_bundle,
        published_versions,
        read_status,
    )
    from pipeline.client.schema_topic import publish_schemas
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.bundle import MAX_VERSION, Bundle
    from pipeline.covenant.examples import run_examples
    from pipeline.covenant.signing import read_signing_key, read_trusted_signers
    from pipeline.covenant.status import adoption_report, latest
    from pipeline.privacy.keyring import ephemeral_keyring
    from pipeline.registry import load_registry

    settings = load_settings()
    directory = path or settings.convenanten_dir
    # no key, no publication: say so before anything else
    signer = read_signing_key(settings.signing_key).signer()
    bootstrap = settings.require_bootstrap()
    registry = load_registry(directory)
    bundle = Bundle.from_directory(directory)
    policy = bundle.compile(
        registry, load_store(settings.schemas_dir), ephemeral_keyring(registry.ids)
    )
    failed = [r for r in run_examples(directory, policy) if not r.passed]
    for result in failed:
        errors.print(
            f"[red]example fails:[/red] {escape(result.name)}: {escape('; '.join(result.problems))}"
        )
    if failed:
        errors.print("not published: fix the covenant or its examples (ketenstroom convenant test)")
        raise typer.Exit(1)
    provision_topics(settings, bootstrap, registry)
    trusted = read_trusted_signers(settings.trusted_signers).with_signer(signer)
    published = published_versions(settings, bootstrap, trusted)
    newest = max(published, default=0)
    chosen = _choose_version(version, published, newest, bundle.digest, MAX_VERSION)
    status, since = read_status(settings, bootstrap)
    before = latest(status)
    numbered = bundle.numbered(chosen)
    if chosen in published:  # the same content again as the newest version: nothing to write
        console.print(
            f"Versie {chosen} met deze inhoud is al gepubliceerd; er wordt niets opnieuw "
            "verstuurd. Welke routers haar gebruiken:",
            soft_wrap=True,
        )
        now = dt.datetime.now(dt.UTC)
        report = adoption_report(chosen, bundle.digest, before, before, now)
    else:
        publish_schemas(settings, bootstrap, list(policy.store))  # views decodable before use
        publish_bundle(settings, bootstrap, numbered)
        console.print(
            f"Versie {chosen} gepubliceerd ({escape(policy.version)}, kenmerk "
            f"{bundle.digest[:12]}). Wachten op de routers, hooguit {wait:.0f} seconden ...",
            soft_wrap=True,
        )
        with console.status("Wachten op de routers ...") as line:

            def progress(report: AdoptionReport, left: float) -> None:
                answered = len(report.adopted) + len(report.refused)
                line.update(
                    f"Wachten op de routers: {answered} geantwoord, {len(report.silent)} "
                    f"nog niet (nog {left:.0f} s)"
                )

            report = await_adoption(settings, bootstrap, numbered, before, since, wait, progress)
    _print_report(report, chosen)
    if report.refused:
        raise typer.Exit(EXIT_REFUSED)
    if not report.confirmed:
        raise typer.Exit(EXIT_UNCONFIRMED)


def _choose_version(
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
        _refuse(
            f"Versie {asked} is al gepubliceerd met een andere inhoud. Een versie verandert "
            f"nooit meer; publiceer onder een hoger nummer dan {newest} (of laat --versie weg)."
        )
    if asked <= newest:
        _refuse(
            f"Versie {asked} is lager dan de nieuwste gepubliceerde versie {newest}. De routers "
            f"nemen een lagere versie nooit over; kies een nummer hoger dan {newest} (of laat "
            "--versie weg)."
        )
    if not 1 <= asked <= highest:
        _refuse(f"Een versienummer loopt van 1 tot en met {highest}.")
    return asked


def _refuse(message: str) -> NoReturn:
    errors.print(f"[red]Niet gepubliceerd:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def _print_report(report: AdoptionReport, version: int) -> None:
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


@convenant_app.command("status")
def convenant_status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every worker's covenant version (0: the files on disk), last report and last refusal."""
    from rich.table import Table

    from pipeline.client.covenant_topic import read_status
    from pipeline.covenant.status import latest

    settings = load_settings()
    records, _ = read_status(settings, settings.require_bootstrap())
    statuses = latest(records)
    now = dt.datetime.now(dt.UTC)
    if as_json:
        for status in statuses.values():
            entry = status.model_dump(mode="json")
            entry["alive"] = status.alive(now)
            print(json.dumps(entry, sort_keys=True))
        return
    table = Table(title=f"Covenant status of the workers ({len(statuses)})")
    for column in ("worker", "state", "version", "policy", "last report", "last refusal"):
        table.add_column(column, overflow="fold")
    for name, status in sorted(statuses.items()):
        state = status.state if status.alive(now) or status.state == "stopped" else "silent"
        refusals = [e for e in status.events if e.outcome == "refused"]
        last = refusals[-1] if refusals else None
        table.add_row(
            escape(name),
            state,
            str(status.active.version),
            escape(status.active.policy),
            f"{(now - status.at).total_seconds():.0f} s ago",
            escape(f"{last.at:%Y-%m-%d %H:%M:%S} {last.reason}") if last else "",
        )
    console.print(table)
