"""How long each topic keeps its records, from the covenants, the registry and the settings.
Pure: no I/O; ``topics create``, ``deploy topics`` and ``topics check`` apply it.

- The disclosure log (``ketenstroom.verantwoording``) keeps every record at least as long as the
  longest ``bewaartermijn`` of the rules whose records may still be within their term: rules of
  covenants in force, and of covenants that ended less than that term ago. A longer setting
  (``disclosure_log_retention``) wins; a shorter one is refused.
- Inboxes keep views for a short operational window (``inbox_retention``): the recipient takes
  them into its own systems and keeps them there under the grant's term, not in Kafka. A view's
  record is stamped with the start of the Dutch day it was routed (router.delivery), up to 25
  hours before it was written, so an inbox keeps records that much longer than the window; and
  its timestamps must be the producer's (``message.timestamp.type=CreateTime``): with
  LogAppendTime the broker would stamp each view with its arrival again.
- Inbound topics keep signals for ``inbound_retention``; the dead-letter topic for
  ``dlq_retention`` (it holds original records: personal data).
- State topics are compacted: the latest value per key is kept, none expires by age; except
  the event-id claims (``ketenstroom.gebeurtenis-ids``), which expire as well: after the
  event-id horizon or the disclosure log's retention, whichever is longer. A claim says whom
  its event is about, and a follow-up that comes while the log still holds the event's lines
  is logged about those people (``claims_horizon_ms``).
- The statistics claims (``ketenstroom.statistiek-claims``) are a log, not state: which claim to
  a publication name came first decides who publishes it, so the topic is never compacted (a
  later claim would replace the first) and nothing expires (``retention.ms=-1``).

Kafka deletes a segment only once its newest record is older than ``retention.ms``, so every
record is kept at least that long. Durations are converted with 366-day years and 31-day months,
so a term in years or months never comes out shorter than the calendar's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline import topics
from pipeline.covenant.model import Convenant
from pipeline.covenant.register import Activity
from pipeline.errors import ConfigurationError
from pipeline.registry import Registry
from pipeline.router.delivery import VIEW_TIME_SLACK_MS
from pipeline.settings import Settings

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_DAY_MS = 24 * 3600 * 1000
#: retention.ms of a topic that keeps every record for ever.
FOREVER = -1
#: Upper bounds, so a converted term is never shorter than the calendar's.
_YEAR_DAYS, _MONTH_DAYS = 366, 31


def duration_ms(text: str) -> int:
    """An ISO 8601 duration of years, months, weeks and days (``P5Y``, ``P14D``) in ms, rounded up."""
    match = _DURATION.match(text)
    if match is None or text == "P":
        raise ConfigurationError(f"{text!r} is not a duration such as P5Y, P6M or P14D")
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    return (years * _YEAR_DAYS + months * _MONTH_DAYS + weeks * 7 + days) * _DAY_MS


def _calendar_days(text: str) -> int:
    return duration_ms(text) // _DAY_MS


@dataclass(frozen=True)
class Retention:
    """What one topic needs: compacted (no age limit), or records kept ``ms`` at least (-1:
    for ever, and never compacted)."""

    topic: str
    compacted: bool
    ms: int | None
    why: str
    #: The records' timestamps must be the producer's (views: router.delivery).
    create_time: bool = False

    def configs(self) -> dict[str, str]:
        """The topic configs that carry it (for CreateTopics, KafkaTopic, DescribeConfigs)."""
        if self.compacted and self.ms is not None:  # compacted, and expires after ms
            return {"cleanup.policy": "compact,delete", "retention.ms": str(self.ms)}
        if self.compacted:
            return {"cleanup.policy": "compact"}
        assert self.ms is not None
        # retention.bytes=-1: no size limit may cut a record short of its term
        kept = {"cleanup.policy": "delete", "retention.ms": str(self.ms), "retention.bytes": "-1"}
        if self.create_time:
            kept["message.timestamp.type"] = "CreateTime"
        return kept


@dataclass(frozen=True)
class RetentionSettings:
    """The durations that are a choice of the deployment (ISO 8601, see Settings)."""

    inbox: str = "P14D"
    inbound: str = "P7D"
    dead_letters: str = "P90D"
    disclosure_log: str | None = None
    #: The event-id horizon (Settings.event_id_horizon_days) in ms: how long claims are kept.
    event_id_horizon_ms: int = 90 * _DAY_MS


@dataclass(frozen=True)
class LongestTerm:
    """The longest ``bewaartermijn`` still binding, and the rule that sets it."""

    ms: int
    term: str
    rule: str  # "<covenant>@<version> <rule>"


def longest_term(covenants: Iterable[Convenant], today: dt.date) -> LongestTerm | None:
    """The longest term among rules whose records may still be within it; None if no rule."""
    best: LongestTerm | None = None
    for covenant in covenants:
        kop = covenant.convenant
        for rule in covenant.regels:
            ms = duration_ms(rule.bewaartermijn)
            ended = kop.geldig.tot
            if (
                ended is not None
                and ended + dt.timedelta(days=_calendar_days(rule.bewaartermijn)) < today
            ):
                continue  # every record it disclosed is past its term
            if best is None or ms > best.ms:
                best = LongestTerm(ms, rule.bewaartermijn, f"{kop.id}@{kop.versie} {rule.id}")
    return best


def required_retention(
    registry: Registry,
    covenants: Iterable[Convenant],
    choice: RetentionSettings,
    today: dt.date,
) -> dict[str, Retention]:
    """The retention of every topic the registry asks for, by topic name."""
    log = _log_retention(longest_term(covenants, today), choice.disclosure_log)
    plain = {
        topics.DISCLOSURE_LOG: log,
        topics.DEAD_LETTER: (
            duration_ms(choice.dead_letters),
            f"dlq_retention {choice.dead_letters}",
        ),
    }
    for topic in registry.inbox_topics():
        plain[topic] = (
            duration_ms(choice.inbox) + VIEW_TIME_SLACK_MS,
            f"inbox_retention {choice.inbox} + 25 h (a view is stamped with its day)",
        )
    for topic in registry.inbound_topics():
        plain[topic] = (duration_ms(choice.inbound), f"inbound_retention {choice.inbound}")
    inboxes = set(registry.inbox_topics())
    out: dict[str, Retention] = {}
    for topic in registry.all_topics():
        if topic == topics.EVENT_IDS:
            days = f"{choice.event_id_horizon_ms / _DAY_MS:g}"
            if log[0] > choice.event_id_horizon_ms:
                out[topic] = Retention(topic, True, log[0], f"{log[1]} (as the disclosure log)")
            else:
                out[topic] = Retention(
                    topic, True, choice.event_id_horizon_ms, f"event-id horizon {days} days"
                )
        elif topic == topics.STATISTICS_CLAIMS:
            out[topic] = Retention(topic, False, FOREVER, "statistics claims: their order decides")
        elif topic in topics.COMPACTED:
            out[topic] = Retention(topic, True, None, "compacted state topic")
        else:
            ms, why = plain[topic]
            out[topic] = Retention(topic, False, ms, why, topic in inboxes)
    return out


def claims_horizon_ms(register: Iterable[Activity], horizon_ms: int) -> int:
    """How long a router remembers an event id (and whom the event is about): the event-id
    horizon, or the longest ``bewaartermijn`` of the policy's processing activities if that is
    longer, so that a follow-up is logged about the people of the event it refers to for as
    long as the log keeps that event's lines."""
    terms = [
        duration_ms(str(term))
        for activity in register
        if _DURATION.match(str(term := activity.record.get("bewaartermijn") or "-"))
    ]
    return max([horizon_ms, *terms])


