"""What statistics rules disclose, for ``convenant explain``: counts per table, never a field."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.covenant.loader import LoadedCovenant

TITLE = "Statistieken: alleen aantallen, na statistische beveiliging"


@dataclass(frozen=True)
class StatisticsRow:
    """One statistics rule for one recipient, in plain Dutch."""

    recipient: str
    covenant: str
    rule: str
    what: str
    why: str


def statistics_rows(covenants: list[LoadedCovenant]) -> list[StatisticsRow]:
    """Every statistics rule, per recipient."""
    rows = []
    for loaded in covenants:
        kop = loaded.model.convenant
        for rule in loaded.model.statistieken:
            tables = "; ".join(" × ".join(d.value for d in t) for t in rule.tabellen)
            control = rule.beveiliging
            what = (
                f"per {rule.periode.value} het aantal signalen ({', '.join(rule.signaaltypen)}) van "
                f"{', '.join(rule.bronnen)}, in de tabellen {tables} (met totalen); aantallen "
                f"onder {control.drempel} en cellen waaruit die terug te rekenen zijn, worden "
                "niet getoond"
                + ("" if control.nullen.value == "onderdrukken" else "; nullen wel")
                + (f"; afgerond op {control.afronden}" if control.afronden else "")
            )
            article = f", artikel {rule.artikel}" if rule.artikel else ""
            why = f"regel {rule.id}{article}; grondslag {rule.grondslag}; doel {rule.doel}"
            for recipient in rule.ontvangers:
                rows.append(StatisticsRow(recipient, kop.id, rule.id, what, why))
    return sorted(rows, key=lambda r: (r.recipient, r.covenant, r.rule))
