"""The pure parts of operations: dead letters and replay plans, metrics counting, health,
and how the security settings reach every Kafka client."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ssl
from types import SimpleNamespace

import pytest

from pipeline import topics
from pipeline.broker.connection import aiokafka_config, client_config, faust_credentials
from pipeline.errors import KetenstroomError
from pipeline.ops.dead_letters import (
    REPLAYED_FROM_HEADER,
    DeadLetter,
    plan_replay,
    select,
)
from pipeline.ops.health import Health
from pipeline.ops.metrics import PHASES, BatchClock, RouterMetrics, parse_exposition, total
from pipeline.privacy.dead_letter_key import DeadLetterPublicKey
from pipeline.router.core import route
from pipeline.router.dead_letter import dead_letter
from pipeline.settings import Settings
from tests.helpers import inbound

NOW = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


def stored(record, partition: int, offset: int) -> DeadLetter:
    """A dead letter as read back from the topic."""
    return DeadLetter.from_record(
        SimpleNamespace(
            partition=partition,
            offset=offset,
            timestamp=1_700_000_000_000,
            key=record.key,
            value=record.value,
            headers=list(record.headers),
        )
    )


def letters(key: DeadLetterPublicKey) -> list[DeadLetter]:
    with_key = inbound("politie", b"not avro", key=b"id-1", offset=7)
    with_key = dataclasses.replace(with_key, headers=(("traceparent", b"00-1"),))
    keyless = inbound("nla", b"", offset=3)
    foreign = inbound("politie", b"x", key=b"id-3", topic="elders")
    return [
        stored(dead_letter(with_key, "not_single_object", "no C3 01", "p1", key), 0, 10),
        stored(dead_letter(keyless, "empty_value", "empty", "p1", key), 1, 4),
        stored(dead_letter(foreign, "unknown_source_topic", "?", "p1", key), 2, 0),
    ]


def test_a_dead_letter_gives_back_the_original_record_only_with_the_key(dead_letter_keys):
    first, keyless, _ = letters(dead_letter_keys.public_key())
    assert (first.position, first.reason, first.detail, first.policy, first.size) == (
        "0:10",
        "not_single_object",
        "no C3 01",
        "p1",
        8,
    )
    # without the key: reason, origin and size, never the partner's key, headers or bytes
    assert first.origin == "signalen.politie/0/7" and first.label() == first.origin
    assert first.key == b"signalen.politie/0/7"
    assert b"id-1" not in first.value and b"00-1" not in first.value
    assert all(name.startswith("ketenstroom-") for name, _ in first.headers)
    with pytest.raises(KetenstroomError, match="opens only with the dead-letter key"):
        first.open(None)
    content = first.open(dead_letter_keys)
    assert (content.key, content.value) == (b"id-1", b"not avro")
    assert content.headers == (("traceparent", b"00-1"),) and content.complete
    assert first.label(dead_letter_keys) == "id-1"
    # a record that had no key comes back without one
    assert keyless.open(dead_letter_keys).key is None
    assert keyless.label(dead_letter_keys) == "signalen.nla/0/3"


def test_select_by_position_reason_and_source(dead_letter_keys):
    all_ = letters(dead_letter_keys.public_key())
    assert [d.position for d in select(all_, ["1:4", "0:10", "1:4"])] == ["1:4", "0:10"]
    assert [d.position for d in select(all_, reason="empty_value")] == ["1:4"]
    assert [d.position for d in select(all_, source="politie")] == ["0:10"]
    with pytest.raises(LookupError, match="9:9"):
        select(all_, ["9:9"])


def test_replay_plan_goes_only_to_inbound_topics_and_only_once(dead_letter_keys):
    first, keyless, foreign = letters(dead_letter_keys.public_key())
    inbound_topics = [topics.inbound("politie"), topics.inbound("nla")]
    ledger = {"1:4": {"at": "gisteren"}}
    plan = plan_replay([first, keyless, foreign], ledger, inbound_topics, dead_letter_keys)
    assert [d.position for d, _ in plan.replay] == ["0:10"]
    skipped = {d.position: why for d, why in plan.skipped}
    assert "replayed before at gisteren" in skipped["1:4"]
    assert "not a partner's inbound topic" in skipped["2:0"]
    ((_, record),) = plan.replay
    assert (record.topic, record.partition, record.key, record.value) == (
        "signalen.politie",
        0,
        b"id-1",
        b"not avro",
    )
    assert record.headers == (
        ("traceparent", b"00-1"),
        (REPLAYED_FROM_HEADER, b"ketenstroom.dlq/0/10"),
    )
    again = plan_replay([keyless], ledger, inbound_topics, dead_letter_keys, again=True)
    assert [r.key for _, r in again.replay] == [None]
    # without the dead-letter key nothing can be replayed: the content is sealed
    none = plan_replay([first], {}, inbound_topics, None)
    assert not none.replay and "dead-letter key" in none.skipped[0][1]


def test_the_batch_loop_s_time_is_split_into_phases_that_add_up():
    clock = BatchClock()
    # the first batch after start-up waited for nothing: joining the group is not waiting
    first = clock.lap((10.0, 1.0), (10.1, 1.05), (10.5, 1.4), (10.75, 1.5))
    assert first["waiting"] == (0.0, 0.0)
    assert first["catch_up"] == pytest.approx((0.1, 0.05))
    assert first["routing"] == pytest.approx((0.4, 0.35))
    assert first["delivering"] == pytest.approx((0.25, 0.1))
    second = clock.lap((11.0, 1.6), (11.0, 1.6), (11.2, 1.8), (11.3, 1.85))
    assert second["waiting"] == pytest.approx((0.25, 0.1))  # since the last delivery
    walls = [wall for lap in (first, second) for wall, _ in lap.values()]
    assert sum(walls) == pytest.approx(11.3 - 10.0)
    clock.restart()
    assert clock.lap((20.0, 2.0), (20.0, 2.0), (20.1, 2.1), (20.2, 2.1))["waiting"] == (0.0, 0.0)

    metrics = RouterMetrics()
    wall, cpu = "ketenstroom_batch_phase_seconds_total", "ketenstroom_batch_phase_cpu_seconds_total"
    seen = parse_exposition(metrics.exposition().decode())
    assert {seen[(m, (("phase", p),))] for m in (wall, cpu) for p in PHASES} == {0}  # from start
    metrics.time_phases(first)
    metrics.time_phases({**second, "someone_elses": (9.0, 9.0), "routing": (-1.0, -1.0)})
    seen = parse_exposition(metrics.exposition().decode())
    assert seen[(wall, (("phase", "routing"),))] == pytest.approx(0.4)  # a negative adds nothing
    assert seen[(cpu, (("phase", "routing"),))] == pytest.approx(0.35)
    assert seen[(wall, (("phase", "waiting"),))] == pytest.approx(0.25)
    assert not [k for k in seen if k[0] in (wall, cpu) and k[1][0][1] not in PHASES]


def test_metrics_count_a_batch(policy, store, registry):
    from pipeline.synthetic.generator import SignalFactory
    from tests.helpers import in_utrecht, signal_bytes

    factory = SignalFactory(seed=5, now=NOW)
    document = in_utrecht(factory.make("politie", "Signaal").document)
    _, value = signal_bytes(store, document, "politie", NOW)
    records = [
        dataclasses.replace(inbound("politie", value, offset=0), timestamp=99.0),
        inbound("politie", b"garbage", offset=1),  # no timestamp: no latency observed
    ]
    results = [route(r, policy, NOW) for r in records]
    metrics = RouterMetrics(sources=["politie", "nla"], recipients=registry.ids)
    metrics.count_batch(records, results, started=100.0, acknowledged=100.25)
    metrics.set_covenant("v1")
    metrics.set_covenant("v2")
    metrics.watch_lag(lambda: {("signalen.politie", 0): 3})
    seen = parse_exposition(metrics.exposition().decode())
    assert seen[("ketenstroom_records_in_total", (("source", "politie"),))] == 2
    assert seen[("ketenstroom_records_in_total", (("source", "nla"),))] == 0  # known from the start
    views = len(results[0].deliveries)
    assert views >= 3
    assert total(seen, "ketenstroom_views_out_total") == views
    assert seen[("ketenstroom_disclosures_total", (("outcome", "DISCLOSED"),))] == views
    assert seen[("ketenstroom_dead_letters_total", (("reason", "not_single_object"),))] == 1
    assert seen[("ketenstroom_dead_letters_total", (("reason", "invalid_record"),))] == 0
    assert seen[("ketenstroom_covenant_active", (("version", "v2"),))] == 1
    assert ("ketenstroom_covenant_active", (("version", "v1"),)) not in seen
    assert (
        seen[("ketenstroom_consumer_lag", (("partition", "0"), ("topic", "signalen.politie")))] == 3
    )


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_health_is_live_until_a_batch_or_the_loop_hangs():
    clock = Clock()
    health = Health(stuck_after=10, clock=clock)
    assert health.live() and not health.ready and not health.started
    clock.now = 100
    health.batch_started()
    clock.now = 109
    assert health.live()
    clock.now = 111
    assert not health.live()  # a hung delivery: restart (it committed nothing)
    health.batch_done()
    assert health.live()
    health.tick(partitions=3)
    clock.now = 120
    assert health.live()
    clock.now = 122
    assert not health.live()  # the event loop stopped ticking: blocked
    health.tick(partitions=3)
    assert health.live()


def test_ready_needs_event_ids_a_partition_and_an_answering_broker_and_started_stays():
    clock = Clock()
    health = Health(stuck_after=10, clock=clock)
    health.tick(partitions=0)
    health.event_ids_loaded = True
    health.broker_answered()
    assert not health.ready and health.report()["partitions"] == 0  # nothing assigned yet
    health.tick(partitions=2)
    assert health.ready and health.started
    health.broker_failed("Failed to get metadata: Local: Broker transport failure")
    report = health.report()
    assert not report["ready"] and report["live"] and report["started"]
    assert "transport failure" in report["broker"]
    health.broker_answered()
    assert health.ready
    health.stopping = True  # SIGTERM: not ready from then on, still started
    assert not health.ready and health.started


def test_security_settings_reach_every_client(tmp_path):
    plain = Settings()
    assert client_config(plain, "a:1,b:2")["security_protocol"] == "PLAINTEXT"
    assert "sasl_plain_password" not in client_config(plain, "a:1")
    assert faust_credentials(plain) is None

    scram = Settings(security_protocol="SASL_SSL", sasl_username="politie", sasl_password="geheim")
    kafka_python = client_config(scram, "a:1")
    assert kafka_python["bootstrap_servers"] == ["a:1"]
    assert (kafka_python["sasl_mechanism"], kafka_python["sasl_plain_username"]) == (
        "SCRAM-SHA-512",
        "politie",
    )
    assert kafka_python["sasl_plain_password"] == "geheim" and kafka_python["ssl_check_hostname"]
    aio = aiokafka_config(scram, "a:1")
    assert aio["security_protocol"] == "SASL_SSL" and isinstance(aio["ssl_context"], ssl.SSLContext)
    credentials = faust_credentials(scram)
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_SSL"
    assert "geheim" not in repr(scram)  # the password never shows in logs of the settings

    with pytest.raises(ValueError, match="SASL_USERNAME"):
        Settings(security_protocol="SASL_PLAINTEXT")
    with pytest.raises(ValueError, match="go together"):
        Settings(security_protocol="SSL", ssl_certfile=tmp_path / "c.pem")
