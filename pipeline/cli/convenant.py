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

from pipeline.cli.covenant_analysis import convenant_analyse
from pipeline.cli.covenant_dry_run import convenant_proef
from pipeline.cli.covenant_page import convenant_bekijk
from pipeline.cli.officer import OfficerCommand, officer_app, said
from pipeline.cli.output import console, errors
from pipeline.errors import CovenantError, KetenstroomError
from pipeline.language import officer_language, use
from pipeline.messages import help as h
from pipeline.messages import page as page_msg
from pipeline.messages import tools as msg
from pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.covenant.loader import LoadedCovenant
    from pipeline.covenant.policy import Policy
    from pipeline.officer.annex.content import Annex
    from pipeline.officer.annex.publication import SignedPublication
    from pipeline.publication.status import AdoptionReport
    from pipeline.registry import Registry

convenant_app = officer_app(h.convenant_group())
convenant_app.command("analyse", help=said(h.analyse()), cls=OfficerCommand)(convenant_analyse)
convenant_app.command("proef", help=said(h.proef()), cls=OfficerCommand)(convenant_proef)
convenant_app.command("bekijk", help=said(page_msg.help_text()), cls=OfficerCommand)(
    convenant_bekijk
)

CovenantPath = Annotated[
    Path | None,
    typer.Argument(
        help=said(h.covenant_path()), show_default=False
    ),
]
CovenantFolder = Annotated[
    Path | None, typer.Argument(help=said(h.covenant_folder()), show_default=False)
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
    from pipeline.registry import read_registry

    registered = read_registry(_directory(path))
    reading = read_covenants(path)
    problems = (
        registered.problems
        + reading.problems
        + check(
            reading.checkable,
            registered.registry,
            load_store(settings.schemas_dir),
            _beside(path),
        )
    )
    if problems:
        raise CovenantError(problems)
    return reading.covenants, registered.registry


def _beside(path: Path) -> list[LoadedCovenant]:
    """The valid covenants in force beside a single file (none for a directory): one file is
    checked together with them (issue 26: a pseudonym in one covenant and the name in another
    are a problem of the pair)."""
    from pipeline.covenant.loader import read_covenants

    if not path.is_file():
        return []
    siblings = read_covenants(path.parent).covenants
    return [c for c in siblings if c.source.path.resolve() != path.resolve()]


def _compiled(path: Path, settings: Settings) -> tuple[Policy, list[LoadedCovenant], Registry]:
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.compiler import compile_policy
    from pipeline.privacy.keyring import ephemeral_keyring

    covenants, registry = _checked(path, settings)
    # which fields leave, and in which form, does not depend on key values: throwaway keys
    keyring = ephemeral_keyring(registry.ids)
    store = load_store(settings.schemas_dir)
    policy = compile_policy(covenants, registry, store, keyring, _beside(path))
    return policy, covenants, registry


@convenant_app.command("check", help=said(h.check()), cls=OfficerCommand)
def convenant_check(path: CovenantPath = None) -> None:
    """Check covenant files against the registry and the schemas: every problem with
    file:line:column and what to do; warnings (overlapping areas) do not fail the check."""
    from pipeline.covenant.checks.checker import warnings
    from pipeline.covenant.checks.keys import (
        encryption_warnings,
        keyed_recipients,
        unchecked_keys,
    )

    settings = _settings()
    target = path or settings.convenanten_dir
    with _reporting():
        policy, covenants, registry = _compiled(target, settings)
        found = warnings(covenants, registry, _siblings(target, covenants))
        keyed = keyed_recipients(settings.keyring)
        if keyed is not None:
            found += encryption_warnings(covenants, keyed, settings.keyring)
        unchecked = unchecked_keys(covenants, keyed, settings.keyring)
    for warning in found:
        errors.print(f"[yellow]{msg.warning_label()}:[/yellow] {escape(warning)}", highlight=False)
    _compare_with_published(settings, covenants, policy)
    named = [(c.model.convenant.id, c.model.convenant.versie) for c in covenants]
    rules = [r for c in covenants for r in c.model.regels] + [
        s for c in covenants for s in c.model.statistieken
    ]
    recipients = {p for r in rules for p in r.ontvangers}
    sources = {p for r in rules for p in r.bronnen}
    console.print(
        str(msg.check_ok(named, len(rules), len(recipients), len(sources))), highlight=False
    )
    for note in unchecked:  # not a warning: what could not be checked on this computer
        console.print(f"{msg.not_checked_label()}: {escape(note)}", highlight=False, soft_wrap=True)
    if found:
        console.print(str(msg.warning_count(len(found))), highlight=False)


def _siblings(target: Path, checked: list[LoadedCovenant]) -> list[LoadedCovenant]:
    """When one file is checked: the other readable covenants of its directory, so that an
    overlap with them is named too (their own mistakes are for their own check)."""
    from pipeline.covenant.loader import read_covenants

    if not target.is_file():
        return []
    ids = {c.model.convenant.id for c in checked}
    mine = {target.resolve()}
    reading = read_covenants(target.parent)
    return [
        c
        for c in reading.covenants
        if c.source.path.resolve() not in mine and c.model.convenant.id not in ids
    ]




def _compare_with_published(
    settings: Settings, covenants: list[LoadedCovenant], policy: Policy
) -> None:
    """With a broker configured and reachable: refuse (exit 1) a text that changes a published
    covenant version, as `publish` would. Without one the check stays usable offline."""
    from pipeline.broker.reachability import require_reachable
    from pipeline.cli.publishing import refuse_changes
    from pipeline.client.publication_history import read_history
    from pipeline.codec.schema_store import load_store
    from pipeline.messages import publication as publication_msg
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
        errors.print(f"[yellow]{escape(str(publication_msg.history_unreadable(str(exc))))}[/yellow]")
        return
    problems = publication_problems(
        history.covenants, [c.model for c in covenants], policy, history.precedent
    )
    refuse_changes(problems, str(msg.error_label()))
    console.print(escape(str(publication_msg.history_compared(len(history.versions)))), highlight=False)


@convenant_app.command("test", help=said(h.test()), cls=OfficerCommand)
def convenant_test(path: CovenantPath = None) -> None:
    """Run the example tests (*.voorbeelden.yaml): each recipient gets exactly the fields named."""
    from pipeline.covenant.loader import EXAMPLES_SUFFIX
    from pipeline.officer.examples import run_examples

    settings = _settings()
    target = path or settings.convenanten_dir
    with _reporting():
        policy, covenants, _ = _compiled(target, settings)
        results = run_examples(target, policy)
    untested = [
        (c.model.convenant.id, c.source.path.stem + EXAMPLES_SUFFIX)
        for c in covenants
        if not c.source.path.with_name(c.source.path.stem + EXAMPLES_SUFFIX).exists()
    ]
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
        for note in result.notes:
            console.print(f"       [yellow]{escape(note)}[/yellow]", soft_wrap=True, highlight=False)
    failed = sum(not r.passed for r in results)
    if not results:
        errors.print(str(msg.no_examples()), highlight=False)
    else:
        for covenant, file in untested:
            text = msg.covenant_without_examples(covenant, file)
            errors.print(f"[yellow]{msg.warning_label()}:[/yellow] {escape(str(text))}", highlight=False)
    console.print(str(msg.examples_summary(len(results) - failed, failed)), highlight=False)
    if failed or not results:
        raise typer.Exit(1)


@convenant_app.command("explain", help=said(h.explain()), cls=OfficerCommand)
def convenant_explain(
    path: CovenantPath = None,
    output_format: Annotated[
        str, typer.Option("--format", help=said(h.explain_format()))
    ] = "tabel",
    recipient: Annotated[str | None, typer.Option(help=said(h.explain_recipient()))] = None,
    signal_type: Annotated[
        str | None, typer.Option("--type", help=said(h.explain_type()))
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--uit", help=said(h.explain_output()))
    ] = None,
) -> None:
    """The covenant's annex: title, version, validity, area, parties, legal bases, purposes,
    linkage domains, the envelope, and per recipient each field, how, why and for how long."""
    from pipeline.codec.schema_store import load_store
    from pipeline.officer.annex.content import AnnexContext, build_annex
    from pipeline.officer.annex.publication import status_of
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
        publications = _signed_publications(settings)
        annexes = []
        for c in covenants:
            text = c.source.path.read_text(encoding="utf-8") if c.source.path.exists() else ""
            state = status_of(c.source.path.name, text, publications)
            annexes.append(
                build_annex(
                    AnnexContext(c, registry, store, recipient, signal_type, text, status=state)
                )
            )
        if output_format in ("tabel", "table"):
            _print_annexes(annexes, output)
        elif output_format == "markdown":
            _emit(to_markdown(annexes), output)
        elif output_format == "html":
            _emit(to_html(annexes), output)
        else:
            assert output is not None
            _write_pdf(to_html(annexes), output)


def _signed_publications(settings: Settings) -> list[SignedPublication] | None:
    """Every bundle signed for this installation on the control topic with its signer's name,
    or None when no broker is configured or it does not answer within the connect timeout (the
    annex says concept). A bundle for another installation was never vastgesteld here."""
    from pipeline.broker.reachability import require_reachable
    from pipeline.client.covenant_topic import read_control, this_installation
    from pipeline.officer.annex.publication import SignedPublication
    from pipeline.publication.bundle import Bundle
    from pipeline.publication.signing import read_signing_key, read_trusted_signers, verify

    if not settings.bootstrap_servers:
        return None
    try:
        require_reachable(settings.bootstrap_servers, min(settings.connect_timeout_s, 3.0))
        trusted = read_trusted_signers(settings.trusted_signers)
        if settings.signing_key.exists():
            trusted = trusted.with_signer(read_signing_key(settings.signing_key).signer())
        values, _ = read_control(settings, settings.bootstrap_servers)
        here = this_installation(settings, settings.bootstrap_servers)
    except KetenstroomError:
        return None
    found = []
    for raw in values:
        try:
            inner, signer = verify(raw or b"", trusted)
            bundle = Bundle.from_bytes(inner)
        except KetenstroomError:
            continue  # unsigned or untrusted: never adopted, so never vastgesteld
        if bundle.installation != here:
            continue  # another installation's: never adopted here
        found.append(
            SignedPublication(bundle.version, bundle.published_at, signer.naam, bundle.files)
        )
    return found


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
    if not console.is_terminal:  # a pipe or a file: plain lines, never padded to a width
        from pipeline.officer.annex.render import to_text

        _emit(to_text(annexes), None)
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


@convenant_app.command("diff", help=said(h.diff()), cls=OfficerCommand)
def convenant_diff(
    old: Annotated[str, typer.Argument(help=said(h.diff_old()), show_default=False)],
    new: Annotated[
        str | None, typer.Argument(help=said(h.diff_new()), show_default=False)
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help=said(h.diff_format()))
    ] = "tabel",
    recipient: Annotated[
        str | None, typer.Option("--ontvanger", help=said(h.diff_recipient()))
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--uit", help=said(h.explain_output()))
    ] = None,
) -> None:
    """A change memo: per recipient what is newly shared, no longer shared, treated
    differently, or shared less or more by a condition, area, validity or source, from which
    date and on which legal basis. Two different covenants (two regions) are compared per
    kind of partner instead."""
    from pipeline.codec.schema_store import load_store
    from pipeline.officer.comparison.engine import Naming, compare
    from pipeline.officer.document import to_html, to_markdown
    from pipeline.officer.memo.content import build_memo
    from pipeline.officer.memo.render import memo_document
    from pipeline.officer.sides import compiled, load_side, registry_for

    settings = _settings()
    directory = settings.convenanten_dir
    with _reporting():
        if output_format not in ("tabel", "table", "markdown", "html"):
            raise KetenstroomError(str(msg.bad_format(output_format, ["tabel", "markdown", "html"])))
        before = load_side(old, directory)
        after = load_side(new or str(directory), directory)
        # one file against a whole directory or revision: compare that covenant only
        if new is not None and Path(new).is_file():
            ids = {c.model.convenant.id for c in after}
            before = [c for c in before if c.model.convenant.id in ids] or before
        if Path(old).is_file():
            ids = {c.model.convenant.id for c in before}
            after = [c for c in after if c.model.convenant.id in ids] or after
        store = load_store(settings.schemas_dir)
        left = compiled(old, before, registry_for(old, directory), store)
        new_label = new or str(msg.working_directory())
        right = compiled(new_label, after, registry_for(new or str(directory), directory), store)
        # two different covenants (two regions): side by side per kind of partner
        naming = Naming.KIND if not left.ids & right.ids else Naming.PARTNER
        labels = (
            (" + ".join(sorted(left.ids)), " + ".join(sorted(right.ids)))
            if naming is Naming.KIND
            else (old, new_label)
        )
        comparison = compare(left.facts, right.facts, naming)
        memo = build_memo(
            comparison, left.facts, right.facts, *labels, dt.date.today(), recipient
        )
    document = memo_document(memo)
    if output_format == "markdown":
        _emit(to_markdown(document), output)
    elif output_format == "html":
        _emit(to_html(document), output)
    elif output is not None:
        _emit(to_markdown(document), output)
    else:
        from pipeline.cli.document_printer import print_document

        print_document(document)


