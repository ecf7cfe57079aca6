"""The covenant control topic (signed bundles, one key per version) and the workers' status topic."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.errors import BrokerError, KetenstroomError
from pipeline.publication.bundle import Bundle, Installation, bundle_key
from pipeline.publication.signing import (
    TrustedSigners,
    read_signing_key,
    signed_digest,
    verify,
)
from pipeline.publication.status import (
    AdoptionReport,
    WorkerStatus,
    adoption_report,
    copies,
    latest,
)
from pipeline.settings import Settings

Records = list[tuple[bytes | None, bytes | None]]


def this_installation(settings: Settings, bootstrap: str) -> Installation:
    """This installation: its name in settings and its Kafka cluster's id."""
    from pipeline.broker.admin import cluster_id

    return Installation(settings.installatie, cluster_id(settings, bootstrap))


def publish_bundle(settings: Settings, bootstrap: str, bundle: Bundle) -> bytes:
    """Sign a numbered bundle with the configured signing key, write it under its version's
    key, and wait for Kafka's acknowledgement; returns the signed value written."""
    signed = read_signing_key(settings.signing_key).sign(bundle.to_bytes())
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    try:
        producer.send(topics.COVENANTS, key=bundle_key(bundle.version), value=signed).get(
            timeout=settings.request_timeout_s
        )
    except KafkaError as exc:
        raise BrokerError(
            f"the covenant bundle was not acknowledged: {exc}; nothing changed"
        ) from exc
    finally:
        producer.close()
    return signed


def read_control(settings: Settings, bootstrap: str) -> tuple[list[bytes | None], int]:
    """Every value on the control topic in offset order (None for a tombstone), and the offset
    after the last one (where a watcher goes on)."""
    records = read_to_end(settings, bootstrap, topics.COVENANTS)
    return [r.value for r in records], (records[-1].offset + 1 if records else 0)


def read_status(settings: Settings, bootstrap: str) -> tuple[Records, int]:
    """Every (key, value) on the status topic in offset order, and the offset after the last."""
    records = read_to_end(settings, bootstrap, topics.COVENANT_STATUS)
    return [(r.key, r.value) for r in records], (records[-1].offset + 1 if records else 0)


@dataclass(frozen=True)
class Published:
    """A bundle some trusted key signed for this installation, as found on the control or the
    status topic, and the digest of its signed value (signing.signed_digest)."""

    version: int
    digest: str
    bundle: Bundle | None = None
    signed: str | None = None


def published_versions(
    settings: Settings,
    bootstrap: str,
    trusted: TrustedSigners,
    installation: Installation | None = None,
) -> dict[int, Published]:
    """Every version signed by a trusted key for this installation (``installation``; read
    here when not given), on the control topic or copied by a worker (the first one seen per
    version: the one workers adopt). Another installation's bundle takes no version here."""
    here = installation if installation is not None else this_installation(settings, bootstrap)
    control, _ = read_control(settings, bootstrap)
    status, _ = read_status(settings, bootstrap)
    found: dict[int, Published] = {}
    for raw in [*copies(status), *(v for v in control if v)]:
        try:
            bundle = Bundle.from_bytes(verify(raw, trusted)[0])
        except KetenstroomError:
            continue  # unsigned or untrusted: no worker adopts it, so it takes no version
        if bundle.installation != here:
            continue
        found.setdefault(
            bundle.version, Published(bundle.version, bundle.digest, bundle, signed_digest(raw))
        )
    return found


def await_adoption(
    settings: Settings,
    bootstrap: str,
    bundle: Bundle,
    before: dict[str, WorkerStatus],
    since: int,
    timeout: float,
    progress: Callable[[AdoptionReport, float], None] = lambda report, left: None,
    signed: str | None = None,
) -> AdoptionReport:
    """Follow the status topic from offset ``since`` until every worker alive at publication
    answered on ``bundle`` (or ``timeout`` seconds passed); the report of who did what.
    ``signed``: the digest of the value written, so only answers on that record count."""
    consumer = _status_consumer(settings, bootstrap)
    partition = TopicPartition(topics.COVENANT_STATUS, 0)
    after: dict[str, WorkerStatus] = {}
    started = dt.datetime.now(dt.UTC)
    deadline = time.monotonic() + timeout
    try:
        consumer.assign([partition])
        consumer.seek(partition, since)
        while True:
            for batch in consumer.poll(timeout_ms=500).values():
                after.update(latest((r.key, r.value) for r in batch))
            report = adoption_report(
                bundle.version, bundle.digest, before, after, started, signed
            )
            left = deadline - time.monotonic()
            progress(report, max(left, 0.0))
            answered = bool(report.adopted or report.refused)
            if (answered and not report.silent) or left <= 0:
                return report
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topics.COVENANT_STATUS}: {exc}") from exc
    finally:
        consumer.close()


def _status_consumer(settings: Settings, bootstrap: str) -> Any:
    try:
        return KafkaConsumer(
            **client_config(settings, bootstrap), enable_auto_commit=False, group_id=None
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
