"""Stream the disclosure log from its beginning to its end, in bounded memory.

The FG's reports read a log that may hold millions of lines: records are handed on as they are
fetched, never gathered. Where the end is comes from the fetch high watermark (exact), the
progress total from ListOffsets (which some brokers under-report while producers batch; it only
sizes the progress bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.reading import consumer_from_beginning, drop_read_to_end
from pipeline.errors import BrokerError
from pipeline.settings import Settings

#: (records read so far, records expected) after each fetch.
Progress = Callable[[int, int], None]
#: Records fetched per poll: a bound on what is held at once.
_POLL_RECORDS = 2000


def stream_log(
    settings: Settings,
    bootstrap: str,
    progress: Progress = lambda done, total: None,
    topic: str = topics.DISCLOSURE_LOG,
    idle_timeout: float = 30.0,
) -> Iterator[Any]:
    """Every record of the log as it stands now, partition by partition as fetched (records of
    one partition in offset order); ``progress`` is told how far it got."""
    consumer, tps = consumer_from_beginning(
        settings, bootstrap, topic, max_poll_records=_POLL_RECORDS
    )
    try:
        start = consumer.beginning_offsets(tps)
        end = consumer.end_offsets(tps)
        total = sum(max(end[tp] - start[tp], 0) for tp in tps)
        done = 0
        progress(done, total)
        pending = set(tps)
        last_seen = time.monotonic()
        while pending:
            batches = consumer.poll(timeout_ms=500)
            for batch in batches.values():
                done += len(batch)
                yield from batch
            if batches:
                last_seen = time.monotonic()
                progress(done, max(total, done))
            elif time.monotonic() - last_seen > idle_timeout:
                raise BrokerError(f"reading {topic!r} stalled: nothing for {idle_timeout:.0f} s")
            drop_read_to_end(consumer, pending)
        progress(done, done)
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic!r}: {exc}") from exc
    finally:
        consumer.close()
