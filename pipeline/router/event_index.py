"""Event ids already routed. A second signal with a known id is a duplicate, not a new event.

Every routed signal claims its event id on the compacted topic ``ketenstroom.gebeurtenis-ids``
(key: event id; value: where it was first read, a digest of its bytes, whom it is about: the
data subjects' ids of the disclosure log, pseudonymised in the log's own domain, so that a
follow-up that names no person is logged as about the people of the events it refers to; and
where and when it lay, so that a follow-up stays inside that scope: router.event_scope).

The value is JSON. Format version 2 (``"v": 2``) adds ``scope``; a claim without ``v`` was
written before scopes were kept, and a follow-up about its event is withheld (its scope is
unknown). A version this code does not know is read as unknown too, never guessed.
Reading the same record again (a redelivery after a crash) is not a duplicate: its origin is
the same, and it is routed again with the same output keys. Any other record with that id is a
dead letter.

Ids are remembered for a horizon (KETENSTROOM_EVENT_ID_HORIZON_DAYS), on disk: see EventIndex.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import topics
from pipeline.router.disclosure import Subject
from pipeline.router.event_scope import Scope
from pipeline.router.records import Inbound, Outbound

#: The claim format this code writes (and the newest it reads a scope from).
CLAIM_VERSION = 2


@dataclass(frozen=True)
class Claim:
    """Where an event id was first routed from, the SHA-256 of that record's value, the log
    ids of the people it is about, and where and when it lay (None: unknown)."""

    origin: str
    digest: str
    subjects: tuple[Subject, ...] = ()
    scope: Scope | None = None

    @classmethod
    def of(
        cls, record: Inbound, subjects: tuple[Subject, ...] = (), scope: Scope | None = None
    ) -> Claim:
        """The claim ``record`` makes on its event id."""
        digest = hashlib.sha256(record.value or b"").hexdigest()
        return cls(origin_of(record), digest, subjects, scope)

    def to_bytes(self) -> bytes:
        # the bytes json.dumps({...}, sort_keys=True) gives, without building them through it
        text = f'{{"origin": {_json_string(self.origin)}'
        if self.scope is not None:
            text += f', "scope": {self.scope.json_text()}'
        text += f', "sha256": "{self.digest}"'
        if self.subjects:
            pairs = ", ".join(f"[{_json_string(i)}, {_json_string(t)}]" for i, t in self.subjects)
            text += f', "subjects": [{pairs}]'
        return (text + f', "v": {CLAIM_VERSION}}}').encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Claim:
        body = json.loads(raw)
        subjects = tuple((str(i), str(t)) for i, t in body.get("subjects") or ())
        scope = None
        if body.get("v") == CLAIM_VERSION and body.get("scope") is not None:
            scope = Scope.from_json(body["scope"])
        return cls(str(body["origin"]), str(body["sha256"]), subjects, scope)


#: Text that JSON writes as it is between quotes: printable ASCII but the quote and backslash
#: (topic names, log ids and id types always are; anything else goes through json.dumps).
_PLAIN = re.compile(r"[ !#-\[\]-~]*")


def _json_string(text: str) -> str:
    """``json.dumps(text)``, directly for plain text (a claim is written per signal)."""
    return f'"{text}"' if _PLAIN.fullmatch(text) else json.dumps(text)


def origin_of(record: Inbound) -> str:
    """``topic/partition/offset``: one record of the log, whoever reads it."""
    return f"{record.topic}/{record.partition}/{record.offset}"


def claim_record(event_id: str, claim: Claim) -> Outbound:
    """The record that claims ``event_id`` on the event-id topic."""
    return Outbound(topics.EVENT_IDS, event_id.encode(), claim.to_bytes())


#: Bytes of a record's SHA-256 an index keeps per id: enough to tell an identical copy apart.
DIGEST_KEPT = 16
#: How long a claim is remembered unless the worker is told otherwise (settings).
DEFAULT_HORIZON = dt.timedelta(days=90)

#: Where the follower stopped reading, per claims partition: the next offset, and the key and
#: timestamp of the last record read (to tell the same topic from one made anew).
Resume = dict[int, tuple[int, bytes, int]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY, claim BLOB NOT NULL, at_ms INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_at ON claims (at_ms);
CREATE TABLE IF NOT EXISTS resume (
    partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL, last_key BLOB NOT NULL,
    last_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class EventIndex:
    """Event id -> first claim, for claims made within the horizon. The first claim wins; later
    conflicting ones are counted.

    Claims live in SQLite (the standard library), on disk when ``path`` is given: a worker's
    memory does not grow with the ids it has seen (SQLite's page cache is bounded), and a
    restarted worker reopens the file and reads only the claims made since (``resume``). A
    claim older than ``horizon`` is forgotten: a signal with that id counts as new again. The
    claims topic keeps claims as long (retention.ms = horizon), so a worker that starts
    without the file rebuilds the same index from the topic.

    Written claims become durable at ``flush``; ``close`` without it drops them, so a claim
    whose record Kafka never acknowledged is not kept (it is read from the topic otherwise).

    **Which claims are known.** A claim lies on the claims partition that its event id's hash
    gives (``placement``, Kafka's murmur2). A worker reads only the partitions its batches
    need (app.event_ids); ``covered`` names those read to their end for the batch under way
    (None: all of them). An id not found here whose partition is not covered is not known to
    be new: ``get`` says None and adds the partition to ``missing``, and the caller reads that
    partition and asks again (app.claims_routing). An id found here is found, whatever its
    partition: the first claim wins, and a later one cannot change it.
    """

    def __init__(
        self,
        path: Path | None = None,
        horizon: dt.timedelta = DEFAULT_HORIZON,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.horizon = horizon
        self._clock = clock
        self._db = sqlite3.connect(":memory:" if path is None else str(path))
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a cache of the topic: no fsync per batch
        # claims land on random pages: checkpoint the log to the file less often (~40 MB)
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.executescript(_SCHEMA)
        self._db.commit()
        self.conflicts = 0
        self._pruned_at = 0.0
        #: Claims learnt since the last write, by id: written to SQLite in one go (``_write``).
        self._pending: dict[str, tuple[bytes, int]] = {}
        #: The id last looked up in SQLite and what it held: routing looks an id up, then
        #: learns it; the second question needs no second query.
        self._looked_up: tuple[str, Claim | None] = ("", None)
        #: Claims partitions read to their end for the batch under way (None: all of them).
        self.covered: frozenset[int] | None = None
        #: The claims partition of an event id (set together with ``covered``).
        self.placement: Callable[[str], int] | None = None
        #: Partitions that a lookup needed and that were not covered (see the class).
        self.missing: set[int] = set()

    def get(self, event_id: str) -> Claim | None:
        """The first claim on ``event_id`` within the horizon (digest shortened to DIGEST_KEPT)."""
        pending = self._pending.get(event_id)
        if pending is not None and pending[1] >= self._cutoff_ms():
            return _unpack(pending[0])
        if self._looked_up[0] == event_id:
            return self._looked_up[1]
        row = self._db.execute(
            "SELECT claim FROM claims WHERE id = ? AND at_ms >= ?", (event_id, self._cutoff_ms())
        ).fetchone()
        found = None
        if row is not None:
            found = _unpack(row[0])
        elif self.covered is not None and self.placement is not None:
            partition = self.placement(event_id)
            if partition not in self.covered:
                self.missing.add(partition)  # unknown here: not (yet) known to be new
                return None
        self._looked_up = (event_id, found)
        return found

    def learn(self, event_id: str, claim: Claim, at_ms: int | None = None) -> bool:
        """Remember a claim made at ``at_ms`` (default: now); False if the id was already
        claimed from elsewhere within the horizon."""
        packed = _pack(claim)
        at = int(self._clock() * 1000) if at_ms is None else at_ms
        if at < self._cutoff_ms():
            return True  # beyond the horizon already: nothing to remember
        first = self.get(event_id)
        if first is not None:
            if first.origin != claim.origin:
                self.conflicts += 1
                return False
            return True
        # A new id: held until the next write (a batch's claims go to SQLite in one statement).
        self._pending[event_id] = (packed, at)
        return True

    def _write(self) -> None:
        """Write the pending claims (each new within the horizon when it was learnt)."""
        if not self._pending:
            return
        self._looked_up = ("", None)
        self._db.executemany(
            "INSERT INTO claims VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET claim = excluded.claim, at_ms = excluded.at_ms WHERE claims.at_ms < ?",
            [(i, packed, at, self._cutoff_ms()) for i, (packed, at) in self._pending.items()],
        )
        self._pending = {}

    def learn_record(
        self, key: bytes | None, value: bytes | None, timestamp_ms: int | None = None
    ) -> bool:
        """Learn a record read from the event-id topic (``timestamp_ms``: when it was written);
        malformed ones are ignored (False)."""
        if not key or not value:
            return False
        try:  # learn packs the claim, refusing one that cannot be kept (ValueError)
            return self.learn(key.decode(errors="replace"), Claim.from_bytes(value), timestamp_ms)
        except (ValueError, KeyError, TypeError):
            return False

    def resume(self) -> Resume:
        """Where reading the claims topic stopped, as of the last ``flush``."""
        rows = self._db.execute("SELECT partition, next_offset, last_key, last_ms FROM resume")
        return {p: (offset, bytes(key), ms) for p, offset, key, ms in rows}

    def flush(self, resume: Resume | None = None) -> None:
        """Make every claim learnt so far durable, with where reading stopped; forget expired
        claims now and then (each flush would cost a scan of the time index)."""
        self._write()
        for partition, (offset, key, ms) in (resume or {}).items():
            self._db.execute(
                "INSERT OR REPLACE INTO resume VALUES (?, ?, ?, ?)", (partition, offset, key, ms)
            )
        if self._clock() - self._pruned_at > _PRUNE_EVERY_S:
            self._db.execute("DELETE FROM claims WHERE at_ms < ?", (self._cutoff_ms(),))
            self._pruned_at = self._clock()
        self._db.commit()

    def clear(self) -> None:
        """Forget everything (the claims topic this index followed is gone)."""
        self._pending = {}
        self._looked_up = ("", None)
        self._db.execute("DELETE FROM claims")
        self._db.execute("DELETE FROM resume")
        self._db.execute("DELETE FROM meta")
        self._db.commit()

    def cover(
        self, partitions: frozenset[int] | None, placement: Callable[[str], int] | None = None
    ) -> None:
        """From now on, the claims partitions read to their end are ``partitions`` (None: all),
        and ``placement`` gives an id's partition."""
        self.covered = partitions
        self.placement = placement
        self.missing = set()
        self._looked_up = ("", None)  # a "not found" may have been for a partition not read

    def meta(self, name: str) -> int | None:
        """A number the follower keeps with the index (e.g. the claims topic's partitions)."""
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def set_meta(self, name: str, value: int) -> None:
        """Keep ``value`` under ``name``; durable at the next ``flush``."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def close(self) -> None:
        """Close the file; claims learnt since the last ``flush`` are dropped."""
        self._pending = {}
        self._looked_up = ("", None)
        self._db.rollback()
        self._db.close()

    def __len__(self) -> int:
        self._write()
        (count,) = self._db.execute(
            "SELECT COUNT(*) FROM claims WHERE at_ms >= ?", (self._cutoff_ms(),)
        ).fetchone()
        return int(count)

    def _cutoff_ms(self) -> int:
        return int((self._clock() - self.horizon.total_seconds()) * 1000)


#: Seconds between two purges of expired claims.
_PRUNE_EVERY_S = 60.0


#: Separate a packed claim's origin and its subjects, and a subject's id and type (no origin,
#: log id or id type holds them: topic names, PS1 labels and type names are plain ASCII). A
#: part that starts with _SCOPE holds the scope in its packed form (event_scope.Scope.packed);
#: a claim packed before scopes were kept has no such part.
_UNIT, _RECORD_SEP, _SCOPE = "\x1f", "\x1e", "\x1d"


def _pack(claim: Claim) -> bytes:
    digest = bytes.fromhex(claim.digest)
    if len(digest) < DIGEST_KEPT:
        raise ValueError("digest too short")
    parts = [claim.origin, *(f"{i}{_RECORD_SEP}{t}" for i, t in claim.subjects)]
    if any(
        _UNIT in p or _SCOPE in p or p.count(_RECORD_SEP) > (n > 0) for n, p in enumerate(parts)
    ):
        raise ValueError("separator in a claim")
    if claim.scope is not None:
        parts.append(_SCOPE + claim.scope.packed())
    return _UNIT.join(parts).encode() + digest[:DIGEST_KEPT]


def _unpack(packed: bytes) -> Claim:
    origin, *rest = packed[:-DIGEST_KEPT].decode().split(_UNIT)
    scope = None
    if rest and rest[-1].startswith(_SCOPE):
        scope = Scope.unpacked(rest.pop()[1:])
    pairs = tuple(tuple(s.split(_RECORD_SEP, 1)) for s in rest)
    return Claim(origin, packed[-DIGEST_KEPT:].hex(), pairs, scope)  # type: ignore[arg-type]


def duplicate_detail(first: Claim, claim: Claim) -> str:
    """Why the record making ``claim`` duplicates ``first`` (no content: where, and whether equal)."""
    kept = 2 * DIGEST_KEPT  # hex digits an index keeps
    kind = "identical to" if first.digest[:kept] == claim.digest[:kept] else "different from"
    return f"event id already routed from {first.origin}; this record is {kind} that one"
