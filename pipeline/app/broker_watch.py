"""Does the broker answer? A metadata request every few seconds from a client of its own.

Readiness must turn false while the cluster is unreachable, whatever client consumes and
whether or not records are flowing (an idle consumer notices nothing for minutes). So a small
librdkafka admin client, apart from the data path, asks for the metadata of the event-id topic
(which exists: the worker made it at start) and reports each answer or failure to Health.
librdkafka's own log lines go through Python logging (ops.logs), rate-limited there.
"""

from __future__ import annotations

import logging
import threading

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from pipeline import topics
from pipeline.broker.connection import librdkafka_config
from pipeline.ops.health import Health
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.worker")

#: The Kafka cluster id of the embedded broker (Tansu): the same for every one started.
EMBEDDED_CLUSTER_ID = "tansu_cluster"


class BrokerWatch:
    """Asks the broker for metadata every ``interval`` seconds, in a daemon thread."""

    def __init__(self, settings: Settings, bootstrap: str, health: Health) -> None:
        self.health = health
        self.interval = settings.health_interval_s
        self._client = AdminClient(librdkafka_config(settings, bootstrap))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="ketenstroom-broker-watch", daemon=True
        )

    def cluster_id(self, timeout: float) -> str:
        """The cluster's id from its metadata (raises KafkaException when it does not answer)."""
        return str(self._client.list_topics(topics.EVENT_IDS, timeout=timeout).cluster_id)

    def check(self) -> bool:
        """Ask once; report the answer to Health. True when the broker answered in time."""
        try:
            self._client.list_topics(topics.EVENT_IDS, timeout=self.interval)
        except KafkaException as exc:
            self.health.broker_failed(str(exc.args[0]) if exc.args else "no answer")
            return False
        self.health.broker_answered()
        return True

    def start(self) -> BrokerWatch:
        """Check now, then every ``interval`` seconds until ``stop``."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop checking (the thread ends within one interval)."""
        self._stop.set()

    def _run(self) -> None:
        answered = True
        while not self._stop.is_set():
            now = self.check()
            if now != answered:
                if now:
                    log.info("the broker answers again")
                else:
                    log.warning("the broker does not answer: %s", self.health.broker_problem)
                answered = now
            self._client.poll(0)  # hands librdkafka's queued log lines to Python logging
            self._stop.wait(self.interval)
