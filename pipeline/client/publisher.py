"""Publish signals as a partner: validate, encode, send to one's own inbound topic, confirm."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.broker.connection import client_config
from pipeline.codec.framing import encode
from pipeline.codec.schema_store import SchemaStore
from pipeline.errors import BrokerError
from pipeline.router.core import EVENT_ID_HEADER, TRACEPARENT_HEADER
from pipeline.settings import Settings
from pipeline.signals.prepare import prepare


@dataclass(frozen=True)
class Encoded:
    """A validated signal, encoded and ready to send."""

    event_id: str
    event_type: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Published:
    """A signal the broker has acknowledged."""

    event_id: str
    event_type: str
    topic: str
    partition: int
    offset: int


class Publisher:
    """A partner's publishing client. Validation happens before anything is sent."""

    def __init__(
        self, settings: Settings, bootstrap: str | None, partner: str, store: SchemaStore
    ) -> None:
        self.settings = settings
        self.partner = partner
        self.topic = topics.inbound(partner)
        self.store = store
        self._bootstrap = bootstrap
        self._client: KafkaProducer | None = None

    @property
    def _producer(self) -> KafkaProducer:
        """The Kafka producer, connected on first use (validation needs no broker)."""
        if self._client is None:
            self._bootstrap = self._bootstrap or self.settings.require_bootstrap()
            try:
                self._client = KafkaProducer(
                    **client_config(self.settings, self._bootstrap),
                    acks="all",
                    retries=3,
                    # a partner writes only its own topic, which exists; never create one
                    allow_auto_create_topics=False,
                    linger_ms=5,
                    max_block_ms=int(self.settings.request_timeout_s * 1000),
                    # a send not acknowledged by then fails, so nothing waits for ever
                    delivery_timeout_ms=int(self._delivery_timeout_s * 1000),
                )
            except KafkaError as exc:
                raise BrokerError(f"cannot reach Kafka at {self._bootstrap}: {exc}") from exc
        return self._client

    def encode(self, document: dict[str, Any], event_type: str | None = None) -> Encoded:
        """Validate and encode one document; raises (and sends nothing) if it is invalid."""
        entry, datum = prepare(
            document, self.partner, self.store, dt.datetime.now(dt.UTC), event_type
        )
        envelope = datum["envelope"]
        event_id = str(envelope["event_id"])
        traceparent = f"00-{envelope['trace_id']}-{envelope['span_id']}-01"
        return Encoded(
            event_id=event_id,
            event_type=entry.short_name,
            key=event_id.encode(),
            value=encode(entry, datum),
            headers=(
                (EVENT_ID_HEADER, event_id.encode()),
                (TRACEPARENT_HEADER, traceparent.encode()),
            ),
        )

    def connect(self, bootstrap: str) -> None:
        """Use these bootstrap servers (e.g. after checking that one answers)."""
        self._bootstrap = bootstrap

    def send_raw(
        self, key: bytes | None, value: bytes, headers: tuple[tuple[str, bytes], ...] = ()
    ) -> Any:
        """Send bytes as they are to this partner's inbound topic; returns the producer future."""
        return self._producer.send(self.topic, key=key, value=value, headers=list(headers))

    def publish(self, document: dict[str, Any], event_type: str | None = None) -> Published:
        """Validate, encode, send and wait for the broker's acknowledgement."""
        return self.publish_many([document], event_type)[0]

    def publish_many(
        self, documents: list[dict[str, Any]], event_type: str | None = None
    ) -> list[Published]:
        """Validate all documents first (none is sent if one is invalid), then send and confirm all."""
        return self.send_encoded([self.encode(doc, event_type) for doc in documents])

    def send_encoded(self, encoded: list[Encoded]) -> list[Published]:
        """Send encoded signals and wait until the broker has acknowledged every one."""
        try:
            futures = [self.send_raw(e.key, e.value, e.headers) for e in encoded]
            metadata = [f.get(timeout=self._delivery_timeout_s + 1) for f in futures]
        except KafkaError as exc:
            self._abandon()  # the next publish starts afresh, e.g. after a broker restart
            raise BrokerError(
                f"Kafka did not acknowledge the signal(s) on {self.topic}: {exc}. "
                "Treat them as not published and publish again (event ids make it safe)."
            ) from exc
        return [
            Published(e.event_id, e.event_type, md.topic, md.partition, md.offset)
            for e, md in zip(encoded, metadata, strict=True)
        ]

    def flush(self) -> None:
        """Wait until everything sent so far has left the client."""
        if self._client is not None:
            self._client.flush(timeout=self.settings.request_timeout_s)

    def close(self) -> None:
        """Flush and close the producer, if one was made; BrokerError if sends stay unacknowledged."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close(timeout=self.settings.request_timeout_s)
            except KafkaError as exc:
                self._discard(client)
                raise BrokerError(
                    f"signals sent to {self.topic} were not acknowledged: {exc}"
                ) from exc

    @property
    def _delivery_timeout_s(self) -> float:
        return 2 * self.settings.request_timeout_s

    def _abandon(self) -> None:
        """Drop the producer and whatever it still holds; those sends were reported as failed."""
        client, self._client = self._client, None
        if client is not None:
            self._discard(client)

    def _discard(self, client: KafkaProducer) -> None:
        """Close a producer whose pending sends count as failed. kafka-python's close() flushes
        first and raises if sends are pending, so let them expire (bounded by the delivery
        timeout) before closing."""
        with contextlib.suppress(KafkaError):
            client.flush(timeout=self._delivery_timeout_s)
        with contextlib.suppress(KafkaError):
            client.close(timeout=0)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:  # the error in flight is the one to report
            self._abandon()
