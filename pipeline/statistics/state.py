"""What has been counted and published so far, built from the facts and publications topics.

Both topics are compacted; reading one from the beginning gives the latest value per key. These
classes are the pure part: they learn records one by one (from a full read by the CLI, or from
a worker that follows the topics) and answer what a publication needs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline import topics
from pipeline.statistics.facts import Fact

log = logging.getLogger("ketenstroom.statistics")

#: Compacted: one record per publication version (key ``<rule>/<period>/v<version>``).
PUBLICATIONS_TOPIC = topics.STATISTICS_PUBLICATIONS


@dataclass
class FactState:
    """Every fact by (rule, period), and the event-time watermark (latest event counted)."""

    facts: dict[tuple[str, str], dict[str, Fact]] = field(default_factory=dict)
    watermark_ms: int | None = None
    malformed: int = 0

    def learn(self, key: bytes | None, value: bytes | None) -> None:
        """One record of the facts topic (a tombstone removes the fact)."""
        if not key:
            self.malformed += 1
            return
        if value is None:
            try:
                rule_covenant, rule_id, period, event_id = key.decode().split("/", 3)
            except ValueError:
                self.malformed += 1
                return
            self.facts.get((f"{rule_covenant}/{rule_id}", period), {}).pop(event_id, None)
            return
        try:
            fact = Fact.from_record(key, value)
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
            return
        self.facts.setdefault((fact.rule, fact.period), {})[fact.event_id] = fact
        if self.watermark_ms is None or fact.occurred_ms > self.watermark_ms:
            self.watermark_ms = fact.occurred_ms

    @property
    def watermark(self) -> dt.datetime | None:
        """The latest event time counted (events in the future are refused by the router)."""
        if self.watermark_ms is None:
            return None
        return dt.datetime.fromtimestamp(self.watermark_ms / 1000, dt.UTC)

    def periods(self, rule: str) -> list[str]:
        """Every period of ``rule`` with at least one fact."""
        return sorted(p for r, p in self.facts if r == rule)

    def tallies(
        self, rule: str, period: str, definition: str
    ) -> tuple[Counter[tuple[str, ...]], int]:
        """Counts per microcell of the facts made under ``definition``, and how many facts of
        that rule and period were made under another one (its categories changed since)."""
        tally: Counter[tuple[str, ...]] = Counter()
        other = 0
        for fact in self.facts.get((rule, period), {}).values():
            if fact.definition == definition:
                tally[fact.values] += 1
            else:
                other += 1
        return tally, other


class Status:
    """How a publication version stands to the period."""

    VOORLOPIG = "VOORLOPIG"  # the period is still open
    DEFINITIEF = "DEFINITIEF"  # the first publication after the period closed
    CORRECTIE = "CORRECTIE"  # signals for a closed period arrived after it was published


@dataclass(frozen=True)
class Published:
    """One publication version as the publications topic holds it."""

    rule: str
    period: str
    version: int
    status: str
    replaces: int | None
    complete: bool  # False: written before its records; they must be sent again
    body: dict[str, Any]

    @property
    def key(self) -> bytes:
        return f"{self.rule}/{self.period}/v{self.version}".encode()

    @classmethod
    def from_record(cls, value: bytes) -> Published:
        body = json.loads(value)
        return cls(
            rule=str(body["regel"]),
            period=str(body["periode"]),
            version=int(body["versie"]),
            status=str(body["status"]),
            replaces=None if body.get("vervangt") is None else int(body["vervangt"]),
            complete=bool(body["klaar"]),
            body=body,
        )


@dataclass
class PublicationLedger:
    """Every publication version per (rule, period), oldest first."""

    versions: dict[tuple[str, str], dict[int, Published]] = field(default_factory=dict)
    malformed: int = 0

    def learn(self, value: bytes | None) -> None:
        """One record of the publications topic."""
        if value is None:
            return
        try:
            published = Published.from_record(value)
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
            return
        self.versions.setdefault((published.rule, published.period), {})[published.version] = (
            published
        )

    def history(self, rule: str, period: str) -> list[Published]:
        """The versions of one rule's period, oldest first."""
        found = self.versions.get((rule, period), {})
        return [found[v] for v in sorted(found)]

    def periods(self, rule: str) -> list[str]:
        """Every period of ``rule`` published at least once."""
        return sorted(p for r, p in self.versions if r == rule)
