"""The ledger: read the disclosure log and the dead-letter topic, and account for every input."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline import topics
from pipeline.broker.reading import read_to_end
from pipeline.codec.framing import decode
from pipeline.codec.schema_store import SchemaStore
from pipeline.errors import BrokerError
from pipeline.ops.dead_letters import DeadLetter
from pipeline.privacy.dead_letter_key import read_dead_letter_keys
from pipeline.settings import Settings


@dataclass
class Ledger:
    """Disclosures, 'no recipient' entries and dead letters, de-duplicated by their keys."""

    disclosures: dict[str, dict[str, Any]] = field(default_factory=dict)
    no_recipient: dict[str, dict[str, Any]] = field(default_factory=dict)
    dead_letters: dict[str, DeadLetter] = field(default_factory=dict)

    def accounted(self) -> set[str]:
        """Keys (event ids) of every input that ended as a disclosure, no-recipient or dead letter."""
        delivered = {d["event_id"] for d in self.disclosures.values()}
        return delivered | set(self.no_recipient) | set(self.dead_letters)

    def delivered_events(self) -> set[str]:
        """Event ids that reached at least one recipient."""
        return {d["event_id"] for d in self.disclosures.values()}

    def traces_of(self, recipient: str) -> dict[str, str]:
        """For one recipient: the trace id of each view it received -> the event id behind it.

        Only the disclosure log links the two: a view carries its own reference and trace
        context, never the event id (for the FG and tests; no recipient can do this)."""
        return {
            d["trace_id"]: d["event_id"]
            for d in self.disclosures.values()
            if d["recipient"] == recipient
        }

    def dead_letter_reasons(self) -> Counter[str]:
        """How many dead letters per reason."""
        return Counter(d.reason for d in self.dead_letters.values())


def read_ledger(settings: Settings, bootstrap: str, store: SchemaStore) -> Ledger:
    """Read the whole disclosure log and dead-letter topic. Duplicates (at-least-once) collapse.

    Dead letters count under the key their record arrived with when the dead-letter key is at
    hand (it is sealed with the content), else under their origin.
    """
    keys = (
        read_dead_letter_keys(settings.dead_letter_key)
        if settings.dead_letter_key.exists()
        else None
    )
    ledger = Ledger()
    for record in read_to_end(settings, bootstrap, topics.DISCLOSURE_LOG):
        _, entry = decode(record.value, store)
        if entry["outcome"] == "NO_RECIPIENT":
            ledger.no_recipient[entry["event_id"]] = entry
        else:  # one line per disclosure: its span is its own (the same again after a replay)
            ledger.disclosures[f"{entry['event_id']}/{entry['span_id']}"] = entry
    for record in read_to_end(settings, bootstrap, topics.DEAD_LETTER):
        letter = DeadLetter.from_record(record)
        ledger.dead_letters[letter.label(keys)] = letter
    return ledger


def wait_for_ledger(
    settings: Settings,
    bootstrap: str,
    store: SchemaStore,
    expected: set[str],
    timeout: float,
    check_alive: Callable[[], None] = lambda: None,
) -> Ledger:
    """Poll the ledger until every expected key is accounted for; ``check_alive`` may raise."""
    deadline = time.monotonic() + timeout
    while True:
        ledger = read_ledger(settings, bootstrap, store)
        if expected <= ledger.accounted():
            return ledger
        check_alive()
        if time.monotonic() > deadline:
            missing = len(expected - ledger.accounted())
            raise BrokerError(
                f"{missing} of {len(expected)} inputs not accounted for after {timeout:.0f} s"
            )
        time.sleep(0.5)
