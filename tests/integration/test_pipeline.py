"""publish -> route -> inbox on a real broker, with a spoofed source and garbage bytes."""

from __future__ import annotations

import json
import re

import pytest

from pipeline import topics
from pipeline.app.process import settings_env
from pipeline.broker.reading import read_to_end
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.codec.framing import encode
from pipeline.ops.accounting import wait_for_ledger
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import ROOT
from tests.helpers import identifiers, in_utrecht, leaves, run_cli

pytestmark = pytest.mark.integration


def _alive(worker):
    def check() -> None:
        assert worker.alive, worker.output()[-3000:]

    return check


def test_views_dead_letters_and_nothing_lost(cluster, worker, store, policy):
    bootstrap = cluster.require_bootstrap()
    factory = SignalFactory(seed=11)
    signals = [in_utrecht(factory.make("politie", "Signaal").document) for _ in range(3)]
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
            for p in nla.publish_many(
                [in_utrecht(factory.make("nla", "Controle").document) for _ in range(2)]
            )
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

    def event(partner, view):  # only the disclosure log links a view to its event
        return ledger.traces_of(partner).get(str(view.datum["envelope"]["trace_id"]))

    inbox = {
        partner: [
            v for v in read_inbox(cluster, bootstrap, partner) if event(partner, v) in expected
        ]
        for partner in (
            "om",
            "gemeente-utrecht",
            "comensha",
            "riec-midden-nederland",
            "zorgcoordinatie-utrecht",
            "veilig-thuis-utrecht",
        )
    }
    events = {p: {event(p, v) for v in views} for p, views in inbox.items()}
    assert events["om"] == politie_ids
    assert events["gemeente-utrecht"] == politie_ids | controle_ids
    assert events["comensha"] == politie_ids
    assert events["riec-midden-nederland"] == controle_ids
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
        if event("gemeente-utrecht", view) in politie_ids:  # a reversible pseudonym only
            assert fields["slachtoffer.bsn"].startswith("RP1.k1.midden-nederland/gemeente-utrecht.")
            assert not any(b in str(view.datum) for b in bsns)
    # the zorgcoördinator's inbox opens the encrypted BSN with its own private key file
    assert {v.datum["slachtoffer"]["bsn"] for v in inbox["zorgcoordinatie-utrecht"]} == bsns
    sealed = [
        v
        for v in read_inbox(cluster, bootstrap, "zorgcoordinatie-utrecht", decrypt=False)
        if event("zorgcoordinatie-utrecht", v) in expected
    ]
    assert all(v.datum["slachtoffer"]["bsn"].startswith("ENC2.") for v in sealed)
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


def test_cli_publish_and_inbox_carry_no_join_key(cluster, worker, policy):
    """The by-hand flow of docs/operations.md: the event id `publish` prints, and the publisher's trace
    context, appear in no inbox (values, keys, headers); the om and gemeente-utrecht views of
    one signal share no identifier-like value; a signal about Breda reaches no Utrecht party."""
    env = settings_env(cluster)
    bootstrap = cluster.require_bootstrap()
    factory = SignalFactory(seed=12)
    utrecht = in_utrecht(factory.make("politie", "Signaal").document)
    breda = factory.make("politie", "Signaal").document
    breda["slachtoffer"]["adres"]["gemeentecode"] = "GM0758"
    printed = []
    for document in (utrecht, breda):
        published = run_cli("publish", "--as", "politie", "-", stdin=json.dumps(document), env=env)
        assert published.returncode == 0, published.stderr
        printed.append(published.stdout.strip())
    assert printed == [utrecht["envelope"]["event_id"], breda["envelope"]["event_id"]]
    ledger = wait_for_ledger(cluster, bootstrap, policy.store, set(printed), 60, _alive(worker))
    assert printed[1] in ledger.no_recipient  # Breda lies outside Midden-Nederland

    own = [
        value.encode()
        for document in (utrecht, breda)
        for value in (
            document["envelope"]["event_id"],
            document["envelope"]["trace_id"],
            document["envelope"]["span_id"],
        )
    ]
    views: dict[str, list] = {}
    for partner in policy.recipients:
        for record in read_to_end(cluster, bootstrap, topics.inbox(partner)):
            raw = (record.key or b"") + record.value + b"".join(v for _, v in record.headers or ())
            assert not [o for o in own if o in raw], f"a publisher's id reached {partner}"
        shown = run_cli("inbox", "--as", partner, "--json", env=env)
        assert shown.returncode == 0, shown.stderr
        views[partner] = [json.loads(line) for line in shown.stdout.splitlines()]
    traces = {p: ledger.traces_of(p) for p in ("om", "gemeente-utrecht")}
    mine = {
        p: [v for v in views[p] if traces[p].get(v["view"]["envelope"]["trace_id"]) == printed[0]]
        for p in traces
    }
    assert len(mine["om"]) == len(mine["gemeente-utrecht"]) == 1
    om, gemeente = (_identifier_like(mine[p][0]) for p in ("om", "gemeente-utrecht"))
    # what R1 and R3 both pass on as it is (sector, indicators ...) may be equal; nothing else
    both = {
        str(item)
        for name in ("sector", "indicatoren", "uitbuitingsvorm")
        for item in _as_list(utrecht[name])
    }
    assert not (om & gemeente) - both, (om & gemeente) - both
    for partner in ("gemeente-utrecht", "zorgcoordinatie-utrecht", "veilig-thuis-utrecht"):
        assert printed[1] not in ledger.traces_of(partner).values()


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _identifier_like(shown: dict) -> set[str]:
    """Texts of 8 characters or more in a view as `inbox --json` shows it, and its key; days
    (a date is shared by every signal of that day) left out."""
    found = {shown["key"]}

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif (
            isinstance(value, str)
            and len(value) >= 8
            and not re.fullmatch(r"\d{4}-\d\d-\d\d", value)
        ):
            found.add(value)

    walk({k: v for k, v in shown["view"].items()})
    found.discard("politie")
    return found - {"registratie", "bestuurlijk", "opsporing"}


