"""A replayed old covenant bundle, before or after compaction, never changes what anyone receives.

Version 1 gives the OM the BSN in the clear; version 2 gives it a pseudonym. An attacker with
write access to the control topic (no signing key) replays version 1, under its own key and
under version 2's, and deletes version 2 with a tombstone. Tansu has no log cleaner, so
"after compaction" is a fresh broker holding exactly what a compacted log would: on the
control topic only version 1 (the tombstone itself gone too), on the status topic the last
record per key.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from pipeline import topics
from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.broker.reading import read_to_end
from pipeline.client.covenant_topic import publish_bundle, read_status, this_installation
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.client.schema_topic import publish_schemas
from pipeline.ops.accounting import wait_for_ledger
from pipeline.publication.bundle import Bundle, Installation, bundle_key
from pipeline.publication.signing import SigningKey, read_signing_key
from pipeline.publication.status import latest
from pipeline.settings import Settings
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN
from tests.helpers import in_utrecht

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: the bundles it publishes must not reach other tests."""
    with EmbeddedBroker() as running:
        yield running


def _versions(installation: Installation) -> tuple[Bundle, Bundle]:
    v1 = Bundle.from_directory(CONVENANTEN, installation).numbered(1)
    ((name, text),) = v1.files.items()
    withdrawn = text.replace('versie: "2025.1"', 'versie: "2025.2"').replace(
        "      slachtoffer.bsn: doorgeven\n", "      slachtoffer.bsn: pseudoniem\n", 1
    )
    assert withdrawn != text
    return v1, Bundle({name: withdrawn}, v1.published_at, 2, installation)


def _om_bsn(settings: Settings, store, policy, worker: WorkerProcess, seed: int) -> str:
    """Publish one signal and return the BSN as the OM received it."""
    bootstrap = settings.require_bootstrap()
    factory = SignalFactory(seed=seed)
    document = in_utrecht(factory.make("politie", "Signaal").document)
    with Publisher(settings, bootstrap, "politie", store) as politie:
        event_id = str(politie.publish(document).event_id)
    ledger = wait_for_ledger(settings, bootstrap, policy.store, {event_id}, 60, _alive(worker))
    event_of = ledger.traces_of("om")
    (view,) = [
        v
        for v in read_inbox(settings, bootstrap, "om")
        if event_of.get(str(v.datum["envelope"]["trace_id"])) == event_id
    ]
    return str(view.datum["slachtoffer"]["bsn"])


def _compacted(records: list[tuple[bytes | None, bytes | None]]) -> list[tuple[bytes, bytes]]:
    """What log compaction keeps: the last record of each key, in offset order, no tombstones."""
    last = {key: (offset, value) for offset, (key, value) in enumerate(records) if key}
    kept = sorted(last.items(), key=lambda item: item[1][0])
    return [(key, value) for key, (_, value) in kept if value is not None]


def _alive(worker: WorkerProcess):
    def check() -> None:
        if not worker.alive:
            raise AssertionError(f"the worker died:\n{worker.output()[-3000:]}")

    return check


def _worker(settings: Settings, log: Path) -> WorkerProcess:
    process = WorkerProcess(settings.model_copy(update={"metrics_port": free_port()}), log)
    process.start().wait_ready()
    return process


def _on(settings: Settings, broker: EmbeddedBroker, **update) -> Settings:
    return settings.model_copy(
        update={
            "bootstrap_servers": broker.bootstrap_servers,
            "router_group_id": f"router-{uuid.uuid4().hex[:8]}",
            **update,
        }
    )


