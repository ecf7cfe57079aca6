"""``ketenstroom statistiek``: publish a period's figures; and how an inbox shows them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pipeline.cli.exit_codes import Exit
from pipeline.cli.output import console, heading
from pipeline.settings import Settings, load_settings
from pipeline.statistics.claims import Outcome, Release

if TYPE_CHECKING:
    from pipeline.client.inbox import View
    from pipeline.covenant.policy import Policy

statistiek_app = typer.Typer(
    help="Figures (counts after disclosure control) for the Nationaal Rapporteur.",
    no_args_is_help=True,
)

STATISTIEK = "nl.ketenstroom.Statistiek"
DIMENSIONS = (
    "politie_eenheid",
    "melder_type",
    "uitbuitingsvorm",
    "sector",
    "geslacht",
    "leeftijdscategorie",
    "nationaliteit",
    "minderjarig",
    "gemeente",
)
SUPPRESSED = "x"


def statistics_policy(settings: Settings, bootstrap: str) -> Policy:
    """The policy the workers use: the last valid published covenant bundle (signed by a trusted
    key), else the files on disk. Throwaway keys: counting needs none."""
    from pipeline.app.worker import newest_policy
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.compiler import compile_policy
    from pipeline.covenant.loader import load_covenants
    from pipeline.privacy.keyring import ephemeral_keyring
    from pipeline.registry import load_registry

    registry = load_registry(settings.convenanten_dir)
    store = load_store(settings.schemas_dir)
    keyring = ephemeral_keyring(registry.ids)
    policy = compile_policy(load_covenants(settings.convenanten_dir), registry, store, keyring)
    holder = newest_policy(settings, bootstrap, policy, registry, store, keyring)
    return holder.policy


@statistiek_app.command("publiceer")
def publiceer(
    periode: Annotated[
        str | None,
        typer.Option(
            "--periode",
            help="Month (2026-11), quarter (2026-K4) or year (2026); default: every closed period.",
        ),
    ] = None,
) -> None:
    """Publish a period's figures now (also while it is still open: a provisional version).
    If the worker (or another run of this command) publishes the same version at the same
    moment, only the one claimed first is sent: this command says so, and publishes a next
    version on top of it if the counts changed since. Exit 4 if a claimed version was refused
    (its cells are not what disclosure control gives)."""
    from pipeline.app.statistics import publish_period
    from pipeline.statistics.periods import parse_period

    settings = load_settings()
    bootstrap = settings.require_bootstrap()
    policy = statistics_policy(settings, bootstrap)
    if periode is not None:
        try:
            kind = parse_period(periode).kind
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        rules = policy.statistics
        if not any(r.period is kind for r in rules):
            known = ", ".join(f"{r.key} ({r.period.value})" for r in rules) or "none"
            raise typer.BadParameter(
                f"no statistics rule publishes per {kind.value}; rules: {known}"
            )
    releases = publish_period(settings, bootstrap, policy, periode)
    for line in release_lines(releases):
        console.print(line, highlight=False, soft_wrap=True)
    if any(r.outcome is Outcome.REFUSED for r in releases):
        raise typer.Exit(Exit.ALERT)


def release_lines(releases: Sequence[Release]) -> list[str]:
    """What happened to each version, in plain words for the operator who asked."""
    if not releases:
        return ["nothing new to publish: every period asked for stands as published"]
    lines = []
    for release in releases:
        body, name = release.body, release.name
        who = release.publisher.describe() if release.publisher else "an unnamed publisher"
        at = dt.datetime.fromisoformat(body["gepubliceerd_op"]).astimezone().strftime("%H:%M:%S")
        if release.outcome is Outcome.PUBLISHED:
            replaces = f", replaces version {body['vervangt']}" if body["vervangt"] else ""
            lines.append(
                f"published {name} ({body['status']}{replaces}) to "
                f"{', '.join(body['ontvangers'])}: {_cells(body)}"
            )
            if body["buiten_telling"]:
                lines.append(
                    f"  note: {body['buiten_telling']} signal(s) were counted under an earlier "
                    "definition of this rule and are not in these figures"
                )
        elif release.outcome is Outcome.BY_ANOTHER:
            lines.append(
                f"{name} was published a moment ago, at {at}, by {who}; it stands as they "
                f"published it ({body['status']}: {_cells(body)}). "
                f"`ketenstroom inbox --as {body['ontvangers'][0]}` shows it"
            )
        elif release.outcome is Outcome.RESENT:
            lines.append(
                f"{name} was claimed by {who} at {at}, which stopped before sending all of it; "
                f"sent it now, exactly as claimed ({body['status']}: {_cells(body)})"
            )
        else:
            lines.append(
                f"{name}, claimed by {who} at {at}, was NOT sent: its cells are not what "
                "disclosure control gives for its counts under the rule in force (a forged "
                "claim, or one made under other covenant settings); later versions are "
                "audited against it all the same"
            )
    return lines


def _cells(body: dict[str, Any]) -> str:
    shown = sum(not c["onderdrukt"] for c in body["cellen"])
    total = len(body["cellen"])
    return f"{total} cells, {shown} shown, {total - shown} suppressed"


def latest_publications(views: Sequence[View]) -> list[list[dict[str, Any]]]:
    """Statistiek records grouped per publication, only the latest version of each rule's
    period, each group in the order it was published."""
    return _latest([view.datum for view in views])


def _latest(records: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    for cell in records:  # a publication sent again after a crash repeats its cells: once each
        identity = (cell["tabel"], *(cell[d] for d in DIMENSIONS))
        groups.setdefault(cell["publicatie_id"], {}).setdefault(identity, cell)
    latest: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for unique in groups.values():
        cells = list(unique.values())
        head = cells[0]
        series = (head["convenant_id"], head["regel_id"], head["periode"])
        if series not in latest or latest[series][0]["versie"] < head["versie"]:
            latest[series] = cells
    return [latest[k] for k in sorted(latest)]


def cell_object(cell: dict[str, Any]) -> dict[str, Any]:
    """One cell as the JSON lines of ``inbox --json`` show it."""
    out: dict[str, Any] = {"periode": cell["periode"]}
    out |= {d: cell[d] for d in DIMENSIONS if cell[d] is not None}
    out |= {
        "aantal": cell["aantal"],
        "onderdrukt": cell["onderdrukt"],
        "versie": cell["versie"],
        "status": cell["status"],
        "vervangt": cell["vervangt"],
    }
    return out


def print_figures(cells: list[dict[str, Any]]) -> None:
    """Tables of Statistiek records (the demo's summary), the latest version of each."""
    for publication in _latest(cells):
        _print_tables(publication)


def print_statistics(views: list[View], as_json: bool) -> list[View]:
    """Print the figures among ``views`` (one JSON object per cell, or a table per period and
    table), the latest version of each; returns the other views."""
    figures = [v for v in views if v.schema_name == STATISTIEK]
    if not figures:
        return views
    publications = latest_publications(figures)
    for cells in publications:
        if as_json:
            for cell in cells:
                print(json.dumps(cell_object(cell), ensure_ascii=False))
        else:
            _print_tables(cells)
    if not as_json:
        console.print(
            f"{sum(len(c) for c in publications)} cell(s) in {len(publications)} publication(s); "
            f"{SUPPRESSED} = suppressed (below the threshold, or it could be computed from others)"
        )
    return [v for v in views if v.schema_name != STATISTIEK]


def _print_tables(cells: list[dict[str, Any]]) -> None:
    head = cells[0]
    replaces = f", replaces version {head['vervangt']}" if head["vervangt"] else ""
    heading(
        f"{head['periode']} · {head['convenant_id']}/{head['regel_id']} · version "
        f"{head['versie']} ({head['status']}{replaces}) · threshold {head['drempel']}"
    )
    by_table: dict[str, list[dict[str, Any]]] = {}
    for cell in cells:
        by_table.setdefault(cell["tabel"], []).append(cell)
    for name, members in by_table.items():
        dims = name.split(" x ")
        shown = {tuple(c[d] for d in dims): c for c in members}
        table = Table(title=name, title_justify="left")
        if len(dims) == 2:
            rows = list(dict.fromkeys(k[0] for k in shown))
            columns = list(dict.fromkeys(k[1] for k in shown))
            table.add_column(f"{dims[0]} \\ {dims[1]}")
            for column in columns:
                table.add_column(column, justify="right")
            for row in rows:
                table.add_row(row, *(_value(shown.get((row, c))) for c in columns))
        else:
            for d in dims:
                table.add_column(d)
            table.add_column("aantal", justify="right")
            for key, cell in shown.items():
                table.add_row(*key, _value(cell))
        console.print(table)


def _value(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return ""
    return SUPPRESSED if cell["onderdrukt"] else str(cell["aantal"])
