"""Overzicht: how one covenant's rules were used in a period, from the disclosure log and the
register: disclosures per rule, per recipient and per field, and the rules and fields that
disclosed nothing (input for the covenant's evaluation and for data minimisation, action 42).

Fed one log record at a time; keeps counters only, as many as the register has rules, recipients
and fields: memory does not grow with the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pipeline.accountability.lines import Period
from pipeline.covenant.register import Activity
from pipeline.router.disclosure import DISCLOSED, WITHHELD, activity_ids


class Overview:
    """Counts of one covenant's disclosures (all its versions in the register)."""

    def __init__(self, covenant: str, period: Period, register: Mapping[str, Activity]) -> None:
        self.covenant = covenant
        self.period = period
        self.activities = {
            a: entry for a, entry in register.items() if entry.record["convenant_id"] == covenant
        }
        self.rules: Counter[str] = Counter()
        self.withheld: Counter[str] = Counter()
        self.per_recipient: Counter[tuple[str, str]] = Counter()
        self.per_field: Counter[tuple[str, str]] = Counter()
        self.lines = 0

    def add(self, record: dict[str, Any]) -> None:
        """Take one log line into account (lines of other covenants count for nothing)."""
        outcome = record["outcome"]
        if outcome not in (DISCLOSED, WITHHELD) or record.get("parent_span_id"):
            return  # a line with a parent is the same action, about a further person
        mine = [a for a in activity_ids(record) if a in self.activities]
        if not mine or not self.period.contains(record["start_time"]):
            return
        self.lines += 1
        rules = {self.activities[a].record["regel"] for a in mine}
        if outcome == WITHHELD:
            self.withheld.update(rules)
            return
        recipient = str(record["recipient"])
        self.rules.update(rules)
        for rule in rules:
            self.per_recipient[(rule, recipient)] += 1
        fields: set[str] = set()
        for a in mine:
            fields |= set(self.activities[a].treatments(recipient))
        for path in fields:
            self.per_field[(recipient, path)] += 1

    def report(self) -> dict[str, Any]:
        """Counts per rule, recipient and field, and what disclosed nothing, as JSON-ready data."""
        rules: dict[str, dict[str, Any]] = {}
        granted: dict[tuple[str, str], set[str]] = {}
        for entry in self.activities.values():
            r = entry.record
            rule = rules.setdefault(
                r["regel"],
                {
                    "regel": r["regel"],
                    "artikel": r.get("artikel"),
                    "omschrijving": r.get("omschrijving"),
                    "versies": [],
                    "verstrekkingen": self.rules[r["regel"]],
                    "tegengehouden": self.withheld[r["regel"]],
                    "per_ontvanger": {},
                },
            )
            rule["versies"] = sorted({*rule["versies"], r["convenant_versie"]})
            for recipient in r["ontvangers"]:
                party = recipient["partij"]
                rule["per_ontvanger"][party] = self.per_recipient[(r["regel"], party)]
                for path, treatment in recipient["behandelingen"].items():
                    granted.setdefault((party, path), set()).add(treatment)
        fields = [
            {
                "ontvanger": party,
                "veld": path,
                "behandelingen": sorted(treatments),
                "verstrekkingen": self.per_field[(party, path)],
            }
            for (party, path), treatments in sorted(granted.items())
        ]
        ordered = sorted(rules.values(), key=lambda r: r["regel"])
        return {
            "convenant": self.covenant,
            "periode": self.period.bounds(),
            "regels_in_log": self.lines,
            "regels": ordered,
            "velden": fields,
            "zonder_verstrekking": {
                "regels": [r["regel"] for r in ordered if not r["verstrekkingen"]],
                "velden": [
                    {"ontvanger": f["ontvanger"], "veld": f["veld"]}
                    for f in fields
                    if not f["verstrekkingen"]
                ],
            },
        }
