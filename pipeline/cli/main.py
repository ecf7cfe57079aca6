"""``ketenstroom``: the command-line entry point."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from pipeline.cli.output import console, errors, print_demo
from pipeline.covenant.policy import Policy
from pipeline.errors import BrokerError, ConfigurationError, CovenantError, KetenstroomError
from pipeline.settings import Settings

app = typer.Typer(
    name="ketenstroom",
    help="Covenant-governed data sharing between chain partners against human trafficking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
schemas_app = typer.Typer(help="Avro schemas of the signal types.", no_args_is_help=True)
convenant_app = typer.Typer(help="Covenant files (convenanten/).", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics of the pipeline.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
app.add_typer(convenant_app, name="convenant")
app.add_typer(topics_app, name="topics")

As = Annotated[str, typer.Option("--as", help="Your partner id (see convenanten/deelnemers.yaml).")]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ConfigurationError(f"settings: {problems}") from exc


@app.command()
def demo(
    signals: Annotated[int, typer.Option(help="How many synthetic signals to publish.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic stream.")] = 2024,
) -> None:
    """Run the whole pipeline once: broker, router worker, synthetic partners, a summary."""
    from pipeline.demo import run_demo

    settings = _settings()
    where = "the embedded broker" if settings.broker == "embedded" else settings.bootstrap_servers
    console.print(f"Starting the demo on {where} with {signals} synthetic signals ...")
    report = run_demo(settings, signals=signals, seed=seed)
    print_demo(report)
    if not report.nothing_lost:
        raise typer.Exit(1)


@app.command()
def broker() -> None:
    """Run the embedded broker in the foreground until Ctrl-C."""
    import signal
    import time

    from pipeline.broker.embedded import EmbeddedBroker

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # leave the with-block, which stops the broker process

    signal.signal(signal.SIGTERM, stop)
    with EmbeddedBroker() as running:
        console.print(f"Embedded broker on {running.bootstrap_servers}. In other shells:")
        console.print(
            f"  export KETENSTROOM_BROKER=external KETENSTROOM_BOOTSTRAP_SERVERS={running.bootstrap_servers}"
        )
        console.print("Stop with Ctrl-C or SIGTERM (memory storage: everything is gone after).")
        try:
            while running.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass


@app.command()
def worker(
    loglevel: Annotated[str, typer.Option(help="Faust log level.")] = "warning",
) -> None:
    """Run one router worker (start several to scale out; they share one consumer group)."""
    from pipeline.app.worker import run_worker

    run_worker(_settings(), loglevel)


def _read_documents(source: str) -> list[dict[str, Any]]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    return data if isinstance(data, list) else [data]


@app.command()
def publish(
    file: Annotated[str, typer.Argument(help="JSON file with one signal or a list; - for stdin.")],
    partner: As,
    event_type: Annotated[
        str | None, typer.Option("--type", help="Signal type, if not in envelope.event_type.")
    ] = None,
) -> None:
    """Validate, encode and send signals as PARTNER; prints each event id. Nothing is sent if one is invalid."""
    from pipeline.client.publisher import Publisher
    from pipeline.codec.schema_store import load_store

    settings = _settings()
    documents = _read_documents(file)
    store = load_store(settings.schemas_dir)
    with Publisher(settings, settings.bootstrap_servers, partner, store) as publisher:
        for published in publisher.publish_many(documents, event_type):
            console.print(published.event_id, highlight=False)


@app.command()
def inbox(
    partner: As,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Print every view in PARTNER's inbox, decoded with the schema topic."""
    from pipeline.client.inbox import read_inbox
    from pipeline.codec.json_input import to_json

    settings = _settings()
    views = read_inbox(settings, settings.require_bootstrap(), partner)
    for view in views:
        if as_json:
            print(to_json({"key": view.key, "schema": view.schema_name, "view": view.datum}))
        else:
            console.rule(f"{view.schema_name} · {view.key}")
            console.print_json(to_json(view.datum))
    if not as_json:
        console.print(f"{len(views)} view(s) in inbox.{partner}")


