"""``ketenstroom verantwoording``: the FG's questions to the disclosure log.

``inzage`` (what the log says about one person), ``overzicht`` (one covenant's use),
``register`` (the register of processing activities, AVG art. 30) and ``export`` (the log as
OTLP JSON lines in the Logboek Dataverwerkingen shape). Each streams the
log once, in bounded memory, with a progress bar on stderr, and needs only read access to the
log, the register and the schemas (role ``ketenstroom-verantwoording``); ``inzage`` also the
FG's key extract (`keys uittreksel verantwoording`). Dutch unless KETENSTROOM_TAAL=en.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.accountability.lines import Period
from pipeline.cli.accountability_tables import print_overview, print_register
from pipeline.cli.officer import OfficerCommand, officer_app, officer_settings, reporting, said
from pipeline.cli.output import compact_fields, console, errors
from pipeline.errors import ConfigurationError, InvalidRecordError, KetenstroomError
from pipeline.messages import accountability as msg
from pipeline.messages import help as h
from pipeline.router.disclosure import NO_LOCATION, OTHER_COVENANT
from pipeline.router.event_scope import (
    REFERRED_OUTSIDE_AREA,
    REFERRED_OUTSIDE_PERIOD,
    REFERRED_UNKNOWN,
)
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.codec.schema_store import SchemaStore
    from pipeline.covenant.register import Activity

verantwoording_app = officer_app(h.verantwoording_group())

From = Annotated[
    dt.datetime | None,
    typer.Option("--van", formats=["%Y-%m-%d"], help=said(h.period_from())),
]
Until = Annotated[
    dt.datetime | None,
    typer.Option("--tot", formats=["%Y-%m-%d"], help=said(h.period_until())),
]
AsJson = Annotated[bool, typer.Option("--json", help=said(h.as_json_document()))]


def _period(van: dt.datetime | None, tot: dt.datetime | None) -> Period:
    return Period(van.date() if van else None, tot.date() if tot else None)


@dataclass(frozen=True)
class _Sources:
    """What every report reads before the log: the schemas (to decode it) and the register."""

    settings: Settings
    bootstrap: str
    store: SchemaStore
    register: dict[str, Activity]


def _sources(settings: Settings) -> _Sources:
    from pipeline.cli.connecting import reachable
    from pipeline.client.register_topic import read_register
    from pipeline.client.schema_topic import load_schema_topic

    bootstrap = reachable(settings)
    store = load_schema_topic(settings, bootstrap)
    return _Sources(settings, bootstrap, store, read_register(settings, bootstrap, store))


def _stream(sources: _Sources, take: Callable[[int, dict[str, Any]], None]) -> None:
    """Stream the log once into ``take(partition, record)``, with a progress bar on stderr;
    a line no known schema decodes is counted and said, never silently left out."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pipeline.client.log_topic import stream_log
    from pipeline.codec.framing import decode
    from pipeline.errors import CodecError

    read = unreadable = 0
    label = str(msg.reading_log())
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        for record in stream_log(sources.settings, sources.bootstrap, progress):
            read += 1
            try:
                _, body = decode(record.value, sources.store)
            except CodecError:
                unreadable += 1
                continue
            take(record.partition, body)
    errors.print(str(msg.read_lines(read, unreadable)), highlight=False)


