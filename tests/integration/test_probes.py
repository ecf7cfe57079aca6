"""A worker's probes, logs and stop on a broker that stops answering (issue 31).

The module has an embedded broker of its own (the ``broker`` fixture below overrides the
session's): the test pauses it (SIGSTOP: it takes connections but answers nothing, as a broker
behind a broken network does) and resumes it. One worker at a time, with short timeouts: the
broker is asked every 0.5 s, a stop may take 5 s.

- readiness: 503 before the worker has started, 200 once it routes, 503 while the broker does
  not answer (liveness stays 200: a restart would not help), 200 again when it answers;
- a stop while the broker does not answer ends within the shutdown timeout, in the middle of a
  stream, and commits nothing unacknowledged: a second worker accounts for every input;
- the logs with KETENSTROOM_LOG_FORMAT=json: every line one JSON object; one INFO line when
  ready and one when stopped; routine events (dead letters) not at WARNING; a repeated
  connection error written once per window, not hundreds of times a second.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.app.broker_watch import BrokerWatch
from pipeline.app.event_ids import state_directory
from pipeline.app.process import WorkerProcess
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.client.publisher import Publisher
from pipeline.ops.accounting import wait_for_ledger
from pipeline.ops.health import Health
from pipeline.ops.logs import REPEAT_WINDOW_S
from pipeline.ops.metrics import scrape, total
from pipeline.router.event_index import Claim, EventIndex
from pipeline.settings import Settings
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import probe_status

pytestmark = pytest.mark.integration

#: Signals of the stream a worker is stopped in the middle of.
STREAM = 1500


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """This module's own broker: pausing it must not disturb other modules' workers."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="module")
def settings(cluster: Settings, registry, policy, tmp_path_factory) -> Settings:
    prepare_cluster(cluster, cluster.require_bootstrap(), registry, policy)
    return cluster.model_copy(
        update={
            "health_interval_s": 0.5,
            "shutdown_timeout_s": 5.0,
            "log_format": "json",
            "state_dir": Path(tmp_path_factory.mktemp("state")),
        }
    )


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


