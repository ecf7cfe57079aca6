"""Overzicht: how one covenant was used in a period, from the disclosure log and the register:
disclosures per rule and version, per recipient and per field, statistics publications,
re-identifications, and the rules and fields that disclosed nothing (input for the covenant's
evaluation and for data minimisation, action 42).

Every line of the covenant in the log counts somewhere: a disclosure or a withheld one under
its rule, a statistics publication under its statistics rule, a re-identification under the
covenant version it was done under. Each version of a rule has a row of its own: what a
version gave is what its register entry says, never what a later version gives.

Fed one log record at a time; keeps counters only, as many as the register has rules, recipients
and fields: memory does not grow with the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pipeline.accountability.lines import Period
from pipeline.covenant.register import Activity, activity_kind
from pipeline.privacy.reidentification import REIDENTIFIED
from pipeline.router.disclosure import DISCLOSED, WITHHELD, activity_ids

Row = tuple[str, str]
"""(rule, covenant version)."""


class Overview:
    """Counts of one covenant's disclosures (all its versions in the register)."""

    def __init__(self, covenant: str, period: Period, register: Mapping[str, Activity]) -> None:
        self.covenant = covenant
        self.period = period
        self.activities = {
            a: entry for a, entry in register.items() if entry.record["convenant_id"] == covenant
        }
        self.rules: Counter[Row] = Counter()
        self.withheld: Counter[Row] = Counter()
        self.per_recipient: Counter[tuple[Row, str]] = Counter()
        self.per_field: Counter[tuple[str, str, str]] = Counter()
        self.lines = 0

    def _row(self, activity: str) -> Row:
        record = self.activities[activity].record
        return str(record["regel"]), str(record["convenant_versie"])

    def add(self, record: dict[str, Any]) -> None:
        """Take one log line into account (lines of other covenants count for nothing)."""
        outcome = record["outcome"]
        if outcome not in (DISCLOSED, WITHHELD, REIDENTIFIED) or record.get("parent_span_id"):
            return  # a line with a parent is the same action, about a further person
        mine = [a for a in activity_ids(record) if a in self.activities]
        if not mine or not self.period.contains(record["start_time"]):
            return
        self.lines += 1
        rows = {self._row(a) for a in mine}
        if outcome == WITHHELD:
            self.withheld.update(rows)
            return
        recipient = str(record["recipient"])
        self.rules.update(rows)
        for row in rows:
            self.per_recipient[(row, recipient)] += 1
        if outcome == REIDENTIFIED:
            return
        fields: set[tuple[str, str]] = set()
        for a in mine:
            versie = str(self.activities[a].record["convenant_versie"])
            fields |= {(versie, path) for path in self.activities[a].treatments(recipient)}
        for versie, path in fields:
            self.per_field[(versie, recipient, path)] += 1

    def report(self) -> dict[str, Any]:
        """Counts per rule and version, recipient and field, statistics publications,
        re-identifications, and what disclosed nothing, as JSON-ready data."""
        rules: list[dict[str, Any]] = []
        figures: list[dict[str, Any]] = []
        reidentifications: list[dict[str, Any]] = []
        fields: list[dict[str, Any]] = []
        for entry in sorted(self.activities.values(), key=_order):
            r = entry.record
            row = (str(r["regel"]), str(r["convenant_versie"]))
            parties = {
                p["partij"]: self.per_recipient[(row, p["partij"])] for p in r["ontvangers"]
            }
            kind = activity_kind(entry)
            if kind == "herleiding":
                reidentifications.append(
                    {"versie": row[1], "herleidingen": self.rules[row], "per_partij": parties}
                )
                continue
            if kind == "statistiek":
                figures.append(
                    {
                        "regel": row[0],
                        "versie": row[1],
                        "artikel": r.get("artikel"),
                        "publicaties": self.rules[row],
                        "per_ontvanger": parties,
                    }
                )
                continue
            rules.append(
                {
                    "regel": row[0],
                    "versie": row[1],
                    "artikel": r.get("artikel"),
                    "omschrijving": r.get("omschrijving"),
                    "verstrekkingen": self.rules[row],
                    "tegengehouden": self.withheld[row],
                    "per_ontvanger": parties,
                }
            )
            for recipient in r["ontvangers"]:
                for path, treatment in sorted(recipient["behandelingen"].items()):
                    fields.append(
                        {
                            "versie": row[1],
                            "ontvanger": recipient["partij"],
                            "veld": path,
                            "behandeling": treatment,
                            "verstrekkingen": self.per_field[(row[1], recipient["partij"], path)],
                        }
                    )
        fields = list({(f["versie"], f["ontvanger"], f["veld"]): f for f in fields}.values())
        return {
            "convenant": self.covenant,
            "periode": self.period.bounds(),
            "regels_in_log": self.lines,
            "regels": rules,
            "velden": fields,
            "statistiek": figures,
            "herleidingen": reidentifications,
            "zonder_verstrekking": {
                "regels": [
                    {"regel": r["regel"], "versie": r["versie"]}
                    for r in rules
                    if not r["verstrekkingen"]
                ],
                "velden": [
                    {"versie": f["versie"], "ontvanger": f["ontvanger"], "veld": f["veld"]}
                    for f in fields
                    if not f["verstrekkingen"]
                ],
            },
        }


def _order(entry: Activity) -> tuple[str, str]:
    return str(entry.record["regel"]), str(entry.record["convenant_versie"])