@verantwoording_app.command("inzage", help=said(h.inzage()), cls=OfficerCommand)
def inzage_command(
    bsn: Annotated[str | None, typer.Option("--bsn", help=said(h.inzage_bsn()))] = None,
    naam: Annotated[
        str | None, typer.Option("--naam", help=said(h.inzage_name()))
    ] = None,
    geboortedatum: Annotated[
        dt.datetime | None,
        typer.Option("--geboortedatum", formats=["%Y-%m-%d"], help=said(h.inzage_birth_date())),
    ] = None,
    van: From = None,
    tot: Until = None,
    as_json: AsJson = False,
    sleutels: Annotated[
        Path | None,
        typer.Option("--sleutels", help=said(h.inzage_keys())),
    ] = None,
) -> None:
    """Every disclosure about one person: when, to whom, which fields and how, under which
    covenant, rule, article, legal basis and purpose; and every re-identification. Give what you
    have: the BSN, the name (with the birth date if known), or both; the log names someone by
    BSN when a signal had one, else by name and birth date, else by name alone. Each line says
    by which identity it was found; a name alone may find namesakes."""
    from pipeline.accountability.inzage import Inzage
    from pipeline.accountability.inzage import as_json as to_json
    from pipeline.accountability.person import by_bsn, by_name, either
    from pipeline.privacy.keyring import read_keyring

    settings = officer_settings()
    with reporting():
        path = sleutels or settings.keyring
        versions = read_keyring(path).verantwoording
        if not versions:
            raise ConfigurationError(str(msg.no_log_key(str(path))))
        people = []
        if bsn:
            try:
                people.append(by_bsn(bsn, versions))
            except InvalidRecordError as exc:
                raise ConfigurationError(str(msg.invalid_bsn())) from exc
        if naam and naam.strip():
            people.append(by_name(naam, geboortedatum.date() if geboortedatum else None, versions))
        if not people or (geboortedatum is not None and not (naam and naam.strip())):
            raise typer.BadParameter(str(msg.who_missing()))
        person = people[0] if len(people) == 1 else either(*people)
        sources = _sources(settings)
        inzage = Inzage(person, _period(van, tot), sources.register, _herleiders(settings))
        _stream(sources, lambda partition, record: inzage.add(record))
        report = inzage.report()
    if as_json:
        print(to_json(report))
        return
    _print_inzage(report)


def _herleiders(settings: Settings) -> dict[str, frozenset[str]] | None:
    """The herleiders' keys per covenant, from the covenant files the FG holds (None when they
    cannot be read: then a signature is checked, its key is not)."""
    from pipeline.covenant.loader import load_covenants

    try:
        covenants = load_covenants(settings.convenanten_dir)
    except KetenstroomError:
        return None
    return {
        c.model.convenant.id: frozenset(h.publieke_sleutel for h in c.model.convenant.herleiders)
        for c in covenants
    }


def _print_inzage(report: dict[str, Any]) -> None:
    lines = report["regels"]
    period = str(msg.period_words(report["periode"]["van"], report["periode"]["tot"]))
    title = msg.inzage_title(report["betrokkene"], period, len(lines))
    if not lines:
        console.print(escape(f"{title}: {msg.nothing_found()}"), highlight=False)
        return
    table = Table(title=str(title), show_lines=True)
    for header in msg.inzage_columns():
        table.add_column(str(header))
    for line in lines:
        if line["soort"] == "herleid":
            what = msg.reidentified_by(
                str(line.get("herleider")), str(line.get("namens")), str(line["handtekening"])
            )
            table.add_row(
                line["tijdstip"],
                msg.kind_word(line["soort"]),
                msg.found_by_words(line.get("gevonden_op")),
                str(line.get("namens") or "-"),
                escape(str(what)),
                "-",
                "-",
                escape(str(line.get("reden") or "")),
                "-",
            )
            continue
        grounds = line["verwerkingen"]
        known = [g for g in grounds if g["in_register"]]
        missing = [
            str(msg.not_in_register(g["verwerking"])) for g in grounds if not g["in_register"]
        ]
        table.add_row(
            line["tijdstip"],
            msg.kind_word(line["soort"])
            + (f" ({_why(line['reden'])})" if line.get("reden") else ""),
            msg.found_by_words(line.get("gevonden_op")),
            line.get("ontvanger") or "-",
            escape(compact_fields(line["velden"])) if line.get("velden") else "-",
            escape(
                "\n".join(
                    [
                        f"{g['convenant']} {g['convenant_versie']}, {g['regel']}, art. {g['artikel'] or '-'}"
                        for g in known
                    ]
                    + missing
                )
            ),
            escape("\n".join(f"{g['grondslag']}: {g['grondslag_tekst']}" for g in known)),
            escape("\n".join(f"{g['doel']}: {g['doel_tekst']}" for g in known)),
            "\n".join(g["bewaartermijn"] for g in known),
        )
    console.print(table)