def _records(log: Path) -> list[dict[str, Any]]:
    """Every line of a worker's output as a JSON object (fails on a line that is not one)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _message(record: dict[str, Any]) -> str:
    return str(record["message"]).split(" (", 1)[0] if record.get("repeated") else record["message"]


def test_readiness_follows_the_broker_and_a_stop_with_the_broker_gone_is_bounded(
    broker, settings, store, tmp_path
):
    bootstrap = settings.require_bootstrap()
    port = free_port()
    first_log = tmp_path / "first.log"
    first = WorkerProcess(settings.model_copy(update={"metrics_port": port}), first_log).start()
    try:
        _until(lambda: probe_status(port, "/health/live") == 200, 30, "the probes answer")
        # seconds before it can route (the group join alone takes longer): not started
        assert (probe_status(port, "/health/started"), probe_status(port, "/health/ready")) == (
            503,
            503,
        )
        _until(lambda: probe_status(port, "/health/ready") == 200, 90, "ready")
        assert probe_status(port, "/health/started") == 200

        factory = SignalFactory(seed=31)
        with Publisher(settings, bootstrap, "politie", store) as politie:
            expected = {
                p.event_id
                for p in politie.publish_many(
                    [factory.make("politie", "Signaal").document for _ in range(20)]
                )
            }
            politie.send_raw(b"probes-garbage", b"not avro").get(timeout=10)
        expected.add("probes-garbage")
        wait_for_ledger(settings, bootstrap, store, expected, 60)
        routine = len(first_log.read_text().splitlines())

        # the broker stops answering: not ready, still live; it answers again: ready again
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            _until(
                lambda: probe_status(port, "/health/ready") == 503, 30, "not ready, broker paused"
            )
            assert probe_status(port, "/health/live") == 200
            assert probe_status(port, "/health/started") == 200
            time.sleep(3)  # connection errors pile up meanwhile
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        _until(lambda: probe_status(port, "/health/ready") == 200, 60, "ready again")

        # a stream, and the broker gone in the middle of it: SIGTERM ends within the
        # shutdown timeout, and commits nothing that Kafka did not acknowledge
        stream = [factory.make("politie", "Signaal").document for _ in range(STREAM)]
        with Publisher(settings, bootstrap, "politie", store) as politie:
            expected |= {p.event_id for p in politie.publish_many(stream)}
        url = f"http://127.0.0.1:{port}/metrics"
        _until(lambda: total(scrape(url), "ketenstroom_records_in_total") > 21, 60, "routing")
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            routed = total(scrape(url), "ketenstroom_records_in_total")
            assert first.process is not None
            first.process.send_signal(signal.SIGTERM)
            try:
                code = first.process.wait(settings.shutdown_timeout_s + 30)
            except subprocess.TimeoutExpired:
                pytest.fail("the worker did not stop by itself with the broker gone")
            first.process = None
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        assert code in (0, 70), first.output()[-3000:]
        print(f"stopped after routing {routed:.0f} of {21 + STREAM} inputs, exit {code}")
    finally:
        first.stop()

    # the first worker's logs: JSON lines, one ready line, routine events below WARNING, and
    # the connection errors of the paused broker rate-limited
    records = _records(first_log)
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    ready = [r for r in records if r["message"].startswith("router worker ready")]
    assert len(ready) == 1 and ready[0]["level"] == "INFO"
    before_pause = records[records.index(ready[0]) : routine]
    assert any(r["message"].startswith("dead letter: not_single_object") for r in before_pause)
    assert not [r for r in before_pause if r["level"] not in ("DEBUG", "INFO")], before_pause
    same = Counter((r["logger"], _message(r)) for r in records if r["level"] != "INFO")
    window_counts = 2 + 60 / REPEAT_WINDOW_S  # the module's pauses take well under a minute
    assert max(same.values()) <= window_counts, same.most_common(3)

    # a second worker routes what the first left: every input accounted for, nothing twice
    second_log = tmp_path / "second.log"
    port = free_port()
    second = WorkerProcess(settings.model_copy(update={"metrics_port": port}), second_log).start()
    try:
        ledger = wait_for_ledger(settings, bootstrap, store, expected, 120)
        assert expected <= ledger.accounted()
        assert not ledger.dead_letter_reasons().get("duplicate_event_id")
    finally:
        code = second.stop()
        assert code == 0, second.output()[-4000:]
    records = _records(second_log)
    stopped = [r for r in records if r["message"].startswith("router worker stopped")]
    assert len(stopped) == 1 and stopped[0]["level"] == "INFO"
    assert len([r for r in records if r["message"].startswith("router worker ready")]) == 1


def test_an_index_of_another_claims_topic_is_refused_not_wiped(settings, tmp_path):
    """Issue 31: a worker that found another deployment's index file wiped it ("starting it
    afresh"). Now it refuses to start (exit 1) and says what to do; the file stays as it was."""
    bootstrap = settings.require_bootstrap()
    cluster_id = BrokerWatch(settings, bootstrap, Health(stuck_after=1)).cluster_id(10)
    directory = state_directory(settings, cluster_id, bootstrap)
    directory.mkdir(parents=True, exist_ok=True)
    stranger = directory / "event-ids-0.sqlite"
    index = EventIndex(stranger)
    index.learn("another-deployments-event", Claim("signalen.politie/0/1", "ab" * 32))
    index.flush({0: (1, b"another-deployments-event", 1_700_000_000_000)})
    index.close()
    before = stranger.read_bytes()
    worker = WorkerProcess(
        settings.model_copy(update={"metrics_port": free_port()}), tmp_path / "refused.log"
    ).start()
    _until(lambda: not worker.alive, 90, "the worker refuses")
    assert worker.process is not None and worker.process.returncode == 1
    (refusal,) = [r for r in _records(tmp_path / "refused.log") if r["level"] == "CRITICAL"]
    assert str(stranger) in refusal["message"] and "delete the file" in refusal["message"]
    assert stranger.read_bytes() == before
    stranger.unlink()  # as the message says: the next worker reads the index from the topic
