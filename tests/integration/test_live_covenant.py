"""A covenant change reaches a running worker without a restart, `convenant publish` reports who
adopted and who refused it, and an invalid bundle is refused."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from pipeline import topics
from pipeline.app.process import settings_env
from pipeline.broker.embedded import EmbeddedBroker
from pipeline.client.covenant_topic import (
    publish_bundle,
    published_versions,
    this_installation,
)
from pipeline.client.publisher import Publisher
from pipeline.client.schema_topic import publish_schemas
from pipeline.ops.accounting import read_ledger, wait_for_ledger
from pipeline.publication.bundle import Bundle, Installation, bundle_key
from pipeline.publication.signing import (
    SigningKey,
    create_signing_key,
    read_signing_key,
    read_trusted_signers,
)
from pipeline.router.disclosure import activity_ids
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN
from tests.helpers import covenant_statuses, run_cli, until

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


def _next_version(cluster) -> int:
    trusted = read_trusted_signers(cluster.trusted_signers)
    return max(published_versions(cluster, cluster.require_bootstrap(), trusted), default=0) + 1


def _with_fairwork(version: int, installation: Installation) -> Bundle:
    bundle = Bundle.from_directory(CONVENANTEN, installation)
    ((name, text),) = bundle.files.items()
    # a versie of its own: the module's first test published 2025.2 with the shipped rules, and
    # a published version's text never changes (issue 25)
    text = text.replace('versie: "2025.1"', 'versie: "2025.4"').replace(
        "    - veilig-thuis-utrecht\n", "    - veilig-thuis-utrecht\n    - fairwork\n"
    )
    return Bundle({name: text + NEW_RULE}, bundle.published_at, version, installation)


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


def test_publish_reports_who_adopted_and_who_refused(cluster, worker, covenant_dir, tmp_path):
    env = settings_env(cluster)
    worker.wait_ready()
    assert until(lambda: any(s["alive"] for s in covenant_statuses(env).values())), worker.output()
    (name,) = covenant_statuses(env)
    covenant = covenant_dir / "midden-nederland.yaml"
    covenant.write_text(covenant.read_text().replace('versie: "2025.1"', 'versie: "2025.2"'))

    published = run_cli("convenant", "publish", str(covenant_dir), "--wacht", "30", env=env)
    assert published.returncode == 0, published.stdout + published.stderr
    version = _next_version(cluster) - 1
    assert f"Versie {version} gepubliceerd" in published.stdout
    assert f"Overgenomen (versie {version}) door: {name}" in published.stdout
    status = covenant_statuses(env)[name]
    assert (status["active"]["version"], status["active"]["policy"]) == (
        version,
        "midden-nederland@2025.2",
    )

    # the same content again: nothing new is written, and the worker runs it
    again = run_cli("convenant", "publish", str(covenant_dir), "--wacht", "5", env=env)
    assert again.returncode == 0 and "al gepubliceerd" in again.stdout, again.stdout
    assert _next_version(cluster) == version + 1

    # changed content under a version already used, or a lower one: refused before sending
    covenant.write_text(covenant.read_text().replace('versie: "2025.2"', 'versie: "2025.3"'))
    for asked, why in ((version, "met een andere inhoud"), (0, "is lager dan")):
        refused = run_cli(
            "convenant", "publish", str(covenant_dir), "--versie", str(asked), env=env
        )
        assert refused.returncode == 1 and "Niet gepubliceerd" in refused.stderr, refused.stderr
        assert why in refused.stderr
    assert _next_version(cluster) == version + 1

    # signed with a key the workers do not trust: the worker refuses, publish says so, exit 2
    stranger = create_signing_key("vreemde", tmp_path / "vreemd.json", tmp_path / "vreemd-ok.json")
    env_stranger = {**env, "KETENSTROOM_SIGNING_KEY": str(tmp_path / "vreemd.json")}
    refused = run_cli("convenant", "publish", str(covenant_dir), "--wacht", "30", env=env_stranger)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"Geweigerd door {name}" in refused.stdout
    assert f"signer {stranger.sleutel_id} is not trusted" in refused.stdout
    status = covenant_statuses(env)[name]
    assert status["active"]["version"] == version  # it keeps what it ran
    assert status["events"][-1]["outcome"] == "refused"
    assert not status["events"][-1]["verified"]


def test_live_switch_and_refusal(cluster, worker, registry, store, keyring, policy):
    factory = SignalFactory(seed=21)
    bootstrap = cluster.require_bootstrap()
    assert not _fairwork_receives(cluster, store, policy, worker, factory)

    v2 = _with_fairwork(_next_version(cluster), this_installation(cluster, bootstrap))
    # publish the view schemas of v2 first, as `convenant publish` does
    compiled = v2.compile(registry, store, keyring)
    publish_schemas(cluster, bootstrap, list(compiled.store))
    publish_bundle(cluster, bootstrap, v2)
    assert until(lambda: _fairwork_receives(cluster, store, compiled, worker, factory)), (
        worker.output()[-3000:]
    )
    ledger = read_ledger(cluster, bootstrap, compiled.store)
    versions = {
        compiled.register[activity].record["convenant_versie"]
        for d in ledger.disclosures.values()
        if d["recipient"] == "fairwork"
        for activity in activity_ids(d)
    }
    assert versions == {"2025.4"}

    # on the control topic: a broken bundle signed by the officer, a bundle that withdraws
    # fairwork's rule unsigned and signed by an untrusted key, and garbage; all of a higher
    # version. All are refused, and the worker keeps v2.
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    later = dt.datetime.now(dt.UTC).isoformat()
    higher = v2.version + 1
    broken = Bundle(
        {k: v.replace("sector: doorgeven", "sectorr: doorgeven") for k, v in v2.files.items()},
        later,
        higher,
        v2.installation,
    )
    withdrawn = Bundle(
        {k: v.replace(NEW_RULE, "") for k, v in v2.files.items()}, later, higher, v2.installation
    )
    officer = read_signing_key(cluster.signing_key)
    intruder = SigningKey.generate("intruder")
    for raw in (
        officer.sign(broken.to_bytes()),
        withdrawn.to_bytes(),
        intruder.sign(withdrawn.to_bytes()),
        b"not a bundle",
    ):
        producer.send(topics.COVENANTS, key=bundle_key(higher), value=raw).get(timeout=10)
    producer.close()
    time.sleep(2)  # the watcher polls every second
    assert _fairwork_receives(cluster, store, compiled, worker, factory)
    output = worker.output()
    assert "unknown field sectorr" in output and "is not trusted" in output
    assert "not a signed bundle" in output
