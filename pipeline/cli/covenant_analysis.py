"""``ketenstroom convenant analyse``: the covenants side by side (action 40).

Thin: read and compile the covenants given, read the disclosure log when a period is asked,
call the analysis, print a summary or write the report. Dutch unless KETENSTROOM_TAAL=en.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from pipeline.cli.officer import officer_settings, reporting, said
from pipeline.cli.output import console, errors
from pipeline.errors import CovenantError, KetenstroomError
from pipeline.messages import covenant as covenant_msg
from pipeline.messages import help as h
from pipeline.messages import tools as msg
from pipeline.settings import Settings

FORMATS = ["tabel", "html", "markdown", "json"]


def _load(paths: list[Path], settings: Settings) -> tuple[Any, Any]:
    """Every covenant of the files and directories given, checked and compiled together with
    the registry beside the first (else the configured one)."""
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.loader import load_covenant, load_covenants
    from pipeline.officer.analysis.across import across
    from pipeline.officer.sides import compiled, registry_for

    covenants = []
    for path in paths:
        if not path.exists():
            raise KetenstroomError(str(msg.not_found(str(path))))
        covenants += load_covenants(path) if path.is_dir() else [load_covenant(path)]
    # a file named twice (alone and in its directory) counts once; two files, one id: refused
    covenants = list({c.source.path.resolve(): c for c in covenants}.values())
    seen: dict[str, str] = {}
    problems = []
    for loaded in covenants:
        cid = loaded.model.convenant.id
        here = loaded.source.where(("convenant", "id"))
        if cid in seen:
            problems.append(f"{here}: {covenant_msg.duplicate_covenant_id(cid, seen[cid])}")
        seen.setdefault(cid, here)
    if problems:
        raise CovenantError(problems)
    registry = registry_for(str(paths[0]), settings.convenanten_dir)
    # re-identification across covenants is a finding of the report here, not a refusal
    store = load_store(settings.schemas_dir)
    side = compiled("analyse", covenants, registry, store, combinations=False)
    return side.facts, across(covenants)


def _usage(settings: Settings, facts: Any, van: dt.datetime | None, tot: dt.datetime | None) -> Any:
    """Per covenant, the rules that disclosed nothing in the period, from the disclosure log."""
    from pipeline.accountability.lines import Period, RecentLines
    from pipeline.accountability.overview import Overview
    from pipeline.cli.verantwoording import _sources, _stream
    from pipeline.officer.analysis.report import Usage

    period = Period(van.date() if van else None, tot.date() if tot else None)
    sources = _sources(settings)
    overviews = {cid: Overview(cid, period, sources.register) for cid in facts.headings}
    recent = RecentLines()

    def take(partition: int, record: dict[str, Any]) -> None:
        if not recent.repeated(partition, record):
            for overview in overviews.values():
                overview.add(record)

    _stream(sources, take)
    words = f"van {period.bounds()['van'] or 'het begin'} tot {period.bounds()['tot'] or 'nu'}"
    out = {}
    for cid, overview in overviews.items():
        report = overview.report()
        in_force = {c.rule.id for c in facts.fields if c.rule.covenant == cid}
        in_force |= {c.rule.id for c in facts.tables if c.rule.covenant == cid}
        # a rule counts as used when any of its versions disclosed in the period: the files
        # analysed may be a version that is not published yet
        used = {r["regel"] for r in report["regels"] if r.get("verstrekkingen")}
        out[cid] = Usage(words, tuple(sorted(in_force - used)))
    return out


def convenant_analyse(
    paths: Annotated[
        list[Path] | None, typer.Argument(help=said(h.analyse_paths()), show_default=False)
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help=said(h.analyse_format()))
    ] = "tabel",
    output: Annotated[
        Path | None, typer.Option("--uit", help=said(h.report_output()))
    ] = None,
    van: Annotated[
        dt.datetime | None,
        typer.Option("--van", formats=["%Y-%m-%d"], help=said(h.analyse_from())),
    ] = None,
    tot: Annotated[
        dt.datetime | None,
        typer.Option("--tot", formats=["%Y-%m-%d"], help=said(h.analyse_until())),
    ] = None,
) -> None:
    """The covenants side by side: per covenant who sees what, per kind of partner what differs
    and what is missing, overlapping areas (municipalities by code and name) and conflicts,
    re-identification across covenants, statistics rules and double counting, and loose
    ends."""
    from pipeline.cli.document_printer import print_document
    from pipeline.officer.analysis.render import analysis_document, summary, to_json
    from pipeline.officer.analysis.report import analyse
    from pipeline.officer.document import Document, to_html, to_markdown, ul

    settings = officer_settings()
    with reporting():  # any other error: one line; every covenant problem: one line each
        if output_format not in FORMATS:
            raise KetenstroomError(str(msg.bad_format(output_format, FORMATS)))
        try:
            facts, cross = _load(paths or [settings.convenanten_dir], settings)
        except CovenantError as exc:
            for problem in exc.problems:
                errors.print(f"[red]{msg.error_label()}:[/red] {escape(problem)}", highlight=False)
            errors.print(str(msg.problem_count(len(exc.problems))), highlight=False)
            raise typer.Exit(1) from exc
        usage = _usage(settings, facts, van, tot) if van or tot else None
        analysis = analyse(facts, dt.date.today(), usage, cross)
    if output_format == "tabel":
        document = Document("Analyse van de convenanten")
        document.add(ul(summary(analysis)))
        print_document(document)
        if output is None:
            console.print(
                "De hele analyse: --format html --uit analyse.html (of markdown, json).",
                highlight=False,
            )
            return
        text = to_markdown(analysis_document(analysis))
    elif output_format == "json":
        text = to_json(analysis) + "\n"
    elif output_format == "markdown":
        text = to_markdown(analysis_document(analysis))
    else:
        text = to_html(analysis_document(analysis))
    if output is None:
        print(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    errors.print(str(msg.written(str(output))), highlight=False)
