"""Plain records that cross the boundary between the pure core and the Kafka shell."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pipeline.router.event_index import Claim

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Inbound:
    """One record as consumed from an inbound topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp: float | None = None  # when Kafka appended it (seconds since the epoch)


class Outbound(NamedTuple):
    """One record to produce (a tuple: a signal makes several, cheaply)."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers = ()
    #: The record's Kafka timestamp (ms since the epoch); None: the moment it is produced.
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class RouteResult:
    """What became of one inbound record: views and their log entries, or one dead letter.

    Exactly one of the two holds: ``dead_letter`` is set, or ``log`` is non-empty (a
    disclosure per delivered view, or one 'no recipient' entry). Nothing is silent.
    A routed signal also claims its event id (``claim``), so a later copy is a duplicate.
    """

    deliveries: tuple[Outbound, ...] = ()
    log: tuple[Outbound, ...] = ()
    dead_letter: Outbound | None = None
    claim: Outbound | None = None
    #: The routed signal as decoded and checked: its type and record (never produced; for the
    #: statistics of the same batch, so they need not decode it again).
    signal: tuple[str, dict[str, Any]] | None = field(default=None, compare=False, repr=False)
    #: The event id and its claim as made (never produced as such; ``claim`` carries its
    #: bytes): the batch learns it without reading its bytes back.
    claimed: tuple[str, Claim] | None = field(default=None, compare=False, repr=False)

    @property
    def outputs(self) -> tuple[Outbound, ...]:
        """Everything to produce: views, log entries, the event-id claim or the dead letter."""
        tail = tuple(o for o in (self.claim, self.dead_letter) if o is not None)
        return self.deliveries + self.log + tail