def _log_retention(longest: LongestTerm | None, setting: str | None) -> tuple[int, str]:
    if setting is not None:
        ms = duration_ms(setting)
        if longest is not None and ms < longest.ms:
            raise ConfigurationError(
                f"disclosure_log_retention {setting} is shorter than the bewaartermijn "
                f"{longest.term} of {longest.rule}: the log must keep its records at least that long"
            )
        return ms, f"disclosure_log_retention {setting}"
    if longest is None:
        raise ConfigurationError(
            "no covenant rule is in force, so no bewaartermijn tells how long the disclosure log "
            "must keep its records: set disclosure_log_retention"
        )
    return longest.ms, f"bewaartermijn {longest.term} of {longest.rule}"


@dataclass(frozen=True)
class Shortfall:
    """An existing topic that keeps records for less time than required (or is not compacted)."""

    topic: str
    required: Retention
    found: str  # what the broker reported, in words

    def message(self) -> str:
        """One line for an operator: what is wrong and how to fix it."""
        want = self.required.configs()
        fix = ",".join(f"{k}={v}" for k, v in want.items())
        return (
            f"{self.topic}: {self.found}; required {self.required.why} "
            f"(kafka-configs.sh --alter --entity-type topics --entity-name {self.topic} "
            f"--add-config {fix})"
        )


def shortfalls(
    required: Mapping[str, Retention], reported: Mapping[str, Mapping[str, str | None]]
) -> list[Shortfall]:
    """Every topic whose reported configs keep records shorter than required. ``reported`` maps
    a topic to its DescribeConfigs values; a missing ``retention.ms`` counts as unknown."""
    found: list[Shortfall] = []
    for topic, want in sorted(required.items()):
        configs = reported.get(topic)
        if configs is None:
            continue  # not created yet: topics create will give it the right configs
        policy = (configs.get("cleanup.policy") or "delete").split(",")
        if want.compacted:
            if "compact" not in policy:
                found.append(Shortfall(topic, want, f"cleanup.policy={','.join(policy)}"))
            elif want.ms is not None and "delete" in policy:
                raw = configs.get("retention.ms")
                if raw is not None and int(raw) != -1 and int(raw) < want.ms:
                    found.append(Shortfall(topic, want, f"retention.ms={raw} ({_days(int(raw))})"))
            continue
        assert want.ms is not None
        if want.ms == FOREVER and "compact" in policy:  # compaction drops a key's earlier records
            found.append(Shortfall(topic, want, f"cleanup.policy={','.join(policy)}"))
            continue
        if "delete" not in policy:
            continue  # compacted only: nothing is deleted by age
        raw = configs.get("retention.ms")
        if raw is None:
            found.append(Shortfall(topic, want, "retention.ms not reported"))
            continue
        ms = int(raw)
        if ms != FOREVER and (want.ms == FOREVER or ms < want.ms):
            found.append(Shortfall(topic, want, f"retention.ms={ms} ({_days(ms)})"))
        size = configs.get("retention.bytes")
        if size is not None and int(size) != -1:
            found.append(Shortfall(topic, want, f"retention.bytes={size} may delete records early"))
        stamped = configs.get("message.timestamp.type")
        if want.create_time and stamped == "LogAppendTime":
            found.append(
                Shortfall(topic, want, "message.timestamp.type=LogAppendTime stamps each view anew")
            )
    return found


def _days(ms: int) -> str:
    return f"{ms / _DAY_MS:g} days"


def choice_of(settings: Settings) -> RetentionSettings:
    """The retention durations a deployment chose (KETENSTROOM_*_RETENTION)."""
    return RetentionSettings(
        inbox=settings.inbox_retention,
        inbound=settings.inbound_retention,
        dead_letters=settings.dlq_retention,
        disclosure_log=settings.disclosure_log_retention,
        event_id_horizon_ms=settings.event_id_horizon_ms,
    )
