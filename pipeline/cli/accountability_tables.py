"""How the FG's reports print as tables: a covenant's use (``overzicht``) and the register of
processing activities (``register``). Dutch unless KETENSTROOM_TAAL=en."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from pipeline.cli.output import compact_fields, console, errors
from pipeline.messages import accountability as msg


def print_overview(report: dict[str, Any]) -> None:
    """The overview: rules per version, fields per version, statistics and re-identifications."""
    period = str(msg.period_words(report["periode"]["van"], report["periode"]["tot"]))
    title = msg.overview_title(report["convenant"], period, report["regels_in_log"])
    rules = Table(title=str(title))
    for header in msg.overview_rule_columns():
        rules.add_column(str(header))
    for rule in report["regels"]:
        rules.add_row(
            rule["regel"],
            rule.get("artikel") or "-",
            rule["versie"],
            str(rule["verstrekkingen"]),
            str(rule["tegengehouden"]),
            ", ".join(f"{p} {n}" for p, n in sorted(rule["per_ontvanger"].items())),
        )
    console.print(rules)
    fields = Table()
    for header in msg.overview_field_columns():
        fields.add_column(str(header))
    for field in report["velden"]:
        fields.add_row(
            field["versie"],
            field["ontvanger"],
            field["veld"],
            field["behandeling"],
            str(field["verstrekkingen"]),
        )
    console.print(fields)
    others = Table()
    for header in msg.overview_other_columns():
        others.add_column(str(header))
    for figures in report["statistiek"]:
        others.add_row(
            str(msg.statistics_row(figures["regel"])),
            figures["versie"],
            str(figures["publicaties"]),
            ", ".join(f"{p} {n}" for p, n in sorted(figures["per_ontvanger"].items())),
        )
    for acts in report["herleidingen"]:
        others.add_row(
            str(msg.reidentification_row()),
            acts["versie"],
            str(acts["herleidingen"]),
            ", ".join(f"{p} {n}" for p, n in sorted(acts["per_partij"].items())),
        )
    if others.row_count:
        console.print(others)
    unused = report["zonder_verstrekking"]
    names = [f"{r['regel']} ({r['versie']})" for r in unused["regels"]]
    console.print(escape(str(msg.unused(names, len(unused["velden"])))), highlight=False)


def print_register(report: dict[str, Any]) -> None:
    """The register per covenant version, and any attempt to overwrite an entry."""
    for group in report["convenanten"]:
        table = Table(
            title=str(msg.register_title(group["convenant"], group["versie"], group["titel"])),
            show_lines=True,
        )
        for header in msg.register_columns():
            table.add_column(str(header), overflow="fold")
        for act in group["verwerkingen"]:
            label = (
                act["regel"] if act["regel"] == act["soort"] else f"{act['regel']} ({act['soort']})"
            )
            basis = act["grondslag"]
            table.add_row(
                escape(f"{label}\n{act['verwerking']}"),
                act.get("artikel") or "-",
                escape(f"{act['doel']}: {act['doel_tekst']}"),
                escape(f"{basis}: {act['grondslag_tekst']}" if basis != "-" else "-"),
                act["bewaartermijn"],
                escape(
                    "\n".join(
                        f"{o['partij']}: {compact_fields(o['behandelingen']) or '-'}"
                        for o in act["ontvangers"]
                    )
                ),
                escape("\n".join(act["voorwaarden"]) or "-"),
            )
        console.print(table)
    for activity, times in report["overschreven_pogingen"].items():
        errors.print(escape(str(msg.register_overwritten(activity, times))), highlight=False)
