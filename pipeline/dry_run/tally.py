"""What a dry run counts: for each signal routed under the policy in force and under the
proposed one, which recipient gets which field, under which rule, in which treatment; and the
differences, as counts only. Pure: fed RouteResults, never a value of a signal.

Memory is bounded by the policies (recipients x rules x fields, dead-letter reasons), never by
the number of signals replayed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.codec.framing import decode
from pipeline.covenant.fields import ENVELOPE_DEFAULTS
from pipeline.covenant.policy import Policy
from pipeline.errors import CodecError
from pipeline.router.dead_letter import REASON_HEADER, header
from pipeline.router.disclosure import DISCLOSED, WITHHELD, activity_ids
from pipeline.router.records import RouteResult

#: recipient -> field -> (treatment, the rules that gave it as "covenant/rule")
Seen = dict[str, dict[str, tuple[str, frozenset[str]]]]


@dataclass(frozen=True)
class Outcome:
    """What one policy did with one signal: per recipient the fields it received, how and by
    which rules; the dead-letter reason, if any; how many disclosures were withheld."""

    received: Seen
    dead_letter: str | None = None
    withheld: int = 0


def outcome_of(result: RouteResult, policy: Policy) -> Outcome:
    """Read a RouteResult through the policy's register, as the accountability reports do."""
    if result.dead_letter is not None:
        return Outcome({}, header(result.dead_letter.headers, REASON_HEADER) or "unknown")
    received: Seen = {}
    withheld = 0
    for line in result.log:
        try:
            _, record = decode(line.value, policy.store)
        except CodecError:  # the router's own log line: cannot happen, but never crash a count
            continue
        if record.get("parent_span_id"):
            continue  # the same action, about a further person
        if record["outcome"] == WITHHELD:
            withheld += 1
            continue
        if record["outcome"] != DISCLOSED:
            continue
        recipient = str(record["recipient"])
        fields = received.setdefault(recipient, {})
        for activity in activity_ids(record):
            entry = policy.register.get(activity)
            if entry is None:
                continue
            rule = f"{entry.record['convenant_id']}/{entry.record['regel']}"
            for path, treatment in entry.treatments(recipient).items():
                was = fields.get(path)
                rules = (was[1] if was else frozenset()) | {rule}
                fields[path] = (treatment, rules)
    return Outcome(received, None, withheld)


def _label(rules: frozenset[str]) -> str:
    return "+".join(sorted(rules))


@dataclass
class Tally:
    """Counts of what would change, fed one signal at a time (``add``)."""

    signals: int = 0
    #: (recipient, rules, field) -> count, for fields newly disclosed, withdrawn, or in another
    #: treatment (the rules of the side that has it; for "different", the proposed side's).
    new: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    withdrawn: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    different: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: recipient -> signals it would newly receive / no longer receive at all
    new_disclosures: Counter[str] = field(default_factory=Counter)
    withdrawn_disclosures: Counter[str] = field(default_factory=Counter)
    #: recipient -> signals it receives under both (for scale)
    kept_disclosures: Counter[str] = field(default_factory=Counter)
    #: signals that went to some recipient and would go to none, and back
    to_nobody: int = 0
    to_somebody: int = 0
    #: dead-letter reasons per side ("in werking", "voorgesteld")
    dead_letters: Counter[tuple[str, str]] = field(default_factory=Counter)
    withheld: Counter[str] = field(default_factory=Counter)

    def add(self, before: Outcome, after: Outcome) -> None:
        """Count one signal as the policy in force (``before``) and the proposed one treat it."""
        self.signals += 1
        for side, outcome in (("in werking", before), ("voorgesteld", after)):
            if outcome.dead_letter is not None:
                self.dead_letters[(side, outcome.dead_letter)] += 1
            self.withheld[side] += outcome.withheld
        if bool(before.received) and not after.received:
            self.to_nobody += 1
        elif after.received and not before.received:
            self.to_somebody += 1
        for recipient in before.received.keys() | after.received.keys():
            was = before.received.get(recipient, {})
            now = after.received.get(recipient, {})
            if was and not now:
                self.withdrawn_disclosures[recipient] += 1
            elif now and not was:
                self.new_disclosures[recipient] += 1
            else:
                self.kept_disclosures[recipient] += 1
            for path in was.keys() | now.keys():
                old, new = was.get(path), now.get(path)
                if all(x is None or _standard(path, x) for x in (old, new)):
                    continue  # the envelope every view has: counted once, as a disclosure
                if old is None and new is not None:
                    self.new[(recipient, _label(new[1]), path)] += 1
                elif new is None and old is not None:
                    self.withdrawn[(recipient, _label(old[1]), path)] += 1
                elif old is not None and new is not None and old[0] != new[0]:
                    self.different[(recipient, _label(new[1]), path)] += 1

    def report(self) -> dict[str, Any]:
        """The counts as JSON-ready data (counts only: no value of any signal)."""

        def rows(counter: Counter[tuple[str, str, str]]) -> list[dict[str, Any]]:
            return [
                {"ontvanger": r, "regels": rules, "veld": path, "aantal": n}
                for (r, rules, path), n in sorted(counter.items())
            ]

        recipients = sorted(
            set(self.new_disclosures) | set(self.withdrawn_disclosures) | set(self.kept_disclosures)
        )
        return {
            "signalen": self.signals,
            "per_ontvanger": [
                {
                    "ontvanger": r,
                    "nieuw": self.new_disclosures[r],
                    "vervalt": self.withdrawn_disclosures[r],
                    "blijft": self.kept_disclosures[r],
                }
                for r in recipients
            ],
            "velden_nieuw": rows(self.new),
            "velden_vervallen": rows(self.withdrawn),
            "velden_anders": rows(self.different),
            "naar_niemand": self.to_nobody,
            "naar_iemand": self.to_somebody,
            "dode_letters": [
                {"kant": side, "reden": reason, "aantal": n}
                for (side, reason), n in sorted(self.dead_letters.items())
            ],
            "tegengehouden": dict(sorted(self.withheld.items())),
        }


def _standard(path: str, got: tuple[str, frozenset[str]] | None) -> bool:
    return got is not None and ENVELOPE_DEFAULTS.get(path) == got[0]