SIGNAL_BY_HAND = {  # the signal file of docs/operations.md
    "envelope": {"event_type": "Signaal", "occurred_at": "2026-11-20T14:30:00+01:00"},
    "melder_type": "POLITIE",
    "uitbuitingsvorm": "ARBEID",
    "indicatoren": ["LANGE_WERKDAGEN", "GEEN_TOEGANG_PASPOORT"],
    "slachtoffer": {
        "bsn": "111222333",
        "voornamen": "Anna",
        "achternaam": "de Vries",
        "geboortedatum": "1999-04-12",
        "adres": {"postcode": "3511 AB", "gemeentecode": "GM0344"},
    },
}


def test_the_fg_sees_who_received_what_and_who_reidentified(
    cluster, worker, store, policy, tmp_path
):
    """The by-hand flow of docs/operations.md: publish about BSN 111222333; the FG's inzage (with only the
    key extract) lists each recipient with fields and legal basis; the raw log holds no name or
    BSN; a herleider's signed request re-identifies, a forged one is refused, and the inzage
    then shows who re-identified and why; a Statusupdate about her signal is found by her BSN
    too."""
    env = {**settings_env(cluster), "KETENSTROOM_TAAL": "nl"}
    bootstrap = cluster.require_bootstrap()
    fg_keys = tmp_path / "fg.json"
    assert (
        run_cli("keys", "uittreksel", "verantwoording", "--naar", str(fg_keys), env=env).returncode
        == 0
    )
    fg_env = {**env, "KETENSTROOM_KEYRING": str(tmp_path / "geen-keyring.json")}  # FG: extract only
    published = run_cli(
        "publish", "--as", "politie", "-", stdin=json.dumps(SIGNAL_BY_HAND), env=env
    )
    assert published.returncode == 0, published.stderr
    event_id = published.stdout.split()[-1]
    ledger = wait_for_ledger(cluster, bootstrap, policy.store, {event_id}, 60, _alive(worker))
    received = {d["recipient"] for d in ledger.disclosures.values() if d["event_id"] == event_id}
    assert {"om", "gemeente-utrecht", "comensha", "zorgcoordinatie-utrecht"} <= received

    def inzage(extra: dict[str, str] | None = None) -> list[dict]:
        done = run_cli(
            "verantwoording",
            "inzage",
            "--bsn",
            "111222333",
            "--json",
            "--sleutels",
            str(fg_keys),
            env={**fg_env, **(extra or {})},
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["regels"]

    mine = [e for e in inzage() if e["event_id"] == event_id]
    assert {e["ontvanger"] for e in mine} == received
    for shown in mine:
        assert shown["soort"] == "verstrekt" and shown["velden"], shown
        (grounds,) = shown["verwerkingen"]
        assert grounds["in_register"] and grounds["grondslag"] and grounds["grondslag_tekst"]
    by_recipient = {e["ontvanger"]: e for e in mine}
    assert by_recipient["gemeente-utrecht"]["velden"]["slachtoffer.bsn"] == "pseudoniem-herleidbaar"
    assert by_recipient["om"]["verwerkingen"][0]["grondslag"] == "wjsg"
    table = run_cli(
        "verantwoording", "inzage", "--bsn", "111222333", "--sleutels", str(fg_keys), env=fg_env
    )
    assert "gemeente-utrecht" in table.stdout and "wgs: Wet gegevensverwerking" in table.stdout
    # a Statusupdate names nobody, yet it is about her: the claim on the claims topic carries
    # whom the event is about, and the update's line is found by her BSN
    update = {"envelope": {"event_type": "Statusupdate"}, "ref_id": event_id, "status": "AANGIFTE"}
    sent = run_cli("publish", "--as", "politie", "-", stdin=json.dumps(update), env=env)
    assert sent.returncode == 0, sent.stderr
    update_id = sent.stdout.split()[-1]
    wait_for_ledger(cluster, bootstrap, policy.store, {update_id}, 60, _alive(worker))
    about_her = [e for e in inzage() if e["event_id"] == update_id]
    assert [(e["signaaltype"], e["soort"]) for e in about_her] == [
        ("Statusupdate", "geen ontvanger")
    ]
    # the raw log topic, as any Kafka client reads it: no name, BSN, birth date or postcode in
    # the clear (the full postcode: its four digits alone also occur by chance in hex ids)
    raw = b"".join(r.value for r in read_to_end(cluster, bootstrap, topics.DISCLOSURE_LOG))
    for plain in (b"111222333", b"de Vries", b"de vries", b"Anna", b"1999-04-12", b"3511 AB"):
        assert plain not in raw, plain

    # re-identification: gemeente-utrecht's pseudonym, by the covenant's herleider only
    trace = next(t for t, e in ledger.traces_of("gemeente-utrecht").items() if e == event_id)
    (view,) = [
        v
        for v in read_inbox(cluster, bootstrap, "gemeente-utrecht")
        if v.datum["envelope"]["trace_id"] == trace
    ]
    label = view.datum["slachtoffer"]["bsn"]
    herleider = {**env, "KETENSTROOM_HERLEIDER_KEY": str(tmp_path / "herleider.json")}
    made = run_cli(
        "keys", "herleider", "--naam", "M. de Boer", "--namens", "gemeente-utrecht", env=herleider
    )
    assert made.returncode == 0, made.stderr
    public = re.search(r"publieke_sleutel: (\S+)", made.stdout).group(1)
    covenants = tmp_path / "convenanten"
    covenants.mkdir()
    for source in ("deelnemers.yaml", "midden-nederland.yaml"):
        text = (ROOT / "convenanten" / source).read_text()
        text = re.sub(r"publieke_sleutel: \S+", f"publieke_sleutel: {public}", text)
        (covenants / source).write_text(
            text.replace(
                'naam: "M. de Boer (privacyfunctionaris gemeente Utrecht)"', "naam: M. de Boer"
            )
        )
    carry = {**env, "KETENSTROOM_CONVENANTEN_DIR": str(covenants)}
    short = run_cli("reidentify", "verzoek", label, "--reden", "kort", env=herleider)
    assert short.returncode == 1 and "echte reden" in short.stderr
    request = tmp_path / "verzoek.json"
    asked = run_cli(
        "reidentify",
        "verzoek",
        label,
        "--reden",
        "acuut gevaar, melding 2026-118",
        "--uit",
        str(request),
        env=herleider,
    )
    assert asked.returncode == 0, asked.stderr
    forged = json.loads(request.read_text())
    forged["verzoek"]["reden"] = "iets anders dan gevraagd, achteraf"
    (tmp_path / "vals.json").write_text(json.dumps(forged))
    refused = run_cli("reidentify", "uitvoeren", str(tmp_path / "vals.json"), env=carry)
    assert refused.returncode == 1 and "handtekening klopt niet" in refused.stderr
    assert "111222333" not in refused.stdout + refused.stderr
    elsewhere = run_cli("reidentify", "uitvoeren", str(request), env=env)  # the shipped key
    assert elsewhere.returncode == 1 and "staat niet bij de herleiders" in elsewhere.stderr
    done = run_cli("reidentify", "uitvoeren", str(request), env=carry)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "111222333"
    convenants = {"KETENSTROOM_CONVENANTEN_DIR": str(covenants)}
    (act,) = [e for e in inzage(convenants) if e["soort"] == "herleid" and e.get("verzoek_id")]
    assert act["herleider"] == "M. de Boer" and act["namens"] == "gemeente-utrecht"
    assert act["reden"] == "acuut gevaar, melding 2026-118" and act["handtekening"] == "klopt"
    raw = b"".join(r.value for r in read_to_end(cluster, bootstrap, topics.DISCLOSURE_LOG))
    assert b"111222333" not in raw
