"""``ketenstroom convenant``: check, test, explain, diff and publish covenant files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.output import console, errors
from pipeline.covenant.policy import Policy
from pipeline.settings import Settings, load_settings

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
    from pipeline.covenant.statistics_explain import (
        TITLE,
        statistics_html,
        statistics_markdown,
        statistics_rows,
    )

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
    figures = [
        r for r in statistics_rows(load_covenants(directory)) if recipient in (None, r.recipient)
    ]
    if output_format == "markdown":
        print(to_markdown(rows, title) + statistics_markdown(figures), end="")
    elif output_format == "html":
        page = to_html(rows, title)
        print(page.replace("</body>", statistics_html(figures) + "</body>"), end="")
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
        if figures:
            table = Table(title=TITLE, title_justify="left", expand=True)
            for header in ("ontvanger", "wat", "waarom"):
                table.add_column(header, overflow="fold")
            for figure in figures:
                table.add_row(figure.recipient, figure.what, figure.why)
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


@convenant_app.command("publish")
def convenant_publish(
    path: CovenantDir = None,
) -> None:
    """Check, test and publish the covenants; running workers switch to them without a restart."""
    from pipeline.broker.admin import provision_topics
    from pipeline.client.covenant_topic import publish_bundle
    from pipeline.client.schema_topic import publish_schemas
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.bundle import Bundle
    from pipeline.covenant.examples import run_examples
    from pipeline.covenant.signing import read_signing_key
    from pipeline.privacy.keyring import ephemeral_keyring
    from pipeline.registry import load_registry

    settings = load_settings()
    directory = path or settings.convenanten_dir
    read_signing_key(settings.signing_key)  # no key, no publication: say so before anything else
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
    publish_schemas(settings, bootstrap, list(policy.store))  # views decodable before first use
    publish_bundle(settings, bootstrap, bundle)
    console.print(
        f"published {policy.version} (digest {bundle.digest[:12]}); workers switch within seconds"
    )
