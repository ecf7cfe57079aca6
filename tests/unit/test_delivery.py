"""What a view's Kafka record tells besides its content (issue 26, attack 1): a timestamp of its
day, and a place in the batch that does not follow the signals. Pure; the attack itself runs on
the real broker in integration/test_combined_covenants.py."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from pipeline.codec.framing import decode
from pipeline.legal_time import LEGAL_TZ
from pipeline.router.core import route_batch
from pipeline.router.delivery import batch_outputs, view_timestamp_ms
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound
from tests.conftest import NOW
from tests.helpers import in_utrecht, signal_bytes
from tests.unit.test_attacks import _two_covenants
from tests.unit.test_covenant_check import _compile


def _batch(policy, store, factory, count):
    inputs = []
    for offset in range(count):
        document = in_utrecht(factory.make("politie", "Signaal").document)
        _, raw = signal_bytes(store, document, "politie", NOW)
        inputs.append(Inbound("signalen.politie", 0, offset, None, raw))
    return route_batch(inputs, policy, NOW, EventIndex())


def test_every_view_carries_the_start_of_its_dutch_day_and_nothing_else_does(
    store, policy, factory
):
    """Broke before: a view's record carried the moment it was produced (CreateTime, ms), the
    same for two views of one signal. Now every view routed on a Dutch day carries that day's
    midnight; log lines, claims and dead letters keep Kafka's own time (the log's is what the
    benchmarks and retention of the log count on)."""
    results = _batch(policy, store, factory, 5)
    midnight = int(dt.datetime(2026, 6, 1, tzinfo=LEGAL_TZ).timestamp() * 1000)
    views = [o for r in results for o in r.deliveries]
    assert views and {o.timestamp_ms for o in views} == {midnight}
    rest = [o for r in results for o in (*r.log, r.claim) if o is not None]
    assert {o.timestamp_ms for o in rest} == {None}


def test_the_day_is_the_dutch_one_also_when_the_clocks_change():
    # 00:30 on 26 October 2025 in the Netherlands (summer time) is 22:30 UTC the day before
    assert view_timestamp_ms(dt.datetime(2025, 10, 25, 22, 30, tzinfo=dt.UTC)) == int(
        dt.datetime(2025, 10, 26, tzinfo=LEGAL_TZ).timestamp() * 1000
    )
    # the 25-hour day: its last hour is still that day
    late = dt.datetime(2025, 10, 26, 22, 59, tzinfo=dt.UTC)  # 23:59 CET
    stamp = view_timestamp_ms(late)
    assert 24 * 3600 * 1000 < late.timestamp() * 1000 - stamp < 25 * 3600 * 1000


def test_a_batch_sends_its_views_in_an_order_that_does_not_follow_the_signals(
    tmp_path, store, factory
):
    """Broke before: a batch's outputs left in the order of its signals, so comensha's two
    views of one signal (one per covenant) sat next to each other in its inbox. Now the views
    of a batch are shuffled; every output is still sent, exactly once, the views first."""
    policy = _compile(_two_covenants(tmp_path), store)
    results = _batch(policy, store, factory, 50)
    sent = batch_outputs(results, random.Random(26))
    assert sorted(sent) == sorted(o for r in results for o in r.outputs)
    views = [o for o in sent if o.topic.startswith("inbox.")]
    assert sent[: len(views)] == views
    signal_of = {
        o.key: n for n, r in enumerate(results) for o in r.deliveries if o.topic == "inbox.comensha"
    }
    comensha = [signal_of[o.key] for o in views if o.topic == "inbox.comensha"]
    assert len(comensha) == 100  # two covenants: two views of each signal
    neighbours = sum(a == b for a, b in itertools.pairwise(comensha))
    assert neighbours <= 5  # in signal order: 50; shuffled, about one by chance
    in_order = [signal_of[o.key] for r in results for o in r.deliveries if o.key in signal_of]
    assert sum(a == b for a, b in itertools.pairwise(in_order)) == 50
    assert decode(views[0].value, policy.store)[1]["envelope"]["event_ref"]
