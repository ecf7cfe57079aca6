"""Counting in the stream: every routed signal a statistics rule covers becomes one *fact*.

A fact is keyed by rule, period and event id, and holds the signal's microcell (its category in
every dimension of the rule) and event time. Writing it is idempotent: a redelivered signal (a
worker restarted before it committed, a rebalance) writes the same key with the same value, and
a duplicate signal is a dead letter before it gets here, so each signal is counted once
however many workers share the work. A period's counts are the number of facts per microcell
(pipeline.statistics.state); nothing is incremented, so nothing can be counted twice or lost
between an increment and its changelog.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline import topics
from pipeline.covenant.policy import Policy
from pipeline.router.records import Inbound, Outbound, RouteResult

log = logging.getLogger("ketenstroom.statistics")

#: Compacted: one record per (rule, period, event id), the latest value per key is the fact.
FACTS_TOPIC = topics.STATISTICS_FACTS


@dataclass(frozen=True)
class Fact:
    """One counted signal under one rule."""

    rule: str
    period: str
    event_id: str
    definition: str
    values: tuple[str, ...]
    occurred_ms: int

    @property
    def key(self) -> bytes:
        return f"{self.rule}/{self.period}/{self.event_id}".encode()

    def to_record(self) -> Outbound:
        """The fact as a record of the facts topic."""
        value = {"d": self.definition, "c": list(self.values), "t": self.occurred_ms}
        return Outbound(FACTS_TOPIC, self.key, json.dumps(value, separators=(",", ":")).encode())

    @classmethod
    def from_record(cls, key: bytes, value: bytes) -> Fact:
        """A fact read back; ValueError (or KeyError/TypeError) for anything malformed."""
        rule_covenant, rule_id, period, event_id = key.decode().split("/", 3)
        body = json.loads(value)
        return cls(
            rule=f"{rule_covenant}/{rule_id}",
            period=period,
            event_id=event_id,
            definition=str(body["d"]),
            values=tuple(str(v) for v in body["c"]),
            occurred_ms=int(body["t"]),
        )


def facts_of(
    records: Sequence[Inbound], results: Sequence[RouteResult], policy: Policy, now: dt.datetime
) -> list[Outbound]:
    """The fact records of a routed batch: for each signal that was routed (not a dead letter),
    one per statistics rule that counts it. Never raises: a failure is logged per record."""
    if not policy.statistics:
        return []
    wanted = {(s, t) for r in policy.statistics for s in r.sources for t in r.signal_types}
    out: list[Outbound] = []
    for record, result in zip(records, results, strict=True):
        if result.dead_letter is not None or result.claim is None or result.signal is None:
            continue
        source = topics.partner_of_inbound(record.topic)
        try:
            # The router decoded and validated this very record a moment ago (route()).
            signal_type, datum = result.signal
            if (source, signal_type) not in wanted:
                continue
            event_id = str(datum["envelope"]["event_id"])
            occurred: dt.datetime = datum["envelope"]["occurred_at"]
            for rule in policy.statistics:
                counted = rule.count(str(source), signal_type, datum, now)
                if counted is not None:
                    fact = Fact(
                        rule.key,
                        counted.period,
                        event_id,
                        rule.definition,
                        counted.values,
                        int(occurred.timestamp() * 1000),
                    )
                    out.append(fact.to_record())
        except Exception:
            log.exception(
                "signal at %s/%d/%d not counted for statistics",
                record.topic,
                record.partition,
                record.offset,
            )
    return out
