"""Route one batch: route_batch's work, with a claims partition read whenever a record needs it.

The worker reads before each batch only the claims partitions of the inbound partitions it
holds (app.claims_reader). A record whose event id, or an event it refers to, lies on another
claims partition leaves that partition in ``EventIndex.missing``; the partition is read to its
end and the record is routed again, so it is judged on every claim made before it, as when
every worker read every claim. Markers of offsets the Kafka client could not parse become dead
letters in their place (app.wire_reader, app.fetch_guard).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable

from pipeline.app.fetch_guard import Position, Unreadable
from pipeline.covenant.policy import Policy
from pipeline.privacy.encryption import Sealer
from pipeline.router.core import route, route_batch
from pipeline.router.dead_letter import unreadable_dead_letter
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound, RouteResult

#: Reads of missed claims partitions one record may need (each read covers more of them).
_MOST_READS = 1024


async def route_records(
    records: list[Inbound],
    policy: Policy,
    now: dt.datetime,
    index: EventIndex,
    unreadable: dict[Position, Unreadable],
    read_missing: Callable[[], Awaitable[None]],
) -> list[RouteResult]:
    """What becomes of each record, in order (see the module)."""
    markers = {
        i: found
        for i, r in enumerate(records)
        if r.key is None
        and r.value is None
        and (found := unreadable.pop((r.topic, r.partition, r.offset), None)) is not None
    }
    readable = [r for i, r in enumerate(records) if i not in markers]
    if index.covered is None:  # every claim is read: nothing to look up elsewhere
        routed = iter(route_batch(readable, policy, now, index))
    else:
        routed = iter(await _route_reading(readable, policy, now, index, read_missing))
    return [
        RouteResult(
            dead_letter=unreadable_dead_letter(
                m.topic, m.partition, m.first, m.last, m.error, policy.version
            )
        )
        if (m := markers.get(i)) is not None
        else next(routed)
        for i in range(len(records))
    ]


async def _route_reading(
    records: list[Inbound],
    policy: Policy,
    now: dt.datetime,
    index: EventIndex,
    read_missing: Callable[[], Awaitable[None]],
) -> list[RouteResult]:
    """route_batch, routing a record again after reading the claims partitions it missed
    (route() only looks claims up; nothing it did before is kept)."""
    results = []
    sealer = Sealer()  # one data key per recipient for the whole batch, as route_batch
    for record in records:
        result = route(record, policy, now, index, sealer)
        for _ in range(_MOST_READS):
            if not index.missing:
                break
            await read_missing()  # covers more partitions each time: ends
            result = route(record, policy, now, index, sealer)
        else:
            raise RuntimeError(f"claims partitions {sorted(index.missing)} never read")
        if result.claimed is not None:
            with contextlib.suppress(ValueError):  # as route_batch: a claim it cannot keep
                index.learn(*result.claimed)
        results.append(result)
    return results