#: Exit status of `convenant publish` when a worker refused the bundle.
EXIT_REFUSED = 2
#: Exit status of `convenant publish` when not every worker confirmed the bundle in time.
EXIT_UNCONFIRMED = 4


@convenant_app.command("publish", help=said(h.publish()), cls=OfficerCommand)
def convenant_publish(
    path: CovenantFolder = None,
    version: Annotated[
        int | None,
        typer.Option(
            "--versie", help=said(h.publish_version()), show_default=False
        ),
    ] = None,
    wait: Annotated[
        float, typer.Option("--wacht", help=said(h.publish_wait()))
    ] = 60.0,
) -> None:
    """Check, test, sign and publish the covenants; running workers switch without a restart.

    Then waits for every running worker and says who adopted the new version and who refused it.
    Before publishing: `convenant diff` for the memo, `convenant proef` for what the change
    would do to the signals of the last week.

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
        if directory.is_file():  # the bundle holds every covenant: one file would drop the rest
            raise KetenstroomError(str(msg.publish_takes_folder(str(directory))))
        if not settings.signing_key.exists():  # no key, no publication: say so first
            raise KetenstroomError(str(msg.no_signing_key(str(settings.signing_key))))
        _checked(directory, settings)  # every problem of every file, in the officer's words
    errors.print(str(msg.publish_dry_run_hint()), highlight=False)
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


@convenant_app.command("status", help=said(h.status()), cls=OfficerCommand)
def convenant_status(
    as_json: Annotated[bool, typer.Option("--json", help=said(h.as_json_lines()))] = False,
) -> None:
    """Every worker's covenant version (0: the files on disk), last report and last refusal."""
    from rich.table import Table

    from pipeline.client.covenant_topic import read_status
    from pipeline.publication.status import latest

    settings = _settings()
    with _reporting():
        records, _ = read_status(settings, settings.require_bootstrap())
    statuses = latest(records)
    now = dt.datetime.now(dt.UTC)
    if as_json:
        for status in statuses.values():
            entry = status.model_dump(mode="json")
            entry["alive"] = status.alive(now)
            print(json.dumps(entry, sort_keys=True))
        return
    table = Table(title=str(msg.status_title(len(statuses))))
    for column in msg.status_columns():
        table.add_column(str(column), overflow="fold")
    for name, status in sorted(statuses.items()):
        state = status.state if status.alive(now) or status.state == "stopped" else "silent"
        refusals = [e for e in status.events if e.outcome == "refused"]
        last = refusals[-1] if refusals else None
        table.add_row(
            escape(name),
            str(msg.status_state(state)),
            str(status.active.version),
            escape(status.active.policy),
            str(msg.seconds_ago((now - status.at).total_seconds())),
            escape(f"{last.at:%Y-%m-%d %H:%M:%S} {last.reason}") if last else "",
        )
    console.print(table)