def test_a_replayed_old_bundle_never_changes_what_anyone_receives(
    cluster, registry, store, keyring, policy, tmp_path
):
    bootstrap = cluster.require_bootstrap()
    v1, v2 = _versions(this_installation(cluster, bootstrap))
    compiled = v2.compile(registry, store, keyring)
    prepare_cluster(cluster, bootstrap, registry, policy)
    publish_schemas(cluster, bootstrap, list(compiled.store))
    publish_bundle(cluster, bootstrap, v1)
    publish_bundle(cluster, bootstrap, v2)
    officer = read_signing_key(cluster.signing_key)
    old = officer.sign(v1.to_bytes())  # what an attacker finds on the topic and replays

    # 1. a worker that starts now runs version 2: the OM gets a pseudonym
    first = _worker(cluster, tmp_path / "w1.log")
    try:
        assert _om_bsn(cluster, store, compiled, first, 1).startswith("PS1.")
        # 2. live attacks without the signing key: replay v1 under its own key and under
        # v2's, delete v2, and a copy of v1 re-signed by an untrusted key as version 99
        intruder = SigningKey.generate("intruder")
        raised = intruder.sign(Bundle(v1.files, v1.published_at, 99, v1.installation).to_bytes())
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        for key, value in (
            (bundle_key(1), old),
            (bundle_key(2), old),
            (bundle_key(2), None),
            (bundle_key(99), raised),
        ):
            producer.send(topics.COVENANTS, key=key, value=value).get(timeout=10)
        producer.close()
        time.sleep(2)  # the watcher polls every second
        assert _om_bsn(cluster, store, compiled, first, 2).startswith("PS1.")
        output = first.output()
        assert output.count("is older than version 2 in force (no roll-back)") == 2
        assert "is not trusted" in output and "tombstone" in output
    finally:
        first.stop()

    # 3. restarted before any compaction: everything is still on the topic
    second = _worker(cluster, tmp_path / "w2.log")
    try:
        assert _om_bsn(cluster, store, compiled, second, 3).startswith("PS1.")
        assert "older than version" not in second.output()  # superseded: not a word at start
    finally:
        second.stop()

    # 4. after compaction, the control topic holds the last record of each key: version 1
    # (replayed) and the intruder's; version 2's key ends in the tombstone, which is gone too.
    # The status topic likewise, among its records the workers' copy of version 2.
    control = [(bundle_key(1), old), (bundle_key(99), raised)]
    # the same cluster after compaction: the same cluster id, so its bundles stay its own
    with EmbeddedBroker(cluster_id=v1.installation.cluster_id) as fresh:
        after = _on(cluster, fresh)
        prepare_cluster(after, fresh.bootstrap_servers, registry, policy)
        producer = KafkaProducer(bootstrap_servers=fresh.bootstrap_servers, acks="all")
        for key, value in control:
            producer.send(topics.COVENANTS, key=key, value=value).get(timeout=10)
        for key, value in _compacted(read_status(cluster, bootstrap)[0]):
            producer.send(topics.COVENANT_STATUS, key=key, value=value).get(timeout=10)
        producer.close()
        third = _worker(after, tmp_path / "w3.log")
        try:
            assert _om_bsn(after, store, compiled, third, 4).startswith("PS1.")
            statuses = latest(read_status(after, fresh.bootstrap_servers)[0])
            assert any(s.active.version == 2 and s.state == "running" for s in statuses.values())
        finally:
            third.stop()

    # 5. both topics lost (a cluster rebuilt from an old backup): with the minimum version set
    # the worker does not start at all, rather than route under version 1
    with EmbeddedBroker(cluster_id=v1.installation.cluster_id) as rebuilt:
        lost = _on(cluster, rebuilt, covenant_min_version=2)
        prepare_cluster(lost, rebuilt.bootstrap_servers, registry, policy)
        producer = KafkaProducer(bootstrap_servers=rebuilt.bootstrap_servers, acks="all")
        producer.send(topics.COVENANTS, key=bundle_key(1), value=old).get(timeout=10)
        producer.close()
        with Publisher(lost, rebuilt.bootstrap_servers, "politie", store) as politie:
            politie.publish(SignalFactory(seed=5).make("politie", "Signaal").document)
        refused = WorkerProcess(lost, tmp_path / "w4.log").start()
        deadline = time.monotonic() + 60
        while refused.alive and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not refused.alive, refused.output()[-3000:]
        assert refused.stop() != 0
        assert "no valid covenant bundle of version 2 or higher" in refused.output()
        assert read_to_end(lost, rebuilt.bootstrap_servers, topics.inbox("om")) == []
