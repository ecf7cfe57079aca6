"""A real Kafka-protocol broker (embedded Tansu) for the tests that need one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.demo import EMBEDDED_TIMINGS
from pipeline.privacy.dead_letter_key import write_dead_letter_public_key
from pipeline.privacy.keyring import write_secret_file
from pipeline.publication.signing import create_signing_key
from pipeline.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """One embedded broker for the session, on a free loopback port; stopped afterwards."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="module")
def cluster(broker: EmbeddedBroker, keys, dead_letter_keys, tmp_path_factory) -> Settings:
    """Settings for this broker, with a consumer group of its own per test module, and the
    session's keyring, recipient keys and dead-letter key written where the worker and clients
    look (the public half next to the keyring, as `keys dode-letters` puts it)."""
    keydir = Path(tmp_path_factory.mktemp("keys"))
    keyring, private = keys
    write_secret_file(keydir / "keyring.json", keyring)
    for partner, recipient_keys in private.items():
        write_secret_file(keydir / "ontvangers" / f"{partner}.sleutel.json", recipient_keys)
    create_signing_key("test", keydir / "ondertekening.json", keydir / "ondertekenaars.json")
    write_secret_file(keydir / "dode-letters.sleutel.json", dead_letter_keys)
    write_dead_letter_public_key(
        keydir / "dode-letters.publiek.json", dead_letter_keys.public_key()
    )
    return Settings(
        broker="external",
        bootstrap_servers=broker.bootstrap_servers,
        router_group_id=f"router-{uuid.uuid4().hex[:8]}",
        keyring=keydir / "keyring.json",
        recipient_keys_dir=keydir / "ontvangers",
        signing_key=keydir / "ondertekening.json",
        trusted_signers=keydir / "ondertekenaars.json",
        dead_letter_key=keydir / "dode-letters.sleutel.json",
        covenant_status_interval_s=2.0,
        **EMBEDDED_TIMINGS,
    )


@pytest.fixture(scope="module")
def worker(cluster: Settings, registry, policy, tmp_path_factory) -> Iterator[WorkerProcess]:
    """A router worker process, stopped (and its output shown on failure) after the module."""
    prepare_cluster(cluster, cluster.require_bootstrap(), registry, policy)
    log = Path(tmp_path_factory.mktemp("worker")) / "worker.log"
    settings = cluster.model_copy(update={"metrics_port": free_port()})
    process = WorkerProcess(settings, log).start()
    yield process
    code = process.stop()
    print(f"worker exit code {code}; output:\n{process.output()[-4000:]}")
