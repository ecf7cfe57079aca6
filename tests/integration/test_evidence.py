"""What was disclosed stays what was disclosed (issue 25), on the real broker with a running
worker: a covenant version, once published, is frozen; the register keeps every version; an old
view decodes to the value that was sent; and a bundle belongs to one installation (issue 26,
attacks 2 to 5): a foreign bundle is refused by the worker and by `reidentify uitvoeren`,
re-identification stops at the covenant's `geldig.tot`, and a forged copy is no refusal of the
officer's publication."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from pipeline import topics
from pipeline.app.process import WorkerProcess, settings_env
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.broker.reading import read_to_end
from pipeline.client.covenant_topic import read_control, this_installation
from pipeline.client.inbox import read_inbox
from pipeline.client.register_topic import read_register_topic
from pipeline.ops.accounting import read_ledger, wait_for_ledger
from pipeline.privacy.keyring import b64, unb64
from pipeline.publication.bundle import Bundle, Installation, bundle_key
from pipeline.publication.signing import read_signing_key
from tests.conftest import CONVENANTEN
from tests.helpers import covenant_statuses, run_cli, until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BSN = "111222333"
R4_DATE = "      slachtoffer.geboortedatum: doorgeven\n      slachtoffer.geslacht"
R4_YEAR = "      slachtoffer.geboortedatum: geboortejaar\n      slachtoffer.geslacht"
#: What the examples file expects CoMensha to receive, before and after the change of R4.
COMENSHA_EXPECTED = (
    "slachtoffer.geboortedatum, slachtoffer.geslacht, slachtoffer.nationaliteit, minderjarig, "
    "politie_eenheid]",
    "slachtoffer.geboortedatum: geboortejaar, slachtoffer.geslacht, slachtoffer.nationaliteit, "
    "minderjarig, politie_eenheid]",
)
#: Another covenant text (tests/data/evidence/): a nationwide rule giving the NLA two fields.
NLA_COVENANT = ROOT / "tests" / "data" / "evidence" / "landelijk-nla.yaml"


def _signal(when: str) -> dict:
    return {
        "envelope": {"event_type": "Signaal", "occurred_at": when},
        "melder_type": "POLITIE",
        "uitbuitingsvorm": "ARBEID",
        "sector": "LAND_EN_TUINBOUW",
        "slachtoffer": {
            "bsn": BSN,
            "voornamen": "Anna",
            "achternaam": "de Vries",
            "geboortedatum": "1999-04-12",
            "adres": {"postcode": "3511 AB", "gemeentecode": "GM0344"},
        },
    }


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: the bundles it publishes must not reach other tests."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture(scope="module")
def officer(cluster, worker, tmp_path_factory) -> dict:
    """The officer's environment, a covenant directory to edit, and the FG's key extract."""
    home = Path(tmp_path_factory.mktemp("officer"))
    directory = home / "convenanten"
    shutil.copytree(CONVENANTEN, directory)
    env = {**settings_env(cluster), "KETENSTROOM_TAAL": "nl"}
    fg_keys = home / "fg.json"
    made = run_cli("keys", "uittreksel", "verantwoording", "--naar", str(fg_keys), env=env)
    assert made.returncode == 0, made.stderr
    worker.wait_ready()
    assert until(lambda: any(s["alive"] for s in covenant_statuses(env).values())), worker.output()
    return {"env": env, "dir": directory, "fg": fg_keys, "home": home}


def _edit(path: Path, old: str, new: str, after: str = "") -> None:
    """Replace the first ``old`` after the first ``after`` in a covenant file."""
    text = path.read_text()
    head, mark, rest = text.partition(after) if after else ("", "", text)
    assert old in rest, old
    path.write_text(head + mark + rest.replace(old, new, 1))


def _publish(officer, wait: float = 30) -> str:
    done = run_cli(
        "convenant", "publish", str(officer["dir"]), "--wacht", str(wait), env=officer["env"]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _send(cluster, worker, officer, document: dict) -> str:
    sent = run_cli(
        "publish", "--as", "politie", "-", stdin=json.dumps(document), env=officer["env"]
    )
    assert sent.returncode == 0, sent.stderr
    event_id = sent.stdout.split()[-1]
    wait_for_ledger(cluster, cluster.require_bootstrap(), _store(cluster), {event_id}, 60)
    assert worker.alive, worker.output()[-3000:]
    return event_id


def _store(cluster):
    from pipeline.client.schema_topic import load_schema_topic

    return load_schema_topic(cluster, cluster.require_bootstrap())


def _view_of(cluster, recipient: str, event_id: str) -> dict:
    """The view ``recipient`` received of ``event_id``, decoded as its inbox reads it."""
    bootstrap = cluster.require_bootstrap()
    ledger = read_ledger(cluster, bootstrap, _store(cluster))
    traces = {t for t, e in ledger.traces_of(recipient).items() if e == event_id}
    (view,) = [
        v
        for v in read_inbox(cluster, bootstrap, recipient)
        if v.datum["envelope"]["trace_id"] in traces
    ]
    return view.datum


def _fg(officer, *args: str) -> dict:
    env = {**officer["env"], "KETENSTROOM_KEYRING": str(officer["home"] / "geen.json")}
    done = run_cli("verantwoording", *args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_published_version_is_frozen_and_what_was_disclosed_stays_so(cluster, worker, officer):
    """The issue's scenario: R4 gives CoMensha the birth date; changing it to the birth year
    under the same `versie` is refused by `check`, by `publish`, and by the worker (a bundle
    signed and written past `publish`), and by a worker started from such files; under a new
    `versie` it is accepted, and the earlier disclosure keeps its fields in `inzage`, its own
    row in `overzicht`, and its view decodes to the date that was sent."""
    env, covenant = officer["env"], officer["dir"] / "midden-nederland.yaml"
    bootstrap = cluster.require_bootstrap()
    assert "gepubliceerd" in _publish(officer)
    first = _send(cluster, worker, officer, _signal("2026-11-20T14:30:00+01:00"))
    assert _view_of(cluster, "comensha", first)["slachtoffer"]["geboortedatum"] == dt.date(
        1999, 4, 12
    )
    register_before = read_register_topic(cluster, bootstrap, _store(cluster))
    control_before = read_control(cluster, bootstrap)[0]

    # the careless officer: R4 to geboortejaar, versie left as it is
    _edit(covenant, R4_DATE, R4_YEAR, after="  - id: R4\n")
    examples = officer["dir"] / "midden-nederland.voorbeelden.yaml"
    examples.write_text(examples.read_text().replace(*COMENSHA_EXPECTED))
    checked = run_cli("convenant", "check", str(officer["dir"]), env=env)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    refused = run_cli("convenant", "publish", str(officer["dir"]), "--wacht", "5", env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    for said in (checked.stderr, refused.stderr):
        flat = " ".join(said.split())
        assert "convenant midden-nederland, versie 2025.1, is al gepubliceerd" in flat, flat
        assert "regel R4 is anders (velden)" in flat and "nieuwe `versie`" in flat, flat
    assert "Niet gepubliceerd" in refused.stderr
    assert read_control(cluster, bootstrap)[0] == control_before  # nothing was written

    # past `publish`: the same text signed and written by hand; the worker refuses it
    here = this_installation(cluster, bootstrap)
    sneaked = Bundle.from_directory(officer["dir"], here).numbered(len(control_before) + 1)
    raw = read_signing_key(cluster.signing_key).sign(sneaked.to_bytes())
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(topics.COVENANTS, key=bundle_key(sneaked.version), value=raw).get(timeout=10)
    producer.close()

    def refused_by_worker() -> bool:
        events = [e for s in covenant_statuses(env).values() for e in s["events"]]
        return any(
            e["outcome"] == "refused"
            and "versie 2025.1" in e["reason"]
            and ("regel R4" in e["reason"] or "verwerkingsregister" in e["reason"])
            for e in events
        )

    assert until(refused_by_worker), worker.output()[-3000:]
    assert {s["active"]["version"] for s in covenant_statuses(env).values() if s["alive"]} == {1}

    # the careless operator: a worker started from those files (no bundle of its installation
    # to adopt) does not start, and says why on the status topic
    stale = cluster.model_copy(
        update={
            "convenanten_dir": officer["dir"],
            "installatie": "elders",
            "worker_name": "verouderd",
            "metrics_port": free_port(),
        }
    )
    process = WorkerProcess(stale, officer["home"] / "stale.log").start()
    assert until(lambda: not process.alive, 60), process.output()[-3000:]
    assert process.stop() != 0
    assert "does not start from the covenant files on disk" in process.output()
    (word,) = [
        e for e in covenant_statuses(env)["verouderd"]["events"] if e["outcome"] == "refused"
    ]
    assert "start niet met de convenantbestanden" in word["reason"]
    assert "R4/2025.1" in word["reason"]
    after = read_register_topic(cluster, bootstrap, _store(cluster))
    assert after.entries.keys() == register_before.entries.keys()
    assert all(after.entries[k].record == v.record for k, v in register_before.entries.items())
    assert not after.overwritten

    # a new versie: accepted; CoMensha now gets the year
    _edit(covenant, 'versie: "2025.1"', 'versie: "2025.2"')
    assert "Overgenomen" in _publish(officer)
    second = _send(cluster, worker, officer, _signal("2026-11-21T10:00:00+01:00"))
    assert _view_of(cluster, "comensha", second)["slachtoffer"]["geboortedatum"] == 1999
    # the step-1 view still decodes to the date that was sent (not 10693 days since 1970)
    old = _view_of(cluster, "comensha", first)
    assert old["slachtoffer"]["geboortedatum"] == dt.date(1999, 4, 12)

    lines = _fg(officer, "inzage", "--bsn", BSN, "--sleutels", str(officer["fg"]))["regels"]
    comensha = {
        line["event_id"]: line["velden"]
        for line in lines
        if line.get("ontvanger") == "comensha" and line["soort"] == "verstrekt"
    }
    assert comensha[first]["slachtoffer.geboortedatum"] == "doorgeven"
    assert comensha[second]["slachtoffer.geboortedatum"] == "geboortejaar"

    overview = _fg(officer, "overzicht", "--convenant", "midden-nederland")
    rows = {(r["regel"], r["versie"]): r["verstrekkingen"] for r in overview["regels"]}
    assert rows[("R4", "2025.1")] == 1 and rows[("R4", "2025.2")] == 1
    fields = {
        (f["versie"], f["veld"]): f["behandeling"]
        for f in overview["velden"]
        if f["ontvanger"] == "comensha"
    }
    assert fields[("2025.1", "slachtoffer.geboortedatum")] == "doorgeven"
    assert fields[("2025.2", "slachtoffer.geboortedatum")] == "geboortejaar"

    register = _fg(officer, "register", "--convenant", "midden-nederland")
    assert [g["versie"] for g in register["convenanten"]] == ["2025.1", "2025.2"]
    assert register["overschreven_pogingen"] == {}

    # a hostile writer on the register and schema topics (another client, librdkafka): the
    # year's schema under the date view's fingerprint, and R4/2025.1 rewritten to the year
    _overwrite_evidence(cluster, first)
    assert _view_of(cluster, "comensha", first)["slachtoffer"]["geboortedatum"] == dt.date(
        1999, 4, 12
    )
    lines = _fg(officer, "inzage", "--bsn", BSN, "--sleutels", str(officer["fg"]))["regels"]
    (line,) = [x for x in lines if x["event_id"] == first and x.get("ontvanger") == "comensha"]
    assert line["velden"]["slachtoffer.geboortedatum"] == "doorgeven"
    register = _fg(officer, "register", "--convenant", "midden-nederland")
    (rewritten,) = register["overschreven_pogingen"]
    assert rewritten.endswith("/R4/2025.1")


def _overwrite_evidence(cluster, event_id: str) -> None:
    """Write, as a hostile client with write access would, a schema under the fingerprint of
    CoMensha's view of ``event_id`` that reads its date as a plain int, and the register entry
    of R4/2025.1 with the birth year: both must be passed over by every reader."""
    import confluent_kafka

    from pipeline.client.schema_topic import schema_message
    from pipeline.codec.framing import encode, read_fingerprint
    from pipeline.codec.schema_store import make_entry
    from pipeline.covenant.register import REGISTER_SCHEMA, Activity

    bootstrap = cluster.require_bootstrap()
    store = _store(cluster)
    ledger = read_ledger(cluster, bootstrap, store)
    traces = {t for t, e in ledger.traces_of("comensha").items() if e == event_id}
    raw = read_to_end(cluster, bootstrap, topics.inbox("comensha"))
    (record,) = [
        r
        for r in raw
        if store.get(read_fingerprint(r.value)) is not None and _trace(r.value, store) in traces
    ]
    entry = store.get(read_fingerprint(record.value))

    def plain(schema):
        if isinstance(schema, dict):
            return {k: plain(v) for k, v in schema.items() if k != "logicalType"}
        return [plain(v) for v in schema] if isinstance(schema, list) else schema

    forged = make_entry(plain(entry.expanded), "view")
    assert forged.fingerprint == entry.fingerprint and forged.meaning != entry.meaning
    topic = read_register_topic(cluster, bootstrap, store)
    (r4,) = [a for a in topic.entries.values() if a.id.endswith("/R4/2025.1")]
    record_r4 = json.loads(json.dumps(dict(r4.record)))
    for party in record_r4["ontvangers"]:
        party["behandelingen"]["slachtoffer.geboortedatum"] = "geboortejaar"
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap})
    producer.produce(
        topics.SCHEMAS, key=forged.fingerprint_hex.encode(), value=schema_message(forged)
    )
    producer.produce(
        topics.REGISTER,
        key=r4.id.encode(),
        value=encode(store.current(REGISTER_SCHEMA), dict(Activity(record_r4).record)),
    )
    assert producer.flush(10) == 0


def _trace(value: bytes, store) -> str:
    from pipeline.codec.framing import decode

    return str(decode(value, store)[1]["envelope"]["trace_id"])


def test_a_field_withdrawn_by_a_new_versie_stays_disclosed_before(cluster, worker, officer):
    """Another covenant (nationwide, for the NLA): `sector` withdrawn under the same `versie`
    is refused; under a new `versie` the earlier disclosure keeps `sector` in inzage,
    overzicht and the view that was sent."""
    text = NLA_COVENANT.read_text()
    target = officer["dir"] / "landelijk-nla.yaml"
    target.write_text(text)
    _publish(officer)
    first = _send(cluster, worker, officer, _signal("2026-11-22T09:00:00+01:00"))
    assert _view_of(cluster, "nla", first)["sector"] == "LAND_EN_TUINBOUW"

    _edit(target, "      sector: doorgeven\n", "")
    refused = run_cli("convenant", "publish", str(officer["dir"]), env=officer["env"])
    flat = " ".join(refused.stderr.split())
    assert refused.returncode == 1 and "landelijk-nla, versie 2026.1" in flat, flat
    assert "regel L1 is anders (velden)" in flat

    _edit(target, 'versie: "2026.1"', 'versie: "2026.2"')
    _publish(officer)
    second = _send(cluster, worker, officer, _signal("2026-11-23T09:00:00+01:00"))
    assert "sector" not in _view_of(cluster, "nla", second)
    assert _view_of(cluster, "nla", first)["sector"] == "LAND_EN_TUINBOUW"

    lines = _fg(officer, "inzage", "--bsn", BSN, "--sleutels", str(officer["fg"]))["regels"]
    nla = {line["event_id"]: line["velden"] for line in lines if line.get("ontvanger") == "nla"}
    assert "sector" in nla[first] and "sector" not in nla[second]
    overview = _fg(officer, "overzicht", "--convenant", "landelijk-nla")
    sector = {f["versie"]: f["verstrekkingen"] for f in overview["velden"] if f["veld"] == "sector"}
    assert sector == {"2026.1": 1}


def test_a_bundle_belongs_to_one_installation(cluster, worker, officer, tmp_path):
    """Attacks 2 to 5 of issue 26, with real clients: a bundle validly signed for another
    installation, written to this control topic, is refused by the worker and names no
    herleider here; re-identification stops at `geldig.tot`; and a forged copy of the version
    in force is no refusal of the officer's publication."""
    env, bootstrap = officer["env"], cluster.require_bootstrap()
    covenant = officer["dir"] / "midden-nederland.yaml"
    herleider = {**env, "KETENSTROOM_HERLEIDER_KEY": str(tmp_path / "herleider.json")}
    made = run_cli(
        "keys", "herleider", "--naam", "M. de Boer", "--namens", "gemeente-utrecht", env=herleider
    )
    assert made.returncode == 0, made.stderr
    public = re.search(r"publieke_sleutel: (\S+)", made.stdout).group(1)
    event_id = _send(cluster, worker, officer, _signal("2026-11-24T09:00:00+01:00"))
    label = _view_of(cluster, "gemeente-utrecht", event_id)["slachtoffer"]["bsn"]
    assert label.startswith("RP1.")
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

    # attack 2 and 3: the officer's own key signs a bundle for acceptance (another cluster):
    # gemeente-utrecht would get the BSN in the clear, and our herleider would be named
    ours = re.sub(r"publieke_sleutel: \S+", f"publieke_sleutel: {public}", covenant.read_text())
    ours = ours.replace(
        'naam: "M. de Boer (privacyfunctionaris gemeente Utrecht)"', "naam: M. de Boer"
    ).replace('versie: "2025.2"', 'versie: "2025.3"')
    head, r3, rest = ours.partition("ontvangers: [gemeente-utrecht]")
    foreign_text = (
        head
        + r3
        + rest.replace("slachtoffer.bsn: pseudoniem-herleidbaar", "slachtoffer.bsn: doorgeven", 1)
    ).replace('versie: "2025.3"', 'versie: "2099.1"')
    assert "slachtoffer.bsn: doorgeven" in rest.replace(
        "slachtoffer.bsn: pseudoniem-herleidbaar", "slachtoffer.bsn: doorgeven", 1
    )
    foreign = Bundle(
        {"midden-nederland.yaml": foreign_text},
        dt.datetime.now(dt.UTC).isoformat(),
        900,
        Installation("acceptatie", "acceptatie-cluster"),
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    officer_key = read_signing_key(cluster.signing_key)
    producer.send(
        topics.COVENANTS, key=bundle_key(900), value=officer_key.sign(foreign.to_bytes())
    ).get(timeout=10)

    def said(word: str) -> bool:
        return any(
            word in e["reason"] for s in covenant_statuses(env).values() for e in s["events"]
        )

    assert until(lambda: said("ondertekend voor installatie acceptatie")), worker.output()[-2000:]
    probe = _send(cluster, worker, officer, _signal("2026-11-24T10:00:00+01:00"))
    assert _view_of(cluster, "gemeente-utrecht", probe)["slachtoffer"]["bsn"].startswith("RP1.")
    carried = run_cli("reidentify", "uitvoeren", str(request), env=env)
    assert carried.returncode == 1 and BSN not in carried.stdout + carried.stderr
    assert "staat niet bij de herleiders" in carried.stderr
    assert "andere installatie zijn genegeerd" in carried.stderr
    # a re-identifier with a wrong installation name: every bundle is foreign to it, and the
    # files on disk (which name the shipped herleider) are no fallback then
    misnamed = run_cli(
        "reidentify", "uitvoeren", str(request), env={**env, "KETENSTROOM_INSTALLATIE": "acc"}
    )
    assert misnamed.returncode == 1 and BSN not in misnamed.stdout
    assert "alleen ondertekende convenantbundels voor een andere" in " ".join(
        misnamed.stderr.split()
    )

    # attack 4: our herleider in this installation's version: re-identification works while
    # the covenant is in force, and not after its `geldig.tot`
    covenant.write_text(ours)
    _publish(officer)
    done = run_cli("reidentify", "uitvoeren", str(request), env=env)
    assert done.returncode == 0 and done.stdout.split()[-1] == BSN, done.stderr
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).date().isoformat()
    _edit(covenant, "tot: 2030-03-01", f"tot: {yesterday}")
    _edit(covenant, 'versie: "2025.3"', 'versie: "2025.4"')
    # an ended covenant routes nothing: its examples (of signals today) no longer hold
    (officer["dir"] / "midden-nederland.voorbeelden.yaml").unlink()
    _publish(officer)
    late = run_cli("reidentify", "uitvoeren", str(request), env=env)
    assert late.returncode == 1 and BSN not in late.stdout + late.stderr, late.stdout
    assert f"tot {yesterday}, niet vandaag" in " ".join(late.stderr.split())

    # attack 5: a copy of the version in force with one signature bit flipped
    control, _ = read_control(cluster, bootstrap)
    newest = control[-1]
    body = json.loads(newest)
    signature = bytearray(unb64(body["handtekening"]))
    signature[0] ^= 1
    body["handtekening"] = b64(bytes(signature))
    version = Bundle.from_bytes(unb64(body["bundel"])).version
    producer.send(topics.COVENANTS, key=bundle_key(version), value=json.dumps(body).encode()).get(
        timeout=10
    )
    producer.close()
    assert until(lambda: said("does not verify")), worker.output()[-2000:]
    again = run_cli("convenant", "publish", str(officer["dir"]), "--wacht", "10", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "al gepubliceerd" in again.stdout and "Overgenomen" in again.stdout
    assert "Geweigerd" not in again.stdout
    assert read_to_end(cluster, bootstrap, topics.inbox("gemeente-utrecht"))

    # red team: past `publish`, the officer's key signs by hand the ended version 2025.4 with
    # its validity extended. The worker refuses it (a published text never changes), and
    # `reidentify uitvoeren` took the newest signed bundle, adopted or not: it showed the BSN
    # again. It trusts only a bundle a worker here adopted now.
    in_force = max(s["active"]["version"] for s in covenant_statuses(env).values() if s["alive"])
    files = Bundle.from_directory(officer["dir"]).files
    reopened = Bundle(
        {n: f.replace(f"tot: {yesterday}", "tot: 2030-03-01") for n, f in files.items()},
        dt.datetime.now(dt.UTC).isoformat(),
        in_force + 1,
        this_installation(cluster, bootstrap),
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(
        topics.COVENANTS,
        key=bundle_key(reopened.version),
        value=officer_key.sign(reopened.to_bytes()),
    ).get(timeout=10)
    producer.close()
    assert until(lambda: said("versie 2025.4, is al gepubliceerd")), worker.output()[-2000:]
    reopened_late = run_cli("reidentify", "uitvoeren", str(request), env=env)
    assert reopened_late.returncode == 1, reopened_late.stdout
    assert BSN not in reopened_late.stdout + reopened_late.stderr
    assert f"tot {yesterday}, niet vandaag" in " ".join(reopened_late.stderr.split())


def test_the_cluster_id_is_read_without_creating_a_topic():
    """The embedded broker has a cluster id of its own (Tansu's default is the same everywhere),
    and reading it names no topic: the broker creates every topic a metadata request names,
    and a control topic made that way, with the broker's default partitions, once put a
    foreign bundle where no worker reads."""
    from kafka import KafkaAdminClient

    from pipeline.broker.admin import cluster_id
    from pipeline.settings import Settings

    with EmbeddedBroker() as fresh, EmbeddedBroker() as other:
        settings = Settings(broker="external", bootstrap_servers=fresh.bootstrap_servers)
        assert cluster_id(settings, fresh.bootstrap_servers) == fresh.cluster_id
        assert fresh.cluster_id != other.cluster_id
        admin = KafkaAdminClient(bootstrap_servers=fresh.bootstrap_servers)
        assert admin.list_topics() == []
        admin.close()
