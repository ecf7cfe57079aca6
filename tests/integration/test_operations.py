"""Operations on a real broker: the worker's /metrics and /health, and `ketenstroom lag`."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest
from kafka import KafkaConsumer

from pipeline import topics
from pipeline.app.process import settings_env
from pipeline.broker.connection import client_config
from pipeline.client.dead_letter_topic import read_dead_letters
from pipeline.client.publisher import Publisher
from pipeline.ops.accounting import wait_for_ledger
from pipeline.ops.dead_letters import REPLAYED_FROM_HEADER
from pipeline.ops.metrics import PHASES, parse_exposition
from pipeline.router.dead_letter import Reason, header
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import identifiers, in_utrecht, run_cli

pytestmark = pytest.mark.integration


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_and_health_while_routing(cluster, worker, registry, store, policy):
    port = worker.settings.metrics_port
    worker.wait_ready()
    health = json.loads(_get(port, "/health")[1])
    assert (health["live"], health["ready"], health["started"], health["broker"]) == (
        True,
        True,
        True,
        "ok",
    )
    assert health["event_ids_loaded"] and health["partitions"] > 0
    bootstrap = cluster.require_bootstrap()
    factory = SignalFactory(seed=77)
    signals = [in_utrecht(factory.make("politie", "Signaal").document) for _ in range(4)]
    with Publisher(cluster, bootstrap, "politie", store) as politie:
        ids = {p.event_id for p in politie.publish_many(signals)}
        politie.send_raw(b"metrics-garbage", b"not avro").get(timeout=10)
    wait_for_ledger(cluster, bootstrap, policy.store, ids | {"metrics-garbage"}, 60)

    status, text = _get(port, "/metrics")
    assert status == 200
    seen = parse_exposition(text)
    assert seen[("ketenstroom_records_in_total", (("source", "politie"),))] >= 5
    assert seen[("ketenstroom_dead_letters_total", (("reason", "not_single_object"),))] >= 1
    assert seen[("ketenstroom_views_out_total", (("recipient", "om"),))] >= 4
    assert seen[("ketenstroom_disclosures_total", (("outcome", "DISCLOSED"),))] >= 4 * 3
    assert seen[("ketenstroom_routing_latency_seconds_count", ())] >= 5
    assert seen[("ketenstroom_covenant_active", (("version", policy.version),))] == 1
    for phase in ("routing", "delivering"):  # where its time went, batch after batch
        assert seen[("ketenstroom_batch_phase_seconds_total", (("phase", phase),))] > 0
    assert seen[("ketenstroom_batch_phase_cpu_seconds_total", (("phase", "routing"),))] > 0
    lags = {k: v for k, v in seen.items() if k[0] == "ketenstroom_consumer_lag"}
    assert lags and all(v >= 0 for v in lags.values())

    # no label value comes from a record: only partner ids, reasons, outcomes, the policy
    # version, topics and partition numbers; and no identifier appears anywhere in the text
    allowed = (
        set(registry.ids)
        | {r.value for r in Reason}
        | {"DISCLOSED", "NO_RECIPIENT", policy.version}
        | set(PHASES)
        | set(registry.inbound_topics())
    )
    assert seen[("process_resident_memory_bytes", ())] > 0  # the standard process metrics
    for metric, labels in seen:
        if not metric.startswith("ketenstroom_"):
            continue  # process_* and python_* carry the interpreter's own labels
        for name, value in labels:
            assert value in allowed or (
                name in ("le", "partition") and re.fullmatch(r"[0-9.e+inf]+|\+Inf", value)
            ), (name, value)
    assert not [value for value in identifiers(signals) if value in text]


def test_lag_command_reports_a_healthy_router_and_a_stopped_group_that_is_no_alarm(
    cluster, worker, registry
):
    env = settings_env(cluster)
    group = worker.settings.router_group_id
    deadline = time.monotonic() + 30
    while True:  # the router commits every few seconds; its lag reaches zero
        result = run_cli("lag", "--group", group, "--samples", "1", "--json", env=env)
        assert result.returncode == 0, result.stderr
        (report,) = json.loads(result.stdout)
        if report["total_lag"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert report["status"] == "OK" and report["members"] >= 1
    assert {p["topic"] for p in report["partitions"]} <= set(registry.inbound_topics())

    # a group that read one record, committed, and left while records remain: STOP, exit 4 (an alert)
    config = client_config(cluster, cluster.require_bootstrap())
    stopped = KafkaConsumer(
        topics.inbound("politie"),
        **config,
        group_id="gestopt",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=1,
    )
    while not stopped.poll(500, max_records=1):
        pass
    stopped.commit()
    stopped.close()
    # without --group: every group, the stopped one among them, but only the router's decides
    # the exit status (issue 31: idle partner inbox groups made every run exit 4)
    result = run_cli("lag", "--samples", "1", "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    reports = {r["group"]: r for r in json.loads(result.stdout)}
    assert reports[group]["alarm"] is True
    report = reports["gestopt"]
    assert report["status"] == "ERR" and report["members"] == 0 and report["alarm"] is False
    assert "STOP" in {p["status"] for p in report["partitions"]}
    # asked for by name, it decides: exit 4 (an alert)
    result = run_cli("lag", "--group", "gestopt", "--samples", "1", "--json", env=env)
    assert result.returncode == 4, result.stdout + result.stderr
    assert json.loads(result.stdout)[0]["alarm"] is True
    # piped, the table is plain lines: no line padded to the width of a terminal
    table = run_cli("lag", "--samples", "1", env=env)
    assert table.returncode == 0 and "gestopt" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) < 200


def test_dlq_list_show_and_replay_once(cluster, worker, store, policy, dead_letter_keys):
    env = settings_env(cluster)
    bootstrap = cluster.require_bootstrap()
    with Publisher(cluster, bootstrap, "politie", store) as politie:
        sent = politie.send_raw(
            b"replay-me", b"\x00 not avro", headers=[("traceparent", b"00-abc")]
        )
        sent.get(timeout=10)
    wait_for_ledger(cluster, bootstrap, policy.store, {"replay-me"}, 60)

    # without the dead-letter key: reason, origin and size, not the partner's key
    plain = run_cli("dlq", "list", "--json", "--reden", "not_single_object", env=env)
    assert plain.returncode == 0, plain.stderr
    assert "replay-me" not in plain.stdout and '"key"' not in plain.stdout
    listed = run_cli("dlq", "list", "--json", "--inhoud", "--reden", "not_single_object", env=env)
    assert listed.returncode == 0, listed.stderr
    (letter,) = [
        entry
        for entry in map(json.loads, listed.stdout.splitlines())
        if entry["key"] == "replay-me"
    ]
    assert letter["origin"].startswith("signalen.politie/") and letter["replayed"] is None
    assert letter["size"] == len(b"\x00 not avro")
    position = letter["position"]
    shown = run_cli("dlq", "show", position, env=env)
    assert shown.returncode == 0 and "traceparent" not in shown.stdout, shown.stdout
    shown = run_cli("dlq", "show", position, "--inhoud", env=env)
    assert shown.returncode == 0 and "traceparent" in shown.stdout, shown.stdout + shown.stderr
    # --inhoud and replay need the privacy role's key; without it they say so and show nothing
    keyless = {**env, "KETENSTROOM_DEAD_LETTER_KEY": str(cluster.keyring.parent / "geen.json")}
    for args in (("show", position, "--inhoud"), ("replay", position)):
        refused = run_cli("dlq", *args, env=keyless)
        assert refused.returncode == 1 and "dead-letter key" in refused.stderr, refused.stderr
        assert "traceparent" not in refused.stdout

    origin = f"{topics.DEAD_LETTER}/{position.replace(':', '/')}"
    replayed = run_cli("dlq", "replay", position, env=env)
    assert replayed.returncode == 0 and "1 replayed" in replayed.stdout, replayed.stderr
    # the router routes the replay again: still not Avro, so a new dead letter that names
    # the one it was replayed from and still carries the original header
    deadline = time.monotonic() + 60
    while True:
        again = [
            d
            for d in read_dead_letters(cluster, bootstrap)
            if _replayed_from(d, dead_letter_keys) == origin
        ]
        if again or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    (second,) = again
    content = second.open(dead_letter_keys)
    assert content.key == b"replay-me" and ("traceparent", b"00-abc") in content.headers
    assert second.reason == "not_single_object"

    # the same dead letter is not replayed twice by accident
    twice = run_cli("dlq", "replay", position, env=env)
    assert (
        twice.returncode == 0 and "0 replayed" in twice.stdout and "replayed before" in twice.stdout
    )
    nothing = run_cli("dlq", "replay", env=env)
    assert nothing.returncode == 1 and "say which dead letters" in nothing.stderr


def _replayed_from(letter, keys) -> str | None:
    """Which dead letter a dead letter's record was a replay of (a header sealed with it)."""
    return header(letter.open(keys).headers, REPLAYED_FROM_HEADER)


