"""Claims co-partitioned with the work, attacked with real workers on the real broker (issue 32).

Each worker reads only the claims partitions of the inbound partitions it holds. A hostile or
careless partner does not key its records as the guide says; an operator adds partitions. With
two workers in one group (partition 0 and partition 2 of each inbound topic are held by
different ones: the range assignor, checked on their metrics):

- a copy of an event keyed otherwise, on the other worker's partition, either way round, and
  a copy published by another partner: every copy is a dead letter ``duplicate_event_id``;
- a follow-up about an event the other worker routed is resolved, not ``unknown_reference``;
- a burst with planted copies while a third worker joins (a rebalance): every input is
  accounted for, every planted copy is a duplicate, no original is;
- claims placed by another partition count (Kafka can add partitions; the embedded broker
  cannot), found by a worker without an index and by one whose index was read under another
  count: a copy of such an event is still a duplicate.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import confluent_kafka
import pytest

from pipeline import topics
from pipeline.app.claims_reader import PARTITIONS_META, READ_ALL_UNTIL_META
from pipeline.app.partitioner import python_partition
from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.client.publisher import Encoded, Publisher
from pipeline.ops.accounting import Ledger, read_ledger, wait_for_ledger
from pipeline.ops.metrics import scrape
from pipeline.router.core import route
from pipeline.settings import Settings
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import in_utrecht, inbound

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: it writes claims where another partition count would
    (every worker that reads one reads every claims partition for ten minutes after)."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="module")
def settings(cluster: Settings, registry, policy, tmp_path_factory) -> Settings:
    ready = cluster.model_copy(
        update={
            "partitions": PARTITIONS,
            "router_group_id": f"claims-{uuid.uuid4().hex[:8]}",
            "health_interval_s": 0.5,  # also how often the claims topic's layout is asked for
            "state_dir": Path(tmp_path_factory.mktemp("state")),
        }
    )
    prepare_cluster(ready, ready.require_bootstrap(), registry, policy)
    return ready


def _start(settings: Settings, log: Path, **changes: object) -> WorkerProcess:
    return WorkerProcess(
        settings.model_copy(update={"metrics_port": free_port(), **changes}), log
    ).start()


def _held(worker: WorkerProcess, topic: str) -> set[int]:
    url = f"http://127.0.0.1:{worker.settings.metrics_port}/metrics"
    return {
        int(dict(labels)["partition"])
        for (name, labels), _ in scrape(url).items()
        if name == "ketenstroom_consumer_lag" and dict(labels)["topic"] == topic
    }


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.2)


def _signal(
    publisher: Publisher, factory: SignalFactory, partition: int, count: int = PARTITIONS
) -> Encoded:
    """A politie (or other) signal whose event id lands on ``partition`` of ``count``."""
    while True:
        encoded = publisher.encode(in_utrecht(factory.make(publisher.partner, "Signaal").document))
        if python_partition(encoded.key, count) == partition:
            return encoded


def _key(partition: int, count: int = PARTITIONS) -> bytes:
    """A key that is not an event id and lands on ``partition`` of ``count``."""
    while True:
        key = f"not-the-event-id-{uuid.uuid4().hex[:8]}".encode()
        if python_partition(key, count) == partition:
            return key


def _copy(publisher: Publisher, original: Encoded, key: bytes) -> None:
    publisher.send_raw(key, original.value, original.headers).get(timeout=10)


def _dead_letters(settings: Settings, store, keys: list[bytes], timeout: float = 60) -> Ledger:
    """The ledger once a dead letter arrived under each key (a copy keyed with its event id
    shares its label with the original's disclosures: accounted() cannot tell)."""
    deadline = time.monotonic() + timeout
    while True:
        ledger = read_ledger(settings, settings.require_bootstrap(), store)
        if all(k.decode() in ledger.dead_letters for k in keys):
            return ledger
        assert time.monotonic() < deadline, f"no dead letter for {keys} in {timeout:.0f} s"
        time.sleep(0.5)


def _reason(ledger: Ledger, key: bytes) -> str | None:
    letter = ledger.dead_letters.get(key.decode())
    return None if letter is None else letter.reason


def test_two_workers_find_every_duplicate_and_reference_across_their_partitions(
    settings, store, tmp_path
):
    bootstrap = settings.require_bootstrap()
    a = _start(settings, tmp_path / "a.log")
    b = _start(settings, tmp_path / "b.log")
    c: WorkerProcess | None = None
    factory = SignalFactory(seed=3201)
    try:
        a.wait_ready(90)
        b.wait_ready(90)
        politie_topic = topics.inbound("politie")
        _until(lambda: len(_held(a, politie_topic) | _held(b, politie_topic)) == 3, 30, "lag")
        # partitions 0 and 2 are routed by different workers, with their own claims
        assert {0, 2} & _held(a, politie_topic) and {0, 2} & _held(b, politie_topic)
        assert not ({0, 2} <= _held(a, politie_topic) or {0, 2} <= _held(b, politie_topic))
        with (
            Publisher(settings, bootstrap, "politie", store) as politie,
            Publisher(settings, bootstrap, "nla", store) as nla,
            Publisher(settings, bootstrap, "comensha", store) as comensha,
        ):
            misrouted_first = _signal(politie, factory, 0)
            keyed_first = _signal(politie, factory, 0)
            claimed_by_politie = _signal(politie, factory, 0)
            referred = _signal(comensha, factory, 0)
            late_key = _key(2)
            _copy(politie, misrouted_first, late_key)  # keyed otherwise: on partition 2
            politie.send_encoded([keyed_first, claimed_by_politie])
            comensha.send_encoded([referred])
            firsts = {misrouted_first.event_id, keyed_first.event_id, claimed_by_politie.event_id}
            wait_for_ledger(settings, bootstrap, store, firsts | {referred.event_id}, 60)

            # the copies, each on the other worker's partition from its first claim
            _copy(politie, misrouted_first, misrouted_first.key)  # now keyed right: partition 0
            copy_key = _key(2)
            _copy(politie, keyed_first, copy_key)
            nla_doc = in_utrecht(factory.make("nla", "Controle").document)
            nla_doc["envelope"]["event_id"] = claimed_by_politie.event_id
            hijack = nla.encode(nla_doc)
            hijack_key = _key(2)
            nla.send_raw(hijack_key, hijack.value, hijack.headers).get(timeout=10)
            # a follow-up about comensha's own event, routed by the other worker
            while True:
                follow_up = comensha.encode(
                    in_utrecht(
                        factory.follow_up("comensha", "Verwijzing", referred.event_id).document
                    )
                )
                if python_partition(follow_up.key, PARTITIONS) == 2:
                    break
            comensha.send_encoded([follow_up])
            wait_for_ledger(settings, bootstrap, store, {follow_up.event_id}, 60)
            ledger = _dead_letters(settings, store, [misrouted_first.key, copy_key, hijack_key])
        assert _reason(ledger, misrouted_first.key) == "duplicate_event_id"
        assert _reason(ledger, copy_key) == "duplicate_event_id"
        assert _reason(ledger, hijack_key) == "duplicate_event_id"
        assert follow_up.event_id in ledger.delivered_events(), ledger.dead_letters.get(
            follow_up.event_id
        )

        # a burst with planted copies while a third worker joins the group; a copy routed
        # before its original (their partitions are held by different workers, one paused by
        # the rebalance) is the first claim, and the original the duplicate: one of each pair
        c = _start(settings, tmp_path / "c.log")
        burst: list[Encoded] = []
        pairs: dict[str, str] = {}  # planted key -> the original's event id
        with Publisher(settings, bootstrap, "politie", store) as politie:
            for i in range(300):
                burst.append(
                    politie.encode(in_utrecht(factory.make("politie", "Signaal").document))
                )
                politie.send_encoded(burst[-1:])
                if i % 15 == 14:  # a copy of an earlier one, keyed otherwise
                    key = f"planted-{i}".encode()
                    _copy(politie, burst[i - 10], key)
                    pairs[key.decode()] = burst[i - 10].event_id
                time.sleep(0.01)
        originals = {e.event_id for e in burst}

        def raced() -> set[str]:
            """Event ids two workers routed at the same moment: both delivered, and the second
            claim logged as an error when read (the limit docs/garanties.md names)."""
            said = "".join(w.output() for w in (a, b, c) if w is not None)
            return {e for e in pairs.values() if f"event id {e} was routed from two records" in said}

        def settled() -> Ledger | None:
            ledger = read_ledger(settings, bootstrap, store)
            both = raced()
            done = originals <= ledger.delivered_events() and all(
                (k in ledger.dead_letters) != (e in ledger.dead_letters)
                or (e in both and k not in ledger.dead_letters and e not in ledger.dead_letters)
                for k, e in pairs.items()
            )
            return ledger if done else None

        try:
            _until(
                lambda: settled() is not None, 120, "the burst routed, one of each pair a dead letter"
            )
        except AssertionError:
            seen = read_ledger(settings, bootstrap, store)
            missing = originals - seen.delivered_events() - set(seen.dead_letters)
            pairs_off = {
                k: (k in seen.dead_letters, e in seen.dead_letters, e in raced())
                for k, e in pairs.items()
                if (k in seen.dead_letters) == (e in seen.dead_letters)
            }
            raise AssertionError(
                f"{len(missing)} originals neither delivered nor dead ({sorted(missing)[:5]}); "
                f"pairs not settled (copy dead, original dead, raced): {pairs_off}; "
                f"dead letters among originals: "
                f"{ {e: seen.dead_letters[e].reason for e in originals & set(seen.dead_letters)} }"
            ) from None
        ledger = settled()
        assert ledger is not None
        c.wait_ready(60)  # it did join
        duplicates = {k for k in pairs if k in ledger.dead_letters}
        duplicates |= {e for e in pairs.values() if e in ledger.dead_letters}
        assert {ledger.dead_letters[d].reason for d in duplicates} == {"duplicate_event_id"}
        assert not (originals - set(pairs.values())) & set(ledger.dead_letters)
        for worker in (a, b, c):
            assert worker.alive and "Traceback" not in worker.output(), worker.output()[-3000:]
    finally:
        for worker in (a, b, c):
            if worker is not None:
                assert worker.stop() == 0, worker.output()[-3000:]


def test_a_controle_over_every_claims_partition_resolves_only_its_publishers_own_events(
    settings, store, tmp_path
):
    """Red team (issue 32's worker): an NLA controle links NLA signals on every claims
    partition, so the worker that routes it must read the partitions it does not hold, more
    than one for one record; a controle that also names a politie event, and one that names an
    event whose NLA copy was a dead letter (the claim is politie's), are dead letters
    ``unknown_reference``: a follow-up never resolves against an event its publisher did not
    publish, whichever worker holds that event's claim. The copy is sent with confluent-kafka,
    as a partner with another client would."""
    bootstrap = settings.require_bootstrap()
    # a group of its own: the last test's workers stopped while their group rebalanced, which
    # can leave the embedded broker's group stuck (docs/embedded-broker.md)
    settings = settings.model_copy(update={"router_group_id": f"controle-{uuid.uuid4().hex[:8]}"})
    a = _start(settings, tmp_path / "a.log")
    b = _start(settings, tmp_path / "b.log")
    factory = SignalFactory(seed=3203)
    try:
        a.wait_ready(90)
        b.wait_ready(90)
        nla_topic = topics.inbound("nla")
        _until(lambda: len(_held(a, nla_topic) | _held(b, nla_topic)) == 3, 30, "lag")
        with (
            Publisher(settings, bootstrap, "nla", store) as nla,
            Publisher(settings, bootstrap, "politie", store) as politie,
        ):
            own = [_signal(nla, factory, p) for p in range(PARTITIONS)]
            taken = _signal(politie, factory, 1)
            nla.send_encoded(own)
            politie.send_encoded([taken])
            wait_for_ledger(
                settings, bootstrap, store, {e.event_id for e in own} | {taken.event_id}, 60
            )
            # the NLA's copy of the politie event: a dead letter, its claim stays politie's
            copy = in_utrecht(factory.make("nla", "Signaal").document)
            copy["envelope"]["event_id"] = taken.event_id
            copied = nla.encode(copy)
            copy_key = _key(0)
            producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap})
            producer.produce(nla_topic, copied.value, copy_key, headers=list(copied.headers))
            assert producer.flush(10) == 0
            _dead_letters(settings, store, [copy_key])

            def controle(linked: list[str], partition: int) -> Encoded:
                while True:
                    document = in_utrecht(factory.make("nla", "Controle").document)
                    document["gekoppelde_signalen"] = linked
                    encoded = nla.encode(document)
                    if python_partition(encoded.key, PARTITIONS) == partition:
                        return encoded

            ids = [e.event_id for e in own]
            fine = controle(ids, 2)
            mixed = controle([*ids[:2], taken.event_id], 0)
            hijacked = controle([taken.event_id], 1)
            nla.send_encoded([fine, mixed, hijacked])
            wait_for_ledger(settings, bootstrap, store, {fine.event_id}, 60)
            ledger = _dead_letters(settings, store, [mixed.key, hijacked.key])
        assert fine.event_id in ledger.delivered_events(), ledger.dead_letters.get(fine.key.decode())
        assert _reason(ledger, mixed.key) == "unknown_reference"
        assert _reason(ledger, hijacked.key) == "unknown_reference"
        assert mixed.event_id not in ledger.delivered_events()
        assert hijacked.event_id not in ledger.delivered_events()
        for worker in (a, b):
            assert worker.alive and "Traceback" not in worker.output(), worker.output()[-3000:]
    finally:
        for worker in (a, b):
            assert worker.stop() == 0, worker.output()[-3000:]


