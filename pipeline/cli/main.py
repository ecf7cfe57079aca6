"""``ketenstroom``: the command-line entry point."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from pipeline import topics
from pipeline.cli.connecting import reachable
from pipeline.cli.convenant import convenant_app
from pipeline.cli.demo_summary import print_demo
from pipeline.cli.deploy import deploy_app
from pipeline.cli.dlq import dlq_app
from pipeline.cli.exit_codes import Exit
from pipeline.cli.keys import keys_app
from pipeline.cli.lag import lag_command
from pipeline.cli.output import console, errors, heading, status
from pipeline.cli.reidentify import reidentify_app
from pipeline.cli.statistiek import print_statistics, statistiek_app
from pipeline.cli.verantwoording import verantwoording_app
from pipeline.errors import BrokerError, ConfigurationError, CovenantError, KetenstroomError
from pipeline.settings import Settings, load_settings

app = typer.Typer(
    name="ketenstroom",
    help="Covenant-governed data sharing between chain partners against human trafficking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
schemas_app = typer.Typer(help="Avro schemas of the signal types.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics of the pipeline.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
app.add_typer(convenant_app, name="convenant")
app.add_typer(topics_app, name="topics")
app.add_typer(keys_app, name="keys")
app.add_typer(dlq_app, name="dlq")
app.add_typer(deploy_app, name="deploy")
app.add_typer(statistiek_app, name="statistiek")
app.add_typer(reidentify_app, name="reidentify")
app.add_typer(verantwoording_app, name="verantwoording")
app.command("lag")(lag_command)

As = Annotated[str, typer.Option("--as", help="Your partner id (see convenanten/deelnemers.yaml).")]


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        print(f"ketenstroom {version('ketenstroom')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Covenant-governed data sharing between chain partners against human trafficking.

    Exit codes: 0 done, 1 invalid input or files, 2 usage, 3 broker, 4 alert (docs/operations.md)."""


def _partner(settings: Settings, partner: str, role: str) -> None:
    """Refuse a partner id the registry does not know, or one that may not take this role."""
    from pipeline.registry import load_registry

    registry = load_registry(settings.convenanten_dir)
    found = registry.get(partner)
    if found is None:
        raise ConfigurationError(
            f"unknown partner {partner!r}: not in {settings.convenanten_dir / 'deelnemers.yaml'} "
            f"(partners: {', '.join(registry.ids)})"
        )
    if role == "publish" and not found.publiceert:
        raise ConfigurationError(f"partner {partner!r} does not publish (publiceert: false)")
    if role == "receive" and not found.ontvangt:
        raise ConfigurationError(f"partner {partner!r} receives nothing (ontvangt: false)")


@app.command()
def demo(
    signals: Annotated[int, typer.Option(help="How many synthetic signals to publish.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic stream.")] = 2024,
) -> None:
    """Run the whole pipeline once: broker, router worker, synthetic partners, a summary."""
    from pipeline.demo import run_demo

    settings = load_settings()
    where = "the embedded broker" if settings.broker == "embedded" else settings.bootstrap_servers
    console.print(f"Starting the demo on {where} with {signals} synthetic signals ...")
    report = run_demo(
        settings,
        signals=signals,
        seed=seed,
        progress=lambda line: errors.print(f"  {line} ...", highlight=False),
    )
    print_demo(report)
    if not report.nothing_lost:
        raise typer.Exit(Exit.ALERT)


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
    loglevel: Annotated[
        str,
        typer.Option(
            help="ketenstroom's log level (debug, info, warning, error); the libraries log "
            "warnings and errors only, unless debug."
        ),
    ] = "info",
) -> None:
    """Run one router worker (start several to scale out; they share one consumer group).

    It logs one line when it is ready and one when it stopped; KETENSTROOM_LOG_FORMAT=json
    makes every log line one JSON object."""
    from pipeline.app.worker import run_worker

    run_worker(load_settings(), loglevel)


def _read_documents(source: str) -> list[dict[str, Any]]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{source}: cannot read it: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    documents = data if isinstance(data, list) else [data]
    if not all(isinstance(d, dict) for d in documents):
        raise ConfigurationError(f"{source}: expected a JSON object or a list of objects")
    return documents


@app.command()
def publish(
    file: Annotated[str, typer.Argument(help="JSON file with one signal or a list; - for stdin.")],
    partner: As,
    event_type: Annotated[
        str | None, typer.Option("--type", help="Signal type, if not in envelope.event_type.")
    ] = None,
) -> None:
    """Validate, encode and send signals as PARTNER; prints each event id. Nothing is sent if
    one is invalid, and nothing to a partner the registry does not know."""
    from pipeline.client.publisher import Publisher
    from pipeline.codec.schema_store import load_store

    settings = load_settings()
    _partner(settings, partner, "publish")
    documents = _read_documents(file)
    store = load_store(settings.schemas_dir)
    with Publisher(settings, settings.bootstrap_servers, partner, store) as publisher:
        encoded = [publisher.encode(d, event_type) for d in documents]  # all valid, or none sent
        bootstrap = reachable(settings)
        publisher.connect(bootstrap)
        with status(f"sending {len(encoded)} signal(s) to {publisher.topic} ..."):
            published = publisher.send_encoded(encoded)
        for one in published:
            console.print(one.event_id, highlight=False)


