"""A covenant change reaches a running worker without a restart; an invalid bundle is refused."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from pipeline import topics
from pipeline.broker.embedded import EmbeddedBroker
from pipeline.client.covenant_topic import publish_bundle
from pipeline.client.publisher import Publisher
from pipeline.client.schema_topic import publish_schemas
from pipeline.covenant.bundle import BUNDLE_KEY, Bundle
from pipeline.covenant.signing import SigningKey, read_signing_key
from pipeline.ops.accounting import read_ledger, wait_for_ledger
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN

pytestmark = pytest.mark.integration

NEW_RULE = """
  - id: R8
    artikel: "10.1"
    bronnen: [politie]
    signaaltype: Signaal
    ontvangers: [fairwork]
    doel: zorg
    grondslag: toestemming
    bewaartermijn: P1Y
    velden:
      sector: doorgeven
"""


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: the bundles it publishes must not reach other tests."""
    with EmbeddedBroker() as running:
        yield running


def _version_2() -> Bundle:
    bundle = Bundle.from_directory(CONVENANTEN)
    ((name, text),) = bundle.files.items()
    text = text.replace('versie: "2025.1"', 'versie: "2025.2"').replace(
        "    - veilig-thuis-utrecht\n", "    - veilig-thuis-utrecht\n    - fairwork\n"
    )
    return Bundle({name: text + NEW_RULE}, bundle.published_at)


def _fairwork_receives(cluster, store, policy, worker, factory) -> bool:
    """Publish one probe signal and say whether fairwork got a view of it."""
    bootstrap = cluster.require_bootstrap()
    with Publisher(cluster, bootstrap, "politie", store) as politie:
        event_id = politie.publish(factory.make("politie", "Signaal").document).event_id
    ledger = wait_for_ledger(cluster, bootstrap, policy.store, {event_id}, 30)
    assert worker.alive, worker.output()[-3000:]
    return f"{event_id}" in {
        d["event_id"] for d in ledger.disclosures.values() if d["recipient"] == "fairwork"
    }


def _until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
    return False


def test_live_switch_and_refusal(cluster, worker, registry, store, keyring, policy):
    factory = SignalFactory(seed=21)
    bootstrap = cluster.require_bootstrap()
    assert not _fairwork_receives(cluster, store, policy, worker, factory)

    v2 = _version_2()
    # publish the view schemas of v2 first, as `convenant publish` does
    compiled = v2.compile(registry, store, keyring)
    publish_schemas(cluster, bootstrap, list(compiled.store))
    publish_bundle(cluster, bootstrap, v2)
    assert _until(lambda: _fairwork_receives(cluster, store, compiled, worker, factory)), (
        worker.output()[-3000:]
    )
    ledger = read_ledger(cluster, bootstrap, compiled.store)
    versions = {
        g["covenant_version"]
        for d in ledger.disclosures.values()
        if d["recipient"] == "fairwork"
        for g in d["grants"]
    }
    assert versions == {"2025.2"}

    # on the control topic: a broken bundle signed by the officer, a bundle that withdraws
    # fairwork's rule unsigned and signed by an untrusted key, and garbage. All are refused,
    # and the worker keeps v2.
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    later = dt.datetime.now(dt.UTC).isoformat()
    broken = Bundle(
        {k: v.replace("sector: doorgeven", "sectorr: doorgeven") for k, v in v2.files.items()},
        later,
    )
    withdrawn = Bundle({k: v.replace(NEW_RULE, "") for k, v in v2.files.items()}, later)
    officer = read_signing_key(cluster.signing_key)
    intruder = SigningKey.generate("intruder")
    for raw in (
        officer.sign(broken.to_bytes()),
        withdrawn.to_bytes(),
        intruder.sign(withdrawn.to_bytes()),
        b"not a bundle",
    ):
        producer.send(topics.COVENANTS, key=BUNDLE_KEY, value=raw).get(timeout=10)
    producer.close()
    time.sleep(2)  # the watcher polls every second
    assert _fairwork_receives(cluster, store, compiled, worker, factory)
    output = worker.output()
    assert "unknown field sectorr" in output and "is not trusted" in output
    assert "not a signed bundle" in output
