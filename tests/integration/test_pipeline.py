"""publish -> route -> inbox on a real broker, with a spoofed source and garbage bytes."""

from __future__ import annotations

import json

import pytest

from pipeline import topics
from pipeline.app.process import settings_env
from pipeline.broker.reading import read_to_end
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.codec.framing import decode, encode
from pipeline.ops.accounting import wait_for_ledger
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import identifiers, leaves, run_cli

pytestmark = pytest.mark.integration


def _alive(worker):
    def check() -> None:
        assert worker.alive, worker.output()[-3000:]

    return check


def test_views_dead_letters_and_nothing_lost(cluster, worker, store, policy):
    bootstrap = cluster.require_bootstrap()
    factory = SignalFactory(seed=11)
    signals = [factory.make("politie", "Signaal").document for _ in range(3)]
    for i, doc in enumerate(signals):
        doc["slachtoffer"]["bsn"] = ["111222333", "123456782", "999990019"][i]
    with (
        Publisher(cluster, bootstrap, "politie", store) as politie,
        Publisher(cluster, bootstrap, "nla", store) as nla,
        Publisher(cluster, bootstrap, "gemeente-utrecht", store) as gemeente,
    ):
        politie_ids = {p.event_id for p in politie.publish_many(signals)}
        controle_ids = {
            p.event_id
            for p in nla.publish_many([factory.make("nla", "Controle").document for _ in range(2)])
        }
        unrouted = gemeente.publish(factory.make("gemeente-utrecht", "Signaal").document).event_id
        # hostile: nla's signal written on politie's topic, and bytes that are not Avro at all
        entry, datum = prepare(factory.make("nla", "Signaal").document, "nla", store, factory.now)
        spoof_id = str(datum["envelope"]["event_id"])
        politie.send_raw(spoof_id.encode(), encode(entry, datum)).get(timeout=10)
        gemeente.send_raw(b"garbage-key", b"\x00\x01 definitely not avro").get(timeout=10)

    expected = politie_ids | controle_ids | {unrouted, spoof_id, "garbage-key"}
    ledger = wait_for_ledger(cluster, bootstrap, policy.store, expected, 60, _alive(worker))

    # nothing lost: every input is a disclosure, a no-recipient entry or a dead letter
    assert expected <= ledger.accounted()
    assert ledger.delivered_events() & expected == politie_ids | controle_ids
    assert unrouted in ledger.no_recipient
    assert ledger.dead_letters[spoof_id].reason == "source_mismatch"
    assert ledger.dead_letters["garbage-key"].reason == "not_single_object"

    inbox = {
        partner: [v for v in read_inbox(cluster, bootstrap, partner) if v.key in expected]
        for partner in (
            "om",
            "gemeente-utrecht",
            "comensha",
            "riec-midden-nederland",
            "zorgcoordinatie-utrecht",
            "veilig-thuis-utrecht",
        )
    }
    assert {v.key for v in inbox["om"]} == politie_ids
    assert {v.key for v in inbox["gemeente-utrecht"]} == politie_ids | controle_ids
    assert {v.key for v in inbox["comensha"]} == politie_ids
    assert {v.key for v in inbox["riec-midden-nederland"]} == controle_ids
    om_bsns = {v.datum["slachtoffer"]["bsn"] for v in inbox["om"]}
    assert om_bsns == {"111222333", "123456782", "999990019"}
    for view in inbox["comensha"]:
        fields = leaves(view.datum)
        assert "slachtoffer.voornamen" in fields and "slachtoffer.bsn" not in fields
    bsns = {"111222333", "123456782", "999990019"}
    for view in inbox["gemeente-utrecht"]:
        fields = leaves(view.datum)
        assert not any(
            f.startswith(("slachtoffer.voornamen", "slachtoffer.achternaam")) for f in fields
        )
        if view.key in politie_ids:  # a reversible pseudonym, never the BSN itself
            assert fields["slachtoffer.bsn"].startswith("RP1.k1.gemeente-utrecht.bsn.")
            assert not any(b in str(view.datum) for b in bsns)
    # the zorgcoördinator's inbox opens the encrypted BSN with its own private key file
    assert {v.datum["slachtoffer"]["bsn"] for v in inbox["zorgcoordinatie-utrecht"]} == bsns
    sealed = [
        v
        for v in read_inbox(cluster, bootstrap, "zorgcoordinatie-utrecht", decrypt=False)
        if v.key in expected
    ]
    assert all(v.datum["slachtoffer"]["bsn"].startswith("ENC1.") for v in sealed)
    # one disclosure per delivered view
    disclosed = [d for d in ledger.disclosures.values() if d["event_id"] in expected]
    assert len(disclosed) == sum(len(views) for views in inbox.values())
    # after routing: a routed signal's exact bytes again, and an oversize record. Both are
    # dead letters with their reason, and the worker keeps running.
    first = next(
        r
        for r in read_to_end(cluster, bootstrap, topics.inbound("politie"))
        if r.key.decode() in politie_ids
    )
    with Publisher(cluster, bootstrap, "politie", store) as politie:
        politie.send_raw(b"duplicate-key", first.value).get(timeout=10)
        politie.send_raw(b"oversize-key", b"\xc3\x01" + bytes(100_000)).get(timeout=10)
    later = wait_for_ledger(
        cluster, bootstrap, policy.store, {"duplicate-key", "oversize-key"}, 60, _alive(worker)
    )
    assert later.dead_letters["duplicate-key"].reason == "duplicate_event_id"
    assert "identical to" in later.dead_letters["duplicate-key"].detail
    assert later.dead_letters["oversize-key"].reason == "record_too_large"
    assert worker.alive

    # no identifier reaches a log line of the worker (it logs at info level here)
    output = worker.output()
    assert not [value for value in identifiers(signals) if value in output]


