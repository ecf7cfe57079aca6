"""Plain records that cross the boundary between the pure core and the Kafka shell."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Outbound:
    """One record to produce."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers = ()


@dataclass(frozen=True)
class RouteResult:
    """What became of one inbound record: views and their log entries, or one dead letter.

    Exactly one of the two holds: ``dead_letter`` is set, or ``log`` is non-empty (a
    disclosure per delivered view, or one 'no recipient' entry). Nothing is silent.
    """

    deliveries: tuple[Outbound, ...] = ()
    log: tuple[Outbound, ...] = ()
    dead_letter: Outbound | None = None

    @property
    def outputs(self) -> tuple[Outbound, ...]:
        """Everything to produce, views first, then log entries, then the dead letter."""
        tail = (self.dead_letter,) if self.dead_letter is not None else ()
        return self.deliveries + self.log + tail