@topics_app.command("create")
def topics_create() -> None:
    """Create every topic the partner registry asks for (idempotent)."""
    from pipeline.broker.admin import provision_topics
    from pipeline.registry import load_registry

    settings = _settings()
    created = provision_topics(
        settings, settings.require_bootstrap(), load_registry(settings.convenanten_dir)
    )
    console.print(f"created {len(created)} topic(s): {', '.join(created) or 'none needed'}")


@schemas_app.command("list")
def schemas_list() -> None:
    """Every schema with its kind and fingerprint."""
    from pipeline.codec.schema_store import load_store

    for entry in sorted(load_store(_settings().schemas_dir), key=lambda e: (e.kind, e.name)):
        console.print(f"{entry.fingerprint_hex}  {entry.kind:<6}  {entry.name}", highlight=False)


@schemas_app.command("fields")
def schemas_fields(signal_type: str) -> None:
    """The field paths of a signal type, as a covenant names them."""
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.fields import leaf_paths

    for path in leaf_paths(load_store(_settings().schemas_dir).current(signal_type).expanded):
        console.print(path, highlight=False)


@schemas_app.command("check")
def schemas_check(
    against: Annotated[
        str, typer.Option(help="Baseline: a git revision or a schema directory.")
    ] = "HEAD",
) -> None:
    """Refuse schema changes that break backward compatibility (new schemas must read old data)."""
    from pipeline.codec.compatibility import check_against

    problems = check_against(_settings().schemas_dir, against)
    for problem in problems:
        errors.print(f"[red]incompatible[/red] {escape(problem)}", highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print(f"schemas are backward compatible with {against}")


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
    path: Annotated[
        Path | None,
        typer.Argument(help="Covenant directory (default: KETENSTROOM_CONVENANTEN_DIR)."),
    ] = None,
) -> None:
    """Validate every covenant file against the registry and the schemas."""
    settings = _settings()
    policy = _compile_dir(path or settings.convenanten_dir, settings)
    views = sum(len(plans) for plans in policy.plans.values())
    console.print(
        f"ok: {policy.version}, {views} view(s) over {len(policy.plans)} (source, type) pair(s)"
    )


@convenant_app.command("test")
def convenant_test(
    path: Annotated[
        Path | None,
        typer.Argument(help="Covenant directory (default: KETENSTROOM_CONVENANTEN_DIR)."),
    ] = None,
) -> None:
    """Run the example tests (*.voorbeelden.yaml): each recipient gets exactly the fields named."""
    from pipeline.covenant.examples import run_examples

    settings = _settings()
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
    path: Annotated[
        Path | None,
        typer.Argument(help="Covenant directory (default: KETENSTROOM_CONVENANTEN_DIR)."),
    ] = None,
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

    settings = _settings()
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

    directory = _settings().convenanten_dir
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
    path: Annotated[
        Path | None,
        typer.Argument(help="Covenant directory (default: KETENSTROOM_CONVENANTEN_DIR)."),
    ] = None,
) -> None:
    """Check, test and publish the covenants; running workers switch to them without a restart."""
    from pipeline.broker.admin import provision_topics
    from pipeline.client.covenant_topic import publish_bundle
    from pipeline.client.schema_topic import publish_schemas
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.bundle import Bundle
    from pipeline.covenant.examples import run_examples
    from pipeline.registry import load_registry

    settings = _settings()
    directory = path or settings.convenanten_dir
    bootstrap = settings.require_bootstrap()
    registry = load_registry(directory)
    bundle = Bundle.from_directory(directory)
    from pipeline.privacy.keyring import ephemeral_keyring

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


def main() -> None:
    """Entry point: run the CLI; a KetenstroomError prints its message and exits non-zero."""
    try:
        app()
    except BrokerError as exc:
        errors.print(f"[red]broker error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(3)
    except CovenantError as exc:
        for problem in exc.problems:
            errors.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
        errors.print(f"{len(exc.problems)} problem(s)", highlight=False)
        sys.exit(1)
    except KetenstroomError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(1)
