"""Workers' covenant status: which version each runs, what it adopted or refused. Pure: no I/O.

Every worker writes its status to ``ketenstroom.convenant-status`` (compacted, key
``worker/<name>``): at start, after every bundle it adopted or refused, at a fixed interval,
and when it stops. Next to it, under ``bundel/<version>``, the signed bundle it adopted: a copy
that a starting worker may adopt when the control topic lost it. Only the router's principal
may write this topic (ACL); `convenant publish` and the operator only read it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

WORKER_PREFIX = "worker/"
COPY_PREFIX = "bundel/"
#: A worker keeps this many of its latest adoptions and refusals in every status record.
EVENTS_KEPT = 10
#: A worker is taken for gone after this many status intervals without a word.
SILENCE_INTERVALS = 3
MAX_REASON = 500


def status_key(worker: str) -> bytes:
    """The status-topic key of a worker's status."""
    return f"{WORKER_PREFIX}{worker}".encode()


def copy_key(version: int) -> bytes:
    """The status-topic key of the copy of a signed bundle some worker adopted."""
    return f"{COPY_PREFIX}{version}".encode()


class ActiveBundle(BaseModel):
    """The policy a worker routes with: version 0 is the covenant files on disk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=0)
    digest: str | None
    policy: str
    #: SHA-256 of the signed control-topic value in force (signing.signed_digest); None: disk.
    signed: str | None = None


class Event(BaseModel):
    """One bundle a worker adopted or refused (version and digest only if its signature held)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Literal["adopted", "refused"]
    version: int | None
    digest: str | None
    reason: str = ""
    at: dt.datetime
    #: False: version and digest are what a bundle whose signature failed claimed to be.
    verified: bool = True
    #: SHA-256 of the exact control-topic value this event is about (signing.signed_digest):
    #: what `convenant publish` matches its own record by, so a forged or foreign copy of the
    #: same version that a worker refused is never taken for a refusal of the publication.
    signed: str | None = None


class WorkerStatus(BaseModel):
    """What a worker says about its covenant policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    worker: str
    state: Literal["running", "stopped"]
    at: dt.datetime
    interval_s: float = Field(gt=0)
    active: ActiveBundle
    events: tuple[Event, ...] = ()

    def to_bytes(self) -> bytes:
        """The status-topic value."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()

    def alive(self, now: dt.datetime) -> bool:
        """Running and heard from within a few of its own intervals."""
        silent = (now - self.at).total_seconds()
        return self.state == "running" and silent <= SILENCE_INTERVALS * self.interval_s

    def answer(self, version: int, digest: str, signed: str | None = None) -> Event | None:
        """This worker's latest word on the bundle ``version``/``digest``, if any; with
        ``signed``, on exactly that control-topic value (another record that claims the same
        version and digest, a forged or a foreign copy, is no answer)."""
        for event in reversed(self.events):
            if signed is not None and event.signed is not None:
                if event.signed == signed:
                    return event
            elif event.version == version and event.digest == digest and event.verified:
                return event
        active = self.active
        if signed is not None and active.signed is not None:
            if active.signed == signed:
                return Event(outcome="adopted", version=version, digest=digest, at=self.at)
        elif active.version == version and active.digest == digest:
            return Event(outcome="adopted", version=version, digest=digest, at=self.at)
        return None


def event(
    outcome: Literal["adopted", "refused"],
    version: int | None,
    digest: str | None,
    reason: str,
    at: dt.datetime,
    verified: bool = True,
    signed: str | None = None,
) -> Event:
    """An event with its reason cut to a readable length."""
    text = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
    return Event(
        outcome=outcome,
        version=version,
        digest=digest,
        reason=text,
        at=at,
        verified=verified,
        signed=signed,
    )


def parse_status(key: bytes | None, value: bytes | None) -> WorkerStatus | None:
    """A worker status record, or None for anything else (a copy, a tombstone, a malformed or
    mislabelled record: a status must sit under its own worker's key)."""
    if key is None or value is None or not key.startswith(WORKER_PREFIX.encode()):
        return None
    try:
        status = WorkerStatus.model_validate_json(value)
    except (ValidationError, ValueError):
        return None
    return status if status_key(status.worker) == key else None


def latest(records: Iterable[tuple[bytes | None, bytes | None]]) -> dict[str, WorkerStatus]:
    """The last status of every worker, from status-topic records in offset order."""
    statuses: dict[str, WorkerStatus] = {}
    for key, value in records:
        status = parse_status(key, value)
        if status is not None:
            statuses[status.worker] = status
    return statuses


def copies(records: Iterable[tuple[bytes | None, bytes | None]]) -> list[bytes]:
    """The signed bundles workers copied to the status topic (checked by whoever adopts them)."""
    return [
        value
        for key, value in records
        if key is not None and value and key.startswith(COPY_PREFIX.encode())
    ]


@dataclass(frozen=True)
class AdoptionReport:
    """Who adopted a published bundle, who refused it (and why), who said nothing."""

    adopted: tuple[str, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    silent: tuple[str, ...] = ()

    @property
    def confirmed(self) -> bool:
        """Every worker that answered adopted it, at least one did, and none stayed silent."""
        return bool(self.adopted) and not self.refused and not self.silent


def adoption_report(
    version: int,
    digest: str,
    before: Mapping[str, WorkerStatus],
    after: Mapping[str, WorkerStatus],
    now: dt.datetime,
    signed: str | None = None,
) -> AdoptionReport:
    """Judge the answers to a publication. ``before``: the workers' statuses when it was
    published (those alive then are expected to answer); ``after``: their statuses since;
    ``signed``: the digest of the value published (then only answers on it count)."""
    adopted, refused = [], {}
    for name, status in sorted(after.items()):
        answer = status.answer(version, digest, signed)
        if answer is None:
            continue
        if answer.outcome == "adopted":
            adopted.append(name)
        else:
            refused[name] = answer.reason
    expected = {name for name, status in before.items() if status.alive(now)}
    gone = {name for name, status in after.items() if status.state == "stopped"}
    silent = sorted(expected - set(adopted) - set(refused) - gone)
    return AdoptionReport(tuple(adopted), refused, tuple(silent))
