"""``ketenstroom convenant``: check, test, explain, diff and publish covenant files.

These are the privacy officer's commands: they speak Dutch unless KETENSTROOM_TAAL=en or an
English locale asks otherwise (pipeline/language.py), and they print every problem
themselves, so the closing line and the labels are in the same language.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from pipeline.cli.output import console, errors
from pipeline.errors import CovenantError, KetenstroomError
from pipeline.language import officer_language, use
from pipeline.messages import tools as msg
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.covenant.loader import LoadedCovenant
    from pipeline.covenant.policy import Policy
    from pipeline.officer.annex.content import Annex
    from pipeline.publication.status import AdoptionReport
    from pipeline.registry import Registry

convenant_app = typer.Typer(help="Covenant files (convenanten/).", no_args_is_help=True)

CovenantPath = Annotated[
    Path | None,
    typer.Argument(
        help="A covenant file, or the covenant directory (default: KETENSTROOM_CONVENANTEN_DIR)."
    ),
]
FORMATS = ["tabel", "markdown", "html", "pdf"]


def _settings() -> Settings:
    """The settings, with the officer's language in force for this command."""
    settings = load_settings()
    use(officer_language(settings.taal, os.environ))
    return settings


@contextlib.contextmanager
def _reporting() -> Iterator[None]:
    """Print a covenant error's problems (and any other user error) in the officer's language."""
    try:
        yield
    except CovenantError as exc:
        for problem in exc.problems:
            errors.print(f"[red]{msg.error_label()}:[/red] {escape(problem)}", highlight=False)
        errors.print(str(msg.problem_count(len(exc.problems))), highlight=False)
        raise typer.Exit(1) from exc
    except KetenstroomError as exc:
        errors.print(f"[red]{msg.error_label()}:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from exc


def _directory(path: Path) -> Path:
    """The covenant directory of a file or directory (where deelnemers.yaml is)."""
    if not path.exists():
        raise KetenstroomError(str(msg.not_found(str(path))))
    return path if path.is_dir() else path.parent


def _checked(path: Path, settings: Settings) -> tuple[list[LoadedCovenant], Registry]:
    """Every covenant at ``path`` (file or directory), checked in full: all problems of all
    files together, also those behind a structural mistake."""
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.checks.checker import check
    from pipeline.covenant.loader import read_covenants
    from pipeline.registry import load_registry

    registry = load_registry(_directory(path))
    reading = read_covenants(path)
    problems = reading.problems + check(
        reading.checkable, registry, load_store(settings.schemas_dir)
    )
    if problems:
        raise CovenantError(problems)
    return reading.covenants, registry


def _compiled(path: Path, settings: Settings) -> tuple[Policy, list[LoadedCovenant], Registry]:
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.compiler import compile_policy
    from pipeline.privacy.keyring import ephemeral_keyring

    covenants, registry = _checked(path, settings)
    # which fields leave, and in which form, does not depend on key values: throwaway keys
    keyring = ephemeral_keyring(registry.ids)
    policy = compile_policy(covenants, registry, load_store(settings.schemas_dir), keyring)
    return policy, covenants, registry


@convenant_app.command("check")
def convenant_check(path: CovenantPath = None) -> None:
    """Check covenant files against the registry and the schemas: every problem with
    file:line:column and what to do; warnings (overlapping areas) do not fail the check."""
    from pipeline.covenant.checks.checker import warnings

    settings = _settings()
    with _reporting():
        policy, covenants, registry = _compiled(path or settings.convenanten_dir, settings)
        found = warnings(covenants, registry)
    for warning in found:
        errors.print(f"[yellow]{msg.warning_label()}:[/yellow] {escape(warning)}", highlight=False)
    _compare_with_published(settings, covenants, policy)
    views = sum(len(plans) for plans in policy.plans.values())
    console.print(str(msg.check_ok(policy.version, views, len(policy.plans))), highlight=False)
    if found:
        console.print(str(msg.warning_count(len(found))), highlight=False)


def _compare_with_published(
    settings: Settings, covenants: list[LoadedCovenant], policy: Policy
) -> None:
    """With a broker configured and reachable: refuse (exit 1) a text that changes a published
    covenant version, as `publish` would. Without one the check stays usable offline."""
    from pipeline.broker.reachability import require_reachable
    from pipeline.cli.publishing import refuse_changes
    from pipeline.client.publication_history import read_history
    from pipeline.codec.schema_store import load_store
    from pipeline.messages import publication as said
    from pipeline.publication.precedent import publication_problems
    from pipeline.publication.signing import read_signing_key, read_trusted_signers

    if not settings.bootstrap_servers:
        return
    try:
        require_reachable(settings.bootstrap_servers, settings.connect_timeout_s)
        bootstrap = settings.bootstrap_servers
        trusted = read_trusted_signers(settings.trusted_signers)
        if settings.signing_key.exists():
            trusted = trusted.with_signer(read_signing_key(settings.signing_key).signer())
        history = read_history(settings, bootstrap, trusted, load_store(settings.schemas_dir))
    except KetenstroomError as exc:
        errors.print(f"[yellow]{escape(str(said.history_unreadable(str(exc))))}[/yellow]")
        return
    problems = publication_problems(
        history.covenants, [c.model for c in covenants], policy, history.precedent
    )
    refuse_changes(problems, str(msg.error_label()))
    console.print(escape(str(said.history_compared(len(history.versions)))), highlight=False)


@convenant_app.command("test")
def convenant_test(path: CovenantPath = None) -> None:
    """Run the example tests (*.voorbeelden.yaml): each recipient gets exactly the fields named."""
    from pipeline.officer.examples import run_examples

    settings = _settings()
    target = path or settings.convenanten_dir
    with _reporting():
        policy, _, _ = _compiled(target, settings)
        results = run_examples(target, policy)
    for result in results:
        mark = (
            f"[green]{msg.example_passed()}  [/green]"
            if result.passed
            else f"[red]{msg.example_failed()}[/red]"
        )
        console.print(
            f"{mark} {escape(result.name)}  [dim]{escape(result.where)}[/dim]", soft_wrap=True
        )
        for problem in result.problems:
            console.print(f"       {escape(problem)}", soft_wrap=True, highlight=False)
    failed = sum(not r.passed for r in results)
    if not results:
        errors.print(str(msg.no_examples()), highlight=False)
    console.print(str(msg.examples_summary(len(results) - failed, failed)), highlight=False)
    if failed or not results:
        raise typer.Exit(1)


@convenant_app.command("explain")
def convenant_explain(
    path: CovenantPath = None,
    output_format: Annotated[
        str, typer.Option("--format", help="tabel, markdown, html or pdf (pdf needs --uit).")
    ] = "tabel",
    recipient: Annotated[str | None, typer.Option(help="Only this recipient.")] = None,
    signal_type: Annotated[
        str | None, typer.Option("--type", help="Only this signal type.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--uit", help="Write to this file instead of the screen.")
    ] = None,
) -> None:
    """The covenant's annex: title, version, validity, area, parties, legal bases, purposes,
    linkage domains, the envelope, and per recipient each field, how, why and for how long."""
    from pipeline.codec.schema_store import load_store
    from pipeline.officer.annex.content import AnnexContext, build_annex
    from pipeline.officer.annex.render import to_html, to_markdown
    from pipeline.yaml_files.structure import suggestion

    settings = _settings()
    with _reporting():
        if output_format not in FORMATS and output_format != "table":
            raise KetenstroomError(str(msg.bad_format(output_format, FORMATS)))
        if output_format == "pdf" and output is None:
            raise KetenstroomError(str(msg.pdf_needs_output()))
        _, covenants, registry = _compiled(path or settings.convenanten_dir, settings)
        store = load_store(settings.schemas_dir)
        recipients = sorted(
            {r for c in covenants for rule in c.model.regels for r in rule.ontvangers}
            | {r for c in covenants for rule in c.model.statistieken for r in rule.ontvangers}
        )
        if recipient is not None and recipient not in recipients:
            from pipeline.messages.covenant import did_you_mean

            hint = did_you_mean(suggestion(recipient, recipients))
            raise KetenstroomError(str(msg.unknown_recipient(recipient, hint, recipients)))
        types = sorted({rule.signaaltype for c in covenants for rule in c.model.regels})
        if signal_type is not None and signal_type not in types:
            from pipeline.messages.covenant import did_you_mean

            hint = did_you_mean(suggestion(signal_type, types))
            raise KetenstroomError(str(msg.unknown_type(signal_type, hint, types)))
        annexes = [
            build_annex(
                AnnexContext(
                    c,
                    registry,
                    store,
                    recipient,
                    signal_type,
                    c.source.path.read_text(encoding="utf-8") if c.source.path.exists() else "",
                )
            )
            for c in covenants
        ]
        if output_format in ("tabel", "table"):
            _print_annexes(annexes, output)
        elif output_format == "markdown":
            _emit(to_markdown(annexes), output)
        elif output_format == "html":
            _emit(to_html(annexes), output)
        else:
            assert output is not None
            _write_pdf(to_html(annexes), output)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        print(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    errors.print(str(msg.written(str(output))), highlight=False)


def _write_pdf(page: str, output: Path) -> None:
    import tempfile

    from pipeline.browser import print_pdf

    with tempfile.TemporaryDirectory(prefix="ketenstroom-bijlage-") as tmp:
        html_file = Path(tmp) / "bijlage.html"
        html_file.write_text(page, encoding="utf-8")
        print_pdf(html_file, output.resolve())
    errors.print(str(msg.written(str(output))), highlight=False)


def _print_annexes(annexes: list[Annex], output: Path | None) -> None:
    """The annex on the terminal: facts, then each section's table."""
    from rich.table import Table

    from pipeline.officer.annex.content import Section

    if output is not None:
        from pipeline.officer.annex.render import to_markdown

        _emit(to_markdown(annexes), output)
        return

    def show(section: Section) -> None:
        console.print(f"\n[bold]{escape(section.title)}[/bold]")
        for paragraph in section.paragraphs:
            console.print(escape(paragraph), highlight=False)
        if section.table is not None:
            table = Table(expand=True)
            for header in section.table.headers:
                table.add_column(header, overflow="fold")
            for row in section.table.rows:
                table.add_row(*(escape(c) for c in row))
            console.print(table)
        for part in section.parts:
            show(part)

    for annex in annexes:
        console.print(f"[bold]{escape(annex.title)}[/bold]")
        for name, value in annex.facts:
            console.print(f"  {escape(name)}: {escape(value)}", highlight=False)
        for section in annex.sections:
            show(section)
        console.print(f"\n[bold]{escape(annex.closing)}[/bold]")


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
    """A change memo: per recipient what is newly shared, no longer shared, treated
    differently, or shared less or more by a condition; the details after."""
    from pipeline.cli.change_memo import print_memo
    from pipeline.officer.diff import covenant_changes, diff_covenants, load_side

    settings = _settings()
    directory = settings.convenanten_dir
    with _reporting():
        before = load_side(old, directory)
        after = load_side(new or str(directory), directory)
        # one file against a whole directory or revision: compare that covenant only
        if new is not None and Path(new).is_file():
            ids = {c.model.convenant.id for c in after}
            before = [c for c in before if c.model.convenant.id in ids]
        if Path(old).is_file():
            ids = {c.model.convenant.id for c in before}
            after = [c for c in after if c.model.convenant.id in ids]
        changes = diff_covenants(before, after)
        general = covenant_changes(before, after)
    print_memo(changes, general, old, new or str(msg.working_directory()))


#: Exit status of `convenant publish` when a worker refused the bundle.
EXIT_REFUSED = 2
#: Exit status of `convenant publish` when not every worker confirmed the bundle in time.
EXIT_UNCONFIRMED = 4


@convenant_app.command("publish")
def convenant_publish(
    path: CovenantPath = None,
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
    from pipeline.cli.publishing import choose_version, print_report, refuse_changes
    from pipeline.client.covenant_topic import await_adoption, publish_bundle, read_status
    from pipeline.client.publication_history import read_history
    from pipeline.client.register_topic import publish_policy
    from pipeline.codec.schema_store import load_store
    from pipeline.officer.examples import run_examples
    from pipeline.privacy.keyring import ephemeral_keyring
    from pipeline.publication.bundle import MAX_VERSION, Bundle
    from pipeline.publication.precedent import publication_problems
    from pipeline.publication.signing import read_signing_key, read_trusted_signers, signed_digest
    from pipeline.publication.status import adoption_report, latest
    from pipeline.registry import load_registry

    settings = _settings()
    directory = path or settings.convenanten_dir
    with _reporting():
        if not settings.signing_key.exists():  # no key, no publication: say so first
            raise KetenstroomError(str(msg.no_signing_key(str(settings.signing_key))))
        _checked(directory, settings)  # every problem of every file, in the officer's words
    signer = read_signing_key(settings.signing_key).signer()
    bootstrap = settings.require_bootstrap()
    registry = load_registry(directory)
    store = load_store(settings.schemas_dir)
    bundle = Bundle.from_directory(directory)
    policy = bundle.compile(registry, store, ephemeral_keyring(registry.ids))
    provision_topics(settings, bootstrap, registry)
    trusted = read_trusted_signers(settings.trusted_signers).with_signer(signer)
    with _reporting():
        history = read_history(settings, bootstrap, trusted, store)
    refuse_changes(
        publication_problems(
            history.covenants, [c.model for c in bundle.covenants()], policy, history.precedent
        )
    )
    failed = [r for r in run_examples(directory, policy) if not r.passed]
    for result in failed:
        errors.print(
            f"[red]{escape(str(msg.publish_examples_fail(result.name, '; '.join(result.problems))))}[/red]"
        )
    if failed:
        errors.print(str(msg.publish_refused()))
        raise typer.Exit(1)
    published = history.versions
    newest = max(published, default=0)
    chosen = choose_version(version, published, newest, bundle.digest, MAX_VERSION)
    status, since = read_status(settings, bootstrap)
    before = latest(status)
    numbered = Bundle(bundle.files, bundle.published_at, chosen, history.installation)
    if chosen in published:  # the same content again as the newest version: nothing to write
        console.print(
            f"Versie {chosen} met deze inhoud is al gepubliceerd; er wordt niets opnieuw "
            "verstuurd. Welke routers haar gebruiken:",
            soft_wrap=True,
        )
        now = dt.datetime.now(dt.UTC)
        report = adoption_report(
            chosen, bundle.digest, before, before, now, published[chosen].signed
        )
    else:
        with _reporting():  # schemas and register before first use, only what is new
            publish_policy(
                settings, bootstrap, policy, history.precedent.schemas, history.precedent.register
            )
        signed = publish_bundle(settings, bootstrap, numbered)
        console.print(
            f"Versie {chosen} gepubliceerd ({escape(policy.version)}, kenmerk "
            f"{bundle.digest[:12]}, voor installatie "
            f"{escape(history.installation.describe())}). Wachten op de routers, hooguit "
            f"{wait:.0f} seconden ...",
            soft_wrap=True,
        )
        with console.status("Wachten op de routers ...") as line:

            def progress(report: AdoptionReport, left: float) -> None:
                answered = len(report.adopted) + len(report.refused)
                line.update(
                    f"Wachten op de routers: {answered} geantwoord, {len(report.silent)} "
                    f"nog niet (nog {left:.0f} s)"
                )

            report = await_adoption(
                settings, bootstrap, numbered, before, since, wait, progress, signed_digest(signed)
            )
    print_report(report, chosen)
    if report.refused:
        raise typer.Exit(EXIT_REFUSED)
    if not report.confirmed:
        raise typer.Exit(EXIT_UNCONFIRMED)


@convenant_app.command("status")
def convenant_status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every worker's covenant version (0: the files on disk), last report and last refusal."""
    from rich.table import Table

    from pipeline.client.covenant_topic import read_status
    from pipeline.publication.status import latest

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
