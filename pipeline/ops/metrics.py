"""Prometheus metrics of a router worker.

Label values come only from configuration, never from a record: partner ids (the topic a record
came from or went to), dead-letter reasons (a fixed list), disclosure outcomes, the covenant
version. A signal's content cannot reach a metric, so scraping is safe for any operator.
"""

from __future__ import annotations

import collections
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from pipeline import topics
from pipeline.router.dead_letter import REASON_HEADER, Reason, header
from pipeline.router.records import Inbound, RouteResult

#: From a signal's append to Kafka until its outputs were acknowledged (seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNKNOWN = "onbekend"
#: Where a worker's time goes, batch after batch: waiting (from one batch's delivery until the
#: next batch starts: records fetched and handed over by Faust, or none there), catch_up
#: (reading the event ids other workers claimed), routing (the core), delivering (from handing
#: the outputs to the producer until Kafka acknowledged each; the loop takes in the next
#: batch's records meanwhile).
PHASES = ("waiting", "catch_up", "routing", "delivering")

LagReading = Callable[[], Mapping[tuple[str, int], int]]


#: A moment of the batch loop: (wall clock, CPU time of the thread that runs the loop).
Reading = tuple[float, float]


def reading() -> Reading:
    """Now, for BatchClock: perf_counter and this thread's CPU time (the router's event loop)."""
    return time.perf_counter(), time.thread_time()


class BatchClock:
    """Where the batch loop's time goes (PHASES): wall time, and the CPU time of the loop's own
    thread (librdkafka's and the Kafka consumer's threads are not in it)."""

    def __init__(self) -> None:
        self._delivered: Reading | None = None

    def restart(self) -> None:
        """No batch delivered yet: the next one waited for nothing (start-up and joining the
        consumer group are not waiting for records)."""
        self._delivered = None

    def lap(
        self, started: Reading, caught_up: Reading, routed: Reading, done: Reading
    ) -> dict[str, Reading]:
        """One batch's (wall, CPU) per phase from the readings taken as each phase ended:
        waiting since the previous batch was delivered, then catch_up, routing, delivering."""
        marks = (self._delivered or started, started, caught_up, routed, done)
        self._delivered = done
        return {
            phase: (end[0] - begin[0], end[1] - begin[1])
            for phase, begin, end in zip(PHASES, marks[:-1], marks[1:], strict=True)
        }


class _LagCollector(Collector):
    """The worker's own consumer lag per assigned partition, read when scraped."""

    def __init__(self, reading: LagReading) -> None:
        self._reading = reading

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "ketenstroom_consumer_lag",
            "Records on an assigned inbound partition not yet routed by this worker",
            labels=["topic", "partition"],
        )
        for (topic, partition), lag in sorted(self._reading().items()):
            family.add_metric([topic, str(partition)], lag)
        yield family


