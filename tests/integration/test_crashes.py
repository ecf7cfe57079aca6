"""Crashes on the real broker: kill -9 mid-stream, fail-over in one group, a broker that goes away.

Nothing may be lost (every input ends as a disclosure, a no-recipient entry or a dead letter),
and what a crash makes Kafka deliver twice must come out the same twice (same keys, same event
id, same view), never as a dead letter.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import topics
from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.admin import provision_topics
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.broker.reading import read_to_end
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.errors import BrokerError
from pipeline.ops.accounting import read_ledger, wait_for_ledger
from pipeline.settings import Settings
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import in_utrecht

pytestmark = pytest.mark.integration

CHUNK = 10


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: kills and fail-overs must not disturb other tests."""
    with EmbeddedBroker() as running:
        yield running


class Feed(threading.Thread):
    """Publishes politie signals in small chunks, from before a kill until after it."""

    def __init__(self, settings: Settings, store, seed: int) -> None:
        super().__init__(daemon=True)
        self.settings, self.store, self.seed = settings, store, seed
        self.ids: set[str] = set()
        self.error: BaseException | None = None
        self._enough = threading.Event()

    def run(self) -> None:
        factory = SignalFactory(seed=self.seed)
        bootstrap = self.settings.require_bootstrap()
        try:
            with Publisher(self.settings, bootstrap, "politie", self.store) as politie:
                while not self._enough.is_set():
                    chunk = [
                        in_utrecht(factory.make("politie", "Signaal").document)
                        for _ in range(CHUNK)
                    ]
                    self.ids |= {p.event_id for p in politie.publish_many(chunk)}
                    time.sleep(0.1)
        except BaseException as exc:  # reported by finish()
            self.error = exc

    def finish(self, after: float = 2.0) -> set[str]:
        """Keep publishing ``after`` seconds more, then stop; every id the broker acknowledged."""
        time.sleep(after)
        self._enough.set()
        self.join(60)
        assert self.error is None, self.error
        return self.ids


def _group(cluster: Settings, registry, policy, **changes: object) -> tuple[Settings, int]:
    """Settings with a consumer group of their own, the cluster prepared, and how many inputs
    the ledger holds already (earlier tests share the broker)."""
    group = f"crash-{uuid.uuid4().hex[:8]}"
    settings = cluster.model_copy(update={"router_group_id": group, **changes})
    bootstrap = settings.require_bootstrap()
    prepare_cluster(settings, bootstrap, registry, policy)
    return settings, len(read_ledger(settings, bootstrap, policy.store).accounted())


def _wait_for_progress(settings: Settings, store, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = len(read_ledger(settings, settings.require_bootstrap(), store).accounted())
        if done >= at_least:
            return done
        time.sleep(0.2)
    raise AssertionError(f"fewer than {at_least} inputs routed within {timeout} s")


def _trace(view) -> str:
    return str(view.datum["envelope"]["trace_id"])


def _start(settings: Settings, log: Path) -> WorkerProcess:
    return WorkerProcess(settings, log).start()


def test_kill_9_mid_stream_loses_nothing_and_repeats_identically(
    cluster, registry, store, policy, tmp_path
):
    # Offsets are committed only once a minute: everything routed before the kill is routed again.
    settings, before = _group(cluster, registry, policy, commit_interval_s=60.0, batch_size=20)
    bootstrap = settings.require_bootstrap()
    first = _start(settings, tmp_path / "first.log")
    second = WorkerProcess(settings, tmp_path / "second.log")
    feed = Feed(settings, store, seed=31)
    feed.start()
    try:
        _wait_for_progress(settings, policy.store, before + 30)
        first.kill()  # SIGKILL mid-stream: no commit, no clean-up
        second.start()
        ids = feed.finish()
        ledger = wait_for_ledger(settings, bootstrap, policy.store, ids, 120)
    finally:
        first.kill()
        code = second.stop()
    assert code == 0, second.output()[-3000:]

    assert ids <= ledger.accounted() and ids <= ledger.delivered_events()
    assert not ids & set(ledger.dead_letters)  # a redelivery is not a duplicate
    event_of = ledger.traces_of("om")  # the log links a view's own trace to its event
    views = [v for v in read_inbox(settings, bootstrap, "om") if event_of.get(_trace(v)) in ids]
    assert {event_of[_trace(v)] for v in views} == ids
    copies = Counter(v.key for v in views)
    repeated = {key for key, n in copies.items() if n > 1}
    assert repeated, "the kill should have made Kafka deliver some signals twice"
    for key in repeated:
        same = [v for v in views if v.key == key]
        assert all(v.datum == same[0].datum for v in same)  # identical: same reference, trace
        assert all(v.datum["envelope"]["event_ref"] == key for v in same)


def test_one_of_two_workers_killed_the_other_takes_over(cluster, registry, store, policy, tmp_path):
    settings, before = _group(cluster, registry, policy, batch_size=20)
    bootstrap = settings.require_bootstrap()
    a = _start(settings, tmp_path / "a.log")
    b = _start(settings, tmp_path / "b.log")
    feed = Feed(settings, store, seed=32)
    feed.start()
    try:
        _wait_for_progress(settings, policy.store, before + 30)
        a.kill()
        ids = feed.finish()
        ledger = wait_for_ledger(settings, bootstrap, policy.store, ids, 120)
        assert b.alive, b.output()[-3000:]
    finally:
        a.kill()
        b.stop()
    assert ids <= ledger.delivered_events()
    assert not ids & set(ledger.dead_letters)
    event_of = read_ledger(settings, bootstrap, policy.store).traces_of("om")
    assert ids <= {event_of.get(_trace(v)) for v in read_inbox(settings, bootstrap, "om")}


def test_a_client_reports_failure_while_the_broker_is_away(registry, store):
    """The publisher never claims a signal it could not get acknowledged."""
    broker = EmbeddedBroker(port=free_port())
    bootstrap = broker.start()
    settings = Settings(broker="external", bootstrap_servers=bootstrap, request_timeout_s=4.0)
    factory = SignalFactory(seed=33)
    try:
        provision_topics(settings, bootstrap, registry)
        with Publisher(settings, bootstrap, "politie", store) as politie:
            acked = {politie.publish(factory.make("politie", "Signaal").document).event_id}
            on_broker = {
                r.key.decode() for r in read_to_end(settings, bootstrap, "signalen.politie")
            }
            assert acked <= on_broker

            broker.stop()
            with pytest.raises(BrokerError, match=r"not acknowledge|cannot reach"):
                politie.publish(factory.make("politie", "Signaal").document)

            broker.start()  # same port; memory storage, so the topics are made again
            provision_topics(settings, bootstrap, registry)
            again = politie.publish(factory.make("politie", "Signaal").document)
        on_broker = {
            r.key.decode() for r in read_to_end(settings, bootstrap, topics.inbound("politie"))
        }
        assert again.event_id in on_broker
    finally:
        broker.stop()
