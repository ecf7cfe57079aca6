"""What a view's Kafka record says besides its content: its timestamp and its place in the inbox.

A recipient under two covenants gets two views of one signal, in two linkage domains, which
nothing in their content joins unless both covenants grant it. The records they travel in must
not join them either. Two things would:

- **The timestamp.** A producer stamps a record with the moment it sends it (CreateTime, in
  ms), so two views of one signal would carry the same timestamp to the millisecond (issue 26:
  96 of 100). A view's record is stamped with the start of the Dutch day on which it was
  routed: what the default ``datum`` treatment grants of the event, and no more. Every view
  routed that day carries the same timestamp.
- **The order.** A batch's outputs would leave in the order of its signals, so in each inbox
  partition a signal's views would sit next to each other, and the partitions would fill in
  step. The views of a batch leave in a random order, per batch.

What remains is said in docs/garanties.md: a recipient that reads its inbox as views arrive
sees when each arrived. At real volumes (a few signals a day) one signal's views arrive
together and nothing else arrives near them: only ``convenant check`` (covenant.checks.
combinations) keeps two covenants from giving one recipient what it can join.

Retention on Kafka is by record timestamp: a segment is deleted once its newest record is
older than ``retention.ms``. A view stamped up to a day (25 hours, when the clocks go back)
before it was written would be kept that much shorter; inbox topics therefore keep views
``VIEW_TIME_SLACK_MS`` longer than ``inbox_retention`` (ops.retention). Kafka refuses a
record stamped more than ``log.message.timestamp.before.max.ms`` in the past (unbounded by
default): a cluster that bounds it must allow at least that slack on inbox topics.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterable

from pipeline.legal_time import LEGAL_TZ, legal_day
from pipeline.router.records import Outbound, RouteResult

#: The longest Dutch day (the clocks go back): how far before its writing a view may be stamped.
VIEW_TIME_SLACK_MS = 25 * 3600 * 1000


def view_timestamp_ms(now: dt.datetime) -> int:
    """The Kafka timestamp of a view routed at ``now``: the start of that Dutch day, in ms."""
    return _midnight_ms(legal_day(now))


@functools.lru_cache(maxsize=8)
def _midnight_ms(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(0), tzinfo=LEGAL_TZ).timestamp() * 1000)


def batch_outputs(
    results: Iterable[RouteResult], rng: random.Random | None = None
) -> list[Outbound]:
    """Every output of a batch of routed records: the views first, in an order of ``rng``
    (by default the system's randomness) that does not follow the signals; then log lines,
    claims and dead letters in batch order. Kafka acknowledges them all before the batch is
    committed, whatever their order."""
    views: list[Outbound] = []
    rest: list[Outbound] = []
    for result in results:
        views.extend(result.deliveries)
        rest.extend(result.log)
        rest.extend(o for o in (result.claim, result.dead_letter) if o is not None)
    (rng or random.SystemRandom()).shuffle(views)
    return views + rest
