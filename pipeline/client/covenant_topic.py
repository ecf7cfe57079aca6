"""The compacted control topic that carries the active covenant bundle."""

from __future__ import annotations

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.broker.reading import read_to_end
from pipeline.covenant.bundle import BUNDLE_KEY, Bundle
from pipeline.covenant.signing import read_signing_key
from pipeline.errors import BrokerError
from pipeline.settings import Settings


def publish_bundle(settings: Settings, bootstrap: str, bundle: Bundle) -> None:
    """Sign a bundle with the configured signing key, write it, wait for Kafka's acknowledgement."""
    signed = read_signing_key(settings.signing_key).sign(bundle.to_bytes())
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all", retries=5)
    try:
        producer.send(topics.COVENANTS, key=BUNDLE_KEY, value=signed).get(
            timeout=settings.request_timeout_s
        )
    except KafkaError as exc:
        raise BrokerError(
            f"the covenant bundle was not acknowledged: {exc}; nothing changed"
        ) from exc
    finally:
        producer.close()


def published_bundles(settings: Settings, bootstrap: str) -> list[bytes]:
    """Every bundle value on the control topic, oldest first."""
    return [r.value for r in read_to_end(settings, bootstrap, topics.COVENANTS) if r.value]