def test_the_operator_reads_no_personal_data_from_the_dead_letter_topic(cluster, worker, store):
    """As the operator's role may (Read on ketenstroom.dlq), with a plain Kafka client: no BSN,
    no name, no partner key or header value in any byte. And a 1,000,500-byte record becomes a
    dead letter while the worker keeps running."""
    import datetime as dt

    from kafka import KafkaProducer

    from pipeline.codec.framing import encode
    from pipeline.signals.prepare import prepare

    bootstrap = cluster.require_bootstrap()
    document = SignalFactory(seed=78).make("politie", "Signaal").document
    entry, datum = prepare(document, "politie", store, dt.datetime.now(dt.UTC))
    datum["slachtoffer"]["bsn"] = "123456789"  # fails the 11-check: a dead letter
    bsn = document["slachtoffer"]["bsn"]
    secrets = [bsn, "123456789", *identifiers([document]), "dossier-geheim"]
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=2**21)
    sent = [
        producer.send(
            topics.inbound("politie"),
            key=b"123456789",  # a partner that uses the BSN as its Kafka key
            value=encode(entry, datum),
            headers=[("x-dossier", b"dossier-geheim")],
        ),
        producer.send(topics.inbound("politie"), key=b"huge", value=b"\xc3\x01" + b"x" * 1_000_498),
    ]
    offsets = {f"signalen.politie/{s.get(timeout=30).partition}/{s.get().offset}" for s in sent}
    producer.close()
    deadline = time.monotonic() + 60
    while True:
        letters = {d.origin: d for d in read_dead_letters(cluster, bootstrap)}
        if offsets <= set(letters) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert offsets <= set(letters), worker.output()[-3000:]
    assert worker.alive
    raw = KafkaConsumer(
        topics.DEAD_LETTER,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
        group_id=None,
    )
    wire = b"".join(
        (r.key or b"") + (r.value or b"") + b"".join(k.encode() + (v or b"") for k, v in r.headers)
        for r in raw
    )
    raw.close()
    for secret in secrets:
        assert secret.encode() not in wire, secret
    reasons = {letters[o].reason for o in offsets}
    assert reasons == {"invalid_record", "record_too_large"}
    huge = next(letters[o] for o in offsets if letters[o].reason == "record_too_large")
    assert huge.size == 1_000_500 and huge.truncated == ["value"]