@app.command()
def inbox(
    partner: As,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    sealed: Annotated[
        bool, typer.Option("--versleuteld", help="Show encrypted fields as they arrived.")
    ] = False,
) -> None:
    """Print every view in PARTNER's inbox, decoded with the schema topic."""
    from pipeline.client.inbox import read_inbox
    from pipeline.codec.json_input import to_json

    settings = load_settings()
    _partner(settings, partner, "receive")
    bootstrap = reachable(settings)
    with status(f"reading inbox.{partner} ..."):
        views = read_inbox(settings, bootstrap, partner, decrypt=not sealed)
    views = print_statistics(views, as_json)  # figures: one per cell, the latest version
    for view in views:
        if as_json:
            print(to_json(view.to_json()))
        else:
            heading(f"{view.schema_name} · {view.key}")
            console.print_json(to_json(view.datum))
    if not as_json:
        console.print(f"{len(views)} view(s) in inbox.{partner}")


@topics_app.command("create")
def topics_create() -> None:
    """Create every topic the partner registry asks for, with the retention the covenants
    need (idempotent); warns about existing topics that keep records too briefly."""
    from pipeline.broker.admin import deployment_retention, provision_topics
    from pipeline.registry import load_registry

    settings = load_settings()
    registry = load_registry(settings.convenanten_dir)
    retention = deployment_retention(settings, registry)
    bootstrap = reachable(settings)
    created = provision_topics(settings, bootstrap, registry, retention)
    console.print(f"created {len(created)} topic(s): {', '.join(created) or 'none needed'}")
    _report_retention(settings, bootstrap, retention, skip=set(created))


@topics_app.command("check")
def topics_check() -> None:
    """Compare every existing topic's retention (DescribeConfigs) with what the covenants and
    settings require; exit 4 when one keeps records too briefly."""
    from pipeline.broker.admin import deployment_retention
    from pipeline.registry import load_registry

    settings = load_settings()
    retention = deployment_retention(settings, load_registry(settings.convenanten_dir))
    _report_retention(settings, reachable(settings), retention, skip=set())


def _report_retention(
    settings: Settings, bootstrap: str, retention: dict[str, Any], skip: set[str]
) -> None:
    from pipeline.broker.admin import check_retention

    with status("reading topic configs ..."):
        report = check_retention(settings, bootstrap, retention)
    short = [s for s in report.shortfalls if s.topic not in skip]
    for shortfall in short:
        errors.print(f"[yellow]warning:[/yellow] {escape(shortfall.message())}", highlight=False)
    log = retention[topics.DISCLOSURE_LOG]
    console.print(
        f"retention checked on {report.checked} topic(s): {len(short)} too short; "
        f"{topics.DISCLOSURE_LOG} needs {log.why}",
        highlight=False,
    )
    if report.embedded:
        errors.print(
            "note: the embedded broker (Tansu) reports the configs a topic was created with, "
            "but its memory storage deletes nothing by age: retention is not enforced there",
            highlight=False,
        )
    if short:
        raise typer.Exit(Exit.ALERT)


@schemas_app.command("list")
def schemas_list() -> None:
    """Every schema with its kind and fingerprint."""
    from pipeline.codec.schema_store import load_store

    for entry in sorted(load_store(load_settings().schemas_dir), key=lambda e: (e.kind, e.name)):
        console.print(f"{entry.fingerprint_hex}  {entry.kind:<6}  {entry.name}", highlight=False)


@schemas_app.command("fields")
def schemas_fields(signal_type: str) -> None:
    """The field paths of a signal type, as a covenant names them."""
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.fields import leaf_paths

    for path in leaf_paths(load_store(load_settings().schemas_dir).current(signal_type).expanded):
        console.print(path, highlight=False)


@schemas_app.command("check")
def schemas_check(
    against: Annotated[
        str, typer.Option(help="Baseline: a git revision or a schema directory.")
    ] = "HEAD",
) -> None:
    """Refuse schema changes that break backward compatibility (new schemas must read old data)."""
    from pipeline.codec.compatibility import check_against

    problems = check_against(load_settings().schemas_dir, against)
    for problem in problems:
        errors.print(f"[red]incompatible[/red] {escape(problem)}", highlight=False)
    if problems:
        raise typer.Exit(Exit.INVALID)
    console.print(f"schemas are backward compatible with {against}")


def main() -> None:
    """Entry point: run the CLI; a user's error prints its message (no traceback) and exits
    with the code of pipeline/cli/exit_codes.py."""
    try:
        app()
    except BrokerError as exc:
        errors.print(f"[red]broker error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(Exit.BROKER)
    except CovenantError as exc:
        for problem in exc.problems:
            errors.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
        errors.print(f"{len(exc.problems)} problem(s)", highlight=False)
        sys.exit(Exit.INVALID)
    except KetenstroomError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(Exit.INVALID)
    except OSError as exc:  # a file the user named: missing, unreadable
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(Exit.INVALID)
    except KeyboardInterrupt:
        errors.print("interrupted", highlight=False)
        sys.exit(Exit.INTERRUPTED)