@verantwoording_app.command("overzicht", help=said(h.overzicht()), cls=OfficerCommand)
def overview_command(
    convenant: Annotated[str, typer.Option("--convenant", help=said(h.overzicht_covenant()))],
    van: From = None,
    tot: Until = None,
    as_json: AsJson = False,
) -> None:
    """Disclosures per rule, recipient and field of one covenant, and the rules and fields that
    disclosed nothing in the period (for the covenant's evaluation and data minimisation)."""
    import json

    from pipeline.accountability.lines import RecentLines
    from pipeline.accountability.overview import Overview

    settings = officer_settings()
    with reporting():
        sources = _sources(settings)
        overview = Overview(convenant, _period(van, tot), sources.register)
        if not overview.activities:
            raise ConfigurationError(str(msg.unknown_covenant_in_register(convenant)))
        recent = RecentLines()

        def take(partition: int, record: dict[str, Any]) -> None:
            if not recent.repeated(partition, record):
                overview.add(record)

        _stream(sources, take)
        report = overview.report()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print_overview(report)


@verantwoording_app.command("register", help=said(h.register()), cls=OfficerCommand)
def register_command(
    convenant: Annotated[
        str | None, typer.Option("--convenant", help=said(h.register_covenant()))
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The register of processing activities (AVG art. 30) per covenant and version: every
    activity's purpose, legal basis, retention, recipients and what each receives. Entries are
    written once and never change; a log line always finds the entry it was written under."""
    import json

    from pipeline.accountability.register_report import register_report
    from pipeline.cli.connecting import reachable
    from pipeline.client.register_topic import read_register_topic
    from pipeline.client.schema_topic import load_schema_topic

    settings = officer_settings()
    with reporting():
        bootstrap = reachable(settings)
        topic = read_register_topic(settings, bootstrap, load_schema_topic(settings, bootstrap))
        report = register_report(topic.entries, convenant, topic.overwritten)
        if convenant is not None and not report["convenanten"]:
            raise ConfigurationError(str(msg.unknown_covenant_in_register(convenant)))
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print_register(report)


@verantwoording_app.command("export", help=said(h.export()), cls=OfficerCommand)
def export_command(
    van: From = None,
    tot: Until = None,
    out: Annotated[
        Path | None, typer.Option("--uit", help=said(h.export_output()))
    ] = None,
) -> None:
    """The log as OTLP JSON lines (one ExportTraceServiceRequest a line) in the Logboek
    Dataverwerkingen shape, for an organisation's own logboek."""
    from pipeline.accountability.lines import RecentLines
    from pipeline.accountability.otlp import export_line

    settings = officer_settings()
    period = _period(van, tot)
    recent = RecentLines()
    written = 0
    with reporting(), _output(out) as sink:

        def take(partition: int, record: dict[str, Any]) -> None:
            nonlocal written
            if period.contains(record["start_time"]) and not recent.repeated(partition, record):
                sink.write(export_line(record) + "\n")
                written += 1

        _stream(_sources(settings), take)
    if out is not None:
        errors.print(str(msg.exported(written, str(out))), highlight=False)


@contextlib.contextmanager
def _output(out: Path | None) -> Iterator[Any]:
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with out.open("w", encoding="utf-8") as sink:
        yield sink


def _why(reason: str) -> str:
    """A withheld line's reason as the FG reads it (the JSON keeps the log's code)."""
    words = {
        NO_LOCATION: msg.withheld_without_location,
        OTHER_COVENANT: msg.withheld_other_covenant,
        REFERRED_OUTSIDE_AREA: msg.withheld_referred_outside_area,
        REFERRED_OUTSIDE_PERIOD: msg.withheld_referred_outside_period,
        REFERRED_UNKNOWN: msg.withheld_referred_unknown,
    }
    text = words.get(reason)
    return str(text()) if text is not None else reason