class RouterMetrics:
    """Every metric of one worker, in a registry of its own."""

    def __init__(self, sources: Sequence[str] = (), recipients: Sequence[str] = ()) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # process_* (CPU, memory, open files) and python_* (GC, version), as every Prometheus
        # client exports them: a registry of our own leaves them out unless registered.
        for standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            r.register(standard)
        self.records_in = Counter(
            "ketenstroom_records_in",
            "Inbound records read, per source partner",
            ["source"],
            registry=r,
        )
        self.views_out = Counter(
            "ketenstroom_views_out", "Views delivered, per recipient", ["recipient"], registry=r
        )
        self.dead_letters = Counter(
            "ketenstroom_dead_letters",
            "Records sent to the dead-letter topic, per reason",
            ["reason"],
            registry=r,
        )
        self.disclosures = Counter(
            "ketenstroom_disclosures",
            "Disclosure log records written, per outcome (DISCLOSED, NO_RECIPIENT)",
            ["outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "ketenstroom_routing_latency_seconds",
            "From a signal's append to its inbound topic until its outputs were acknowledged",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_seconds = Histogram(
            "ketenstroom_batch_seconds", "Routing and delivering one batch", registry=r
        )
        self.phase_seconds = Counter(
            "ketenstroom_batch_phase_seconds",
            "Wall time of the batch loop per phase (waiting, catch_up, routing, delivering)",
            ["phase"],
            registry=r,
        )
        self.phase_cpu_seconds = Counter(
            "ketenstroom_batch_phase_cpu_seconds",
            "CPU time of the event loop's thread per phase of the batch loop; its rate near 1 "
            "means the worker is the limit",
            ["phase"],
            registry=r,
        )
        self.covenant = Gauge(
            "ketenstroom_covenant_active",
            "1 for the covenant policy version this worker routes with",
            ["version"],
            registry=r,
        )
        self._version: str | None = None
        # Every known series from the start, so dashboards and rate() see zeros, not gaps.
        for source in sources:
            self.records_in.labels(source)
        for recipient in recipients:
            self.views_out.labels(recipient)
        for reason in Reason:
            self.dead_letters.labels(reason.value)
        for outcome in ("DISCLOSED", "NO_RECIPIENT"):
            self.disclosures.labels(outcome)
        for phase in PHASES:
            self.phase_seconds.labels(phase)
            self.phase_cpu_seconds.labels(phase)

    def watch_lag(self, reading: LagReading) -> None:
        """Report consumer lag from ``reading`` (called at every scrape)."""
        self.registry.register(_LagCollector(reading))

    def count_batch(
        self,
        records: Sequence[Inbound],
        results: Sequence[RouteResult],
        started: float,
        acknowledged: float,
    ) -> None:
        """Count one delivered batch: records in, views out, dead letters, log records, and the
        batch's duration and each record's latency (``started``/``acknowledged``: epoch seconds
        when routing began and when Kafka acknowledged the last output)."""
        self.batch_seconds.observe(max(acknowledged - started, 0.0))
        # counted per label first: a labelled child per record costs more than its increment
        sources: collections.Counter[str] = collections.Counter()
        for record in records:
            sources[record.topic] += 1
            if record.timestamp is not None:
                self.latency.observe(max(acknowledged - record.timestamp, 0.0))
        for topic, n in sources.items():
            self.records_in.labels(topics.partner_of_inbound(topic) or UNKNOWN).inc(n)
        inboxes: collections.Counter[str] = collections.Counter()
        disclosed = no_recipient = 0
        for result in results:
            for view in result.deliveries:
                inboxes[view.topic] += 1
            views = len(result.deliveries)
            disclosed += views
            no_recipient += max(len(result.log) - views, 0)
            if result.dead_letter is not None:
                reason = header(result.dead_letter.headers, REASON_HEADER)
                self.dead_letters.labels(reason if reason in _REASONS else UNKNOWN).inc()
        for topic, n in inboxes.items():
            self.views_out.labels(topics.partner_of_inbox(topic) or UNKNOWN).inc(n)
        if disclosed:
            self.disclosures.labels("DISCLOSED").inc(disclosed)
        if no_recipient:
            self.disclosures.labels("NO_RECIPIENT").inc(no_recipient)

    def time_phases(self, spent: Mapping[str, Reading]) -> None:
        """Add one batch's (wall, CPU) seconds per phase (names of PHASES; others ignored)."""
        for phase, (wall, cpu) in spent.items():
            if phase in PHASES:
                self.phase_seconds.labels(phase).inc(max(wall, 0.0))
                self.phase_cpu_seconds.labels(phase).inc(max(cpu, 0.0))

    def set_covenant(self, version: str) -> None:
        """The policy version now in force (the previous one's series is removed)."""
        if version == self._version:
            return
        if self._version is not None:
            self.covenant.remove(self._version)
        self.covenant.labels(version).set(1)
        self._version = version

    def exposition(self) -> bytes:
        """The text a Prometheus scrape receives."""
        return generate_latest(self.registry)


_REASONS = frozenset(r.value for r in Reason)

Sample = tuple[str, tuple[tuple[str, str], ...]]


def parse_exposition(text: str) -> dict[Sample, float]:
    """Every sample of a scrape by (name, sorted labels), e.g. for checks and summaries."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(url: str, timeout: float = 5.0) -> dict[Sample, float]:
    """Read a /metrics endpoint once (parse_exposition of its text)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return parse_exposition(response.read().decode())


def total(samples: dict[Sample, float], name: str) -> float:
    """The sum of one metric over all its labels."""
    return sum(v for (n, _), v in samples.items() if n == name)