def test_claims_placed_by_another_partition_count_are_found(settings, store, policy, tmp_path):
    """Kafka can add partitions to the claims topic (the embedded broker cannot: no
    CreatePartitions); claims written before lie where the old count put them. A worker whose
    index was read under another count, or that has no index, reads every partition before it
    routes, and finds them."""
    bootstrap = settings.require_bootstrap()
    group = settings.model_copy(update={"router_group_id": f"layout-{uuid.uuid4().hex[:8]}"})
    factory = SignalFactory(seed=3202)
    with Publisher(group, bootstrap, "politie", store) as politie:
        placed = [politie.encode(in_utrecht(factory.make("politie", "Signaal").document))]
        placed.append(politie.encode(in_utrecht(factory.make("politie", "Signaal").document)))
    # their claims, as a router under two partitions placed them (not where 3 put them)
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap})
    for i, signal in enumerate(placed):
        at = (python_partition(signal.key, PARTITIONS) + 1) % PARTITIONS
        record = inbound("politie", signal.value, signal.key, offset=10_000 + i)
        claim = route(record, policy, dt.datetime.now(dt.UTC)).claim
        assert claim is not None
        producer.produce(topics.EVENT_IDS, claim.value, claim.key, partition=at)
    assert producer.flush(10) == 0

    # no index of its own: it reads every partition first
    first = _start(group, tmp_path / "first.log", state_dir=tmp_path / "first-state")
    try:
        first.wait_ready(90)
        with Publisher(group, bootstrap, "politie", store) as politie:
            politie.send_encoded(placed[:1])
            ledger = _dead_letters(group, store, [placed[0].key])
    finally:
        assert first.stop() == 0, first.output()[-3000:]
    assert _reason(ledger, placed[0].key) == "duplicate_event_id"
    assert "lies where another partition count put it" in first.output()

    # an index read under two partitions (as its file says): read every partition again
    (index_file,) = (tmp_path / "first-state").rglob("event-ids-0.sqlite")
    with sqlite3.connect(index_file) as db:
        db.execute("UPDATE meta SET value = 2 WHERE name = ?", (PARTITIONS_META,))
        db.execute("DELETE FROM meta WHERE name = ?", (READ_ALL_UNTIL_META,))
    again = _start(group, tmp_path / "again.log", state_dir=tmp_path / "first-state")
    try:
        again.wait_ready(90)
        with Publisher(group, bootstrap, "politie", store) as politie:
            politie.send_encoded(placed[1:])
            ledger = _dead_letters(group, store, [placed[1].key])
    finally:
        assert again.stop() == 0, again.output()[-3000:]
    assert _reason(ledger, placed[1].key) == "duplicate_event_id"
    assert "its event-id index was read under 2" in again.output()
