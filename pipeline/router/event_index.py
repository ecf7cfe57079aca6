"""Event ids already routed. A second signal with a known id is a duplicate, not a new event.

Every routed signal claims its event id on the compacted topic ``ketenstroom.gebeurtenis-ids``
(key: event id; value: where it was first read, and a digest of its bytes). Reading the same
record again (a redelivery after a crash) is not a duplicate: its origin is the same, and it is
routed again with the same output keys. Any other record with that id is a dead letter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pipeline import topics
from pipeline.router.records import Inbound, Outbound


@dataclass(frozen=True)
class Claim:
    """Where an event id was first routed from, and the SHA-256 of that record's value."""

    origin: str
    digest: str

    @classmethod
    def of(cls, record: Inbound) -> Claim:
        """The claim ``record`` makes on its event id."""
        return cls(origin_of(record), hashlib.sha256(record.value or b"").hexdigest())

    def to_bytes(self) -> bytes:
        return json.dumps({"origin": self.origin, "sha256": self.digest}, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Claim:
        body = json.loads(raw)
        return cls(str(body["origin"]), str(body["sha256"]))


def origin_of(record: Inbound) -> str:
    """``topic/partition/offset``: one record of the log, whoever reads it."""
    return f"{record.topic}/{record.partition}/{record.offset}"


def claim_record(event_id: str, claim: Claim) -> Outbound:
    """The record that claims ``event_id`` on the event-id topic."""
    return Outbound(topics.EVENT_IDS, event_id.encode(), claim.to_bytes())


#: Bytes of a record's SHA-256 an index keeps per id: enough to tell an identical copy apart.
DIGEST_KEPT = 16


class EventIndex:
    """Event id -> first claim. The first claim wins; later conflicting ones are counted.

    A worker holds every id ever routed, so a claim is kept as one bytes object: its origin
    and the first DIGEST_KEPT bytes of its digest (about 200 bytes per id with the key and the
    dict's slot, against 400 for a Claim of two strings; measured with tracemalloc).
    """

    def __init__(self) -> None:
        self._claims: dict[str, bytes] = {}
        self.conflicts = 0

    def get(self, event_id: str) -> Claim | None:
        """The first claim on ``event_id`` (its digest shortened to DIGEST_KEPT bytes)."""
        packed = self._claims.get(event_id)
        if packed is None:
            return None
        return Claim(packed[:-DIGEST_KEPT].decode(), packed[-DIGEST_KEPT:].hex())

    def learn(self, event_id: str, claim: Claim) -> bool:
        """Remember a claim; False if the id was already claimed from elsewhere."""
        packed = _pack(claim)
        known = self._claims.setdefault(event_id, packed)
        if known[:-DIGEST_KEPT] != packed[:-DIGEST_KEPT]:
            self.conflicts += 1
            return False
        return True

    def learn_record(self, key: bytes | None, value: bytes | None) -> bool:
        """Learn a record read from the event-id topic; malformed ones are ignored (False)."""
        if not key or not value:
            return False
        try:
            claim = Claim.from_bytes(value)
            _pack(claim)
        except (ValueError, KeyError, TypeError):
            return False
        return self.learn(key.decode(errors="replace"), claim)

    def __len__(self) -> int:
        return len(self._claims)


def _pack(claim: Claim) -> bytes:
    digest = bytes.fromhex(claim.digest)
    if len(digest) < DIGEST_KEPT:
        raise ValueError("digest too short")
    return claim.origin.encode() + digest[:DIGEST_KEPT]


def duplicate_detail(first: Claim, claim: Claim) -> str:
    """Why the record making ``claim`` duplicates ``first`` (no content: where, and whether equal)."""
    kept = 2 * DIGEST_KEPT  # hex digits an index keeps
    kind = "identical to" if first.digest[:kept] == claim.digest[:kept] else "different from"
    return f"event id already routed from {first.origin}; this record is {kind} that one"