def test_cli_publish_and_inbox(cluster, worker, policy):
    env = settings_env(cluster)
    document = SignalFactory(seed=12).make("nla", "Controle").document
    published = run_cli("publish", "--as", "nla", "-", stdin=json.dumps(document), env=env)
    assert published.returncode == 0, published.stderr
    event_id = published.stdout.strip()
    assert event_id == document["envelope"]["event_id"]
    wait_for_ledger(
        cluster, cluster.require_bootstrap(), policy.store, {event_id}, 60, _alive(worker)
    )
    shown = run_cli("inbox", "--as", "riec-midden-nederland", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    views = [json.loads(line) for line in shown.stdout.splitlines()]
    mine = [v for v in views if v["key"] == event_id]
    assert len(mine) == 1
    assert mine[0]["view"]["kvk_nummer"] == document["kvk_nummer"]
    assert "aangetroffen_werkenden" not in mine[0]["view"]  # not granted by R5


def test_reidentification_needs_a_reason_and_is_logged(cluster, worker, store, policy):
    env = settings_env(cluster)
    bootstrap = cluster.require_bootstrap()
    signal = SignalFactory(seed=13).make("politie", "Signaal").document
    signal["slachtoffer"]["bsn"] = "123456782"
    with Publisher(cluster, bootstrap, "politie", store) as politie:
        event_id = politie.publish(signal).event_id
    wait_for_ledger(cluster, bootstrap, policy.store, {event_id}, 60, _alive(worker))
    (view,) = [v for v in read_inbox(cluster, bootstrap, "gemeente-utrecht") if v.key == event_id]
    label = view.datum["slachtoffer"]["bsn"]
    assert label.startswith("RP1.")
    refused = run_cli("reidentify", label, "--reden", "kort", "--door", "fg-gemeente", env=env)
    assert refused.returncode != 0 and "real reason" in refused.stderr
    done = run_cli(
        "reidentify",
        label,
        "--reden",
        "acuut gevaar, melding 2026-118",
        "--door",
        "fg-gemeente",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "123456782"
    ledger_records = read_to_end(cluster, cluster.require_bootstrap(), topics.DISCLOSURE_LOG)
    logged = [decode(r.value, policy.store)[1] for r in ledger_records]
    (act,) = [e for e in logged if e["outcome"] == "REIDENTIFIED" and e["data_subject_id"] == label]
    assert act["reason"] == "acuut gevaar, melding 2026-118" and act["source"] == "fg-gemeente"
