"""What has been counted and published so far, built from the facts and publications topics.

The facts and publications topics are compacted: reading one from the beginning gives the latest
value per key; the claims topic is a log whose order decides (pipeline.statistics.claims). These
classes are the pure part: they learn records one by one (from a full read by the CLI, or from
a worker that follows the topics) and answer what a publication needs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline import topics
from pipeline.statistics.claims import Verdict, verdict
from pipeline.statistics.facts import Fact

log = logging.getLogger("ketenstroom.statistics")

#: Compacted: one record per publication version once all its records were sent (key
#: ``<rule>/<period>/v<version>``).
PUBLICATIONS_TOPIC = topics.STATISTICS_PUBLICATIONS


class FactState:
    """Every fact by (rule, period), and the event-time watermark (latest event counted).

    Facts are one per counted signal and stay as long as corrections of their period may come:
    kept in a private temporary SQLite database (on disk beyond SQLite's bounded page cache),
    so a worker's memory does not grow with the signals counted (~750 bytes a fact in Python
    objects: 838 MiB after a million signals in one period).
    """

    def __init__(self) -> None:
        # "": a private temporary database on disk, deleted when closed (SQLite). Learnt and
        # read by one task at a time (StatisticsPublisher), reads possibly in an executor.
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")  # state rebuilt from the topic: no rollback
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        self._db.executescript(_FACTS_SCHEMA)
        #: Facts learnt since the last write (None: a tombstone), written in one statement.
        self._pending: dict[tuple[str, str, str], tuple[str, str] | None] = {}
        self.watermark_ms: int | None = None
        self.malformed = 0

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
            self._pending[(f"{rule_covenant}/{rule_id}", period, event_id)] = None
            self._write_if_full()
            return
        try:
            fact = Fact.from_record(key, value)
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
            return
        self._pending[(fact.rule, fact.period, fact.event_id)] = (
            fact.definition,
            json.dumps(fact.values),
        )
        self._write_if_full()
        if self.watermark_ms is None or fact.occurred_ms > self.watermark_ms:
            self.watermark_ms = fact.occurred_ms

    def _write_if_full(self) -> None:
        if len(self._pending) >= _WRITE_EVERY:
            self._write()

    def _write(self) -> None:
        """Write the pending facts and tombstones. ``_pending`` holds only each key's latest
        record, so its tombstones and its facts never name the same key: which of the two
        statements runs first does not matter."""
        if not self._pending:
            return
        kept = [(*k, *v) for k, v in self._pending.items() if v is not None]
        gone = [k for k, v in self._pending.items() if v is None]
        self._db.executemany(
            "DELETE FROM facts WHERE rule = ? AND period = ? AND event_id = ?", gone
        )
        self._db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?)", kept)
        self._db.commit()
        self._pending = {}

    @property
    def watermark(self) -> dt.datetime | None:
        """The latest event time counted (events in the future are refused by the router)."""
        if self.watermark_ms is None:
            return None
        return dt.datetime.fromtimestamp(self.watermark_ms / 1000, dt.UTC)

    def periods(self, rule: str) -> list[str]:
        """Every period of ``rule`` with at least one fact."""
        self._write()
        rows = self._db.execute(
            "SELECT DISTINCT period FROM facts WHERE rule = ? ORDER BY period", (rule,)
        )
        return [str(period) for (period,) in rows]

    def tallies(
        self, rule: str, period: str, definition: str
    ) -> tuple[Counter[tuple[str, ...]], int]:
        """Counts per microcell of the facts made under ``definition``, and how many facts of
        that rule and period were made under another one (its categories changed since)."""
        self._write()
        tally: Counter[tuple[str, ...]] = Counter()
        other = 0
        rows = self._db.execute(
            "SELECT definition = ?, cell, COUNT(*) FROM facts WHERE rule = ? AND period = ? "
            "GROUP BY definition = ?, cell",
            (definition, rule, period, definition),
        )
        for same, cell, count in rows:
            if same:
                tally[tuple(json.loads(cell))] += count
            else:
                other += count
        return tally, other

    def __len__(self) -> int:
        self._write()
        (count,) = self._db.execute("SELECT COUNT(*) FROM facts").fetchone()
        return int(count)


_FACTS_SCHEMA = """
CREATE TABLE facts (
    rule TEXT NOT NULL, period TEXT NOT NULL, event_id TEXT NOT NULL,
    definition TEXT NOT NULL, cell TEXT NOT NULL, PRIMARY KEY (rule, period, event_id)
) WITHOUT ROWID;
"""
#: Facts learnt before they are written to the temporary database in one go.
_WRITE_EVERY = 5000
#: SQLite's page cache for the facts (KiB): what the database may hold in memory.
_CACHE_KIB = 16 * 1024


class Status:
    """How a publication version stands to the period."""

    VOORLOPIG = "VOORLOPIG"  # the period is still open
    DEFINITIEF = "DEFINITIEF"  # the first publication after the period closed
    CORRECTIE = "CORRECTIE"  # signals for a closed period arrived after it was published


@dataclass(frozen=True)
class Published:
    """One publication version: the claim that won its name (pipeline.statistics.claims)."""

    rule: str
    period: str
    version: int
    status: str
    replaces: int | None
    complete: bool  # False: claimed, but not (yet) every record is sent
    body: dict[str, Any]
    offset: int = -1  # of its claim on the claims topic

    @property
    def key(self) -> bytes:
        return f"{self.rule}/{self.period}/v{self.version}".encode()

    @classmethod
    def from_record(cls, value: bytes, offset: int = -1) -> Published:
        """A claim or publications-topic entry; ValueError (KeyError, TypeError) if malformed
        or if its name is not its rule, period and version."""
        body = json.loads(value)
        published = cls(
            rule=str(body["regel"]),
            period=str(body["periode"]),
            version=int(body["versie"]),
            status=str(body["status"]),
            replaces=None if body.get("vervangt") is None else int(body["vervangt"]),
            complete=bool(body["klaar"]),
            body=body,
            offset=offset,
        )
        if body["publicatie_id"] != published.key.decode() or published.version < 1:
            raise ValueError(f"publication {body['publicatie_id']!r} names another version")
        return published


@dataclass(frozen=True)
class Rejected:
    """A claim that is no version: another came first, or it skipped one."""

    name: str
    offset: int
    verdict: Verdict
    body: dict[str, Any]


@dataclass
class PublicationLedger:
    """Every publication version per (rule, period), oldest first, from two topics: the claims
    (in offset order: the first claim to a name is the version) and the publications topic
    (an entry with ``klaar: true`` once every record of a version was sent)."""

    versions: dict[tuple[str, str], dict[int, Published]] = field(default_factory=dict)
    #: Publications-topic entries by name: the versions whose records were all sent.
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    malformed: int = 0
    #: The claims topic is learnt up to (not including) this offset.
    claims_read: int = 0

    def learn_claim(
        self, value: bytes | None, offset: int | None = None
    ) -> Published | Rejected | None:
        """One record of the claims topic, in offset order (``offset`` None: the next one). A
        record learnt before (a consumer that fetched it again) is not learnt twice."""
        offset = self.claims_read if offset is None else offset
        if offset < self.claims_read:
            return None
        self.claims_read = offset + 1
        try:
            if value is None:
                raise ValueError("a claim without a value")
            claim = Published.from_record(value, offset)
            if claim.complete:
                raise ValueError("a claim is never complete")
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
            return None
        found = self.versions.setdefault((claim.rule, claim.period), {})
        judged = verdict(claim.version, len(found))
        if judged is not Verdict.WON:
            rejected = Rejected(claim.key.decode(), offset, judged, claim.body)
            self.rejected.append(rejected)
            return rejected
        found[claim.version] = replace(claim, complete=self._released(claim))
        return found[claim.version]

    def learn(self, value: bytes | None) -> None:
        """One record of the publications topic: a version whose records were all sent. It
        completes the version only if it is the claim that won that name."""
        if value is None:
            return
        try:
            entry = Published.from_record(value)
        except (ValueError, KeyError, TypeError):
            self.malformed += 1
            return
        if not entry.complete:
            return  # written before its records by a publisher without claims: no version
        self.finished[entry.key.decode()] = entry.body
        versions = self.versions.get((entry.rule, entry.period), {})
        claim = versions.get(entry.version)
        if claim is not None and not claim.complete:
            versions[entry.version] = replace(claim, complete=self._released(claim))

    def _released(self, claim: Published) -> bool:
        entry = self.finished.get(claim.key.decode())
        return entry is not None and {**entry, "klaar": False} == claim.body

    def winner(self, name: str) -> Published | None:
        """The version called ``name``: the claim to it that came first."""
        rule_covenant, rule_id, period, version = name.split("/", 3)
        found = self.versions.get((f"{rule_covenant}/{rule_id}", period), {})
        return found.get(int(version.removeprefix("v")))

    def history(self, rule: str, period: str) -> list[Published]:
        """The versions of one rule's period, oldest first: every one claimed, complete or not
        (the recipient has, or may yet get, each of them)."""
        found = self.versions.get((rule, period), {})
        return [found[v] for v in sorted(found)]

    def pending(self) -> list[Published]:
        """Versions claimed whose records were not all sent (yet): they must be sent, as
        claimed."""
        return [
            versions[v]
            for versions in self.versions.values()
            for v in sorted(versions)
            if not versions[v].complete
        ]

    def periods(self, rule: str) -> list[str]:
        """Every period of ``rule`` claimed at least once."""
        return sorted(p for r, p in self.versions if r == rule)
