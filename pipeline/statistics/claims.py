"""Who publishes a version of a period's figures: claims on one single-partition topic.

Two publishers (the worker's periodic task and ``statistiek publiceer``, or two workers during a
rebalance) may decide on the same version of a period at the same moment, each from the counts
it read; two different tables under one name would give the recipient the difference between
them. So before sending a version, a publisher appends a *claim* (the whole publication, with
its own publisher id) to ``ketenstroom.statistiek-claims`` and reads that partition back past
its own claim. The claims are one log with one order (one partition, never compacted, kept for
ever), and the first claim to a name in offset order is the version: every reader finds the
same one, and no later append can come before it. Only that claim is ever sent, by whoever
sends it (its publisher, or another one after it stopped), so every release under a name is the
same publication. A claim is only accepted as version N of a period when versions 1 to N-1 were
claimed before it: its publisher audited it against all of them (pipeline.statistics.release).

Kafka alone gives this (acks=all: an acknowledged claim has its place in the log); no lease,
clock or transaction decides it. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline import topics

CLAIMS_TOPIC = topics.STATISTICS_CLAIMS


class Role(StrEnum):
    """What kind of publisher made a claim (for the messages that name it)."""

    WORKER = "worker"
    CLI = "cli"
    DEMO = "demo"


@dataclass(frozen=True)
class Publisher:
    """One publisher instance: a fresh id each time one starts, and where it runs."""

    id: str
    role: str
    host: str
    pid: int

    @classmethod
    def here(cls, role: Role) -> Publisher:
        """A new publisher id for this process."""
        return cls(uuid.uuid4().hex, role.value, socket.gethostname(), os.getpid())

    def as_json(self) -> dict[str, Any]:
        """The ``uitgever`` field of a claim."""
        return {"id": self.id, "rol": self.role, "host": self.host, "pid": self.pid}

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Publisher | None:
        """The publisher named in a claim, if it names one."""
        found = body.get("uitgever")
        if not isinstance(found, Mapping):
            return None
        try:
            return cls(str(found["id"]), str(found["rol"]), str(found["host"]), int(found["pid"]))
        except (KeyError, TypeError, ValueError):
            return None

    def describe(self) -> str:
        """Who this is, in words for an operator."""
        what = {
            Role.WORKER.value: "the worker",
            Role.CLI.value: "another `statistiek publiceer`",
            Role.DEMO.value: "the demo",
        }.get(self.role, f"publisher {self.role!r}")
        return f"{what} on {self.host} (process {self.pid})"


def claimed(body: dict[str, Any], publisher: Publisher) -> dict[str, Any]:
    """A publication as ``publisher`` claims it."""
    return {**body, "uitgever": publisher.as_json()}


class Verdict(StrEnum):
    """What the claims before it make of a claim to version N of a period."""

    WON = "won"  # versions 1..N-1 were claimed before it, N was not: it is version N
    TAKEN = "taken"  # another claim to N came first
    OUT_OF_ORDER = "out_of_order"  # a version below N was not claimed yet: not audited against it


def verdict(version: int, accepted_before: int) -> Verdict:
    """The verdict on a claim to ``version`` given how many versions of its period were
    accepted before it in offset order (versions are accepted as 1, 2, 3, ... only)."""
    if version == accepted_before + 1:
        return Verdict.WON
    if version <= accepted_before:
        return Verdict.TAKEN
    return Verdict.OUT_OF_ORDER


class Outcome(StrEnum):
    """What one publisher did with a version."""

    PUBLISHED = "published"  # it claimed the version first and sent it
    BY_ANOTHER = "by_another"  # another publisher claimed it first: that one stands
    RESENT = "resent"  # another publisher claimed it and stopped before it was complete: sent
    REFUSED = "refused"  # a claim whose cells are not disclosure control's for its counts


@dataclass(frozen=True)
class Release:
    """One outcome, with the publication it is about (as claimed first)."""

    outcome: Outcome
    body: dict[str, Any]

    @property
    def name(self) -> str:
        """The publication's name (``<rule>/<period>/v<version>``)."""
        return str(self.body["publicatie_id"])

    @property
    def publisher(self) -> Publisher | None:
        """Who claimed it."""
        return Publisher.of(self.body)


def takeover_at(body: Mapping[str, Any], takeover: dt.timedelta) -> dt.datetime:
    """When another publisher sends a claimed publication itself if it is still incomplete:
    ``takeover`` after its publisher made it. Only how many duplicates reach the recipient
    depends on this (both send the same claim), never which publication."""
    return dt.datetime.fromisoformat(str(body["gepubliceerd_op"])) + takeover
