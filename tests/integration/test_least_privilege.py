"""Least privilege that works, and a partner on librdkafka, on the real embedded broker.

Every client here talks to a recording front door (tests/kafka_recorder.py) that takes its
SASL user name as its principal, the way Kafka does, and records each request it sends. Then:

- each command of each role, run as its principal, sends only requests the generated ACLs
  allow (Kafka's authorizer rules: tests/kafka_authorizer.py), and every ACL of the role is
  used by one of its commands: no right too few, none too many;
- a partner on librdkafka (confluent-kafka), following only docs/partners.en.md, publishes a
  signal that the real router routes, and reads its inbox with a consumer group of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import struct
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import fastavro
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from pydantic import SecretStr

from pipeline import topics
from pipeline.app.process import WorkerProcess, settings_env
from pipeline.app.worker import prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.ops import acls as roles
from pipeline.ops.acls import all_acls
from pipeline.privacy.keyring import extract, read_keyring, write_secret_file
from pipeline.settings import Settings
from tests.helpers import run_cli
from tests.kafka_authorizer import allowing, needs
from tests.kafka_recorder import Recorder

pytestmark = pytest.mark.integration

PASSWORD = "plain-over-loopback"
BSN = "111222333"
#: What one test finds for the next (a reversible pseudonym to re-identify).
FOUND: dict[str, str] = {}


@pytest.fixture(scope="module")
def front(cluster: Settings) -> Iterator[tuple[Recorder, Settings]]:
    """A broker of its own that advertises the recording front door, and admin settings."""
    port = free_port()
    with EmbeddedBroker(advertised_port=port) as broker:
        recorder = Recorder(port, ("127.0.0.1", broker.port)).start()
        admin = as_user(cluster, "admin", f"127.0.0.1:{port}")
        try:
            yield recorder, admin
        finally:
            recorder.stop()


def as_user(base: Settings, user: str, bootstrap: str | None = None) -> Settings:
    """These settings as SASL user ``user`` (PLAIN: the front door reads the name)."""
    return base.model_copy(
        update={
            "bootstrap_servers": bootstrap or base.bootstrap_servers,
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN",
            "sasl_username": user,
            "sasl_password": SecretStr(PASSWORD),
        }
    )


@pytest.fixture(scope="module")
def routed(front, registry, policy, tmp_path_factory) -> Iterator[Settings]:
    """Topics and schemas made by the admin; a router worker running as ketenstroom-router."""
    _recorder, admin = front
    prepare_cluster(admin, admin.require_bootstrap(), registry, policy)
    router = as_user(admin, roles.ROUTER).model_copy(
        update={"router_group_id": f"router-{uuid.uuid4().hex[:8]}", "metrics_port": free_port()}
    )
    log = Path(tmp_path_factory.mktemp("router")) / "worker.log"
    process = WorkerProcess(router, log).start()
    process.wait_ready()
    yield router
    print(f"worker exit {process.stop()}; output:\n{process.output()[-3000:]}")


def cli_as(admin: Settings, user: str, *args: str, stdin: str | None = None):
    done = run_cli(*args, stdin=stdin, env=settings_env(as_user(admin, user)))
    assert done.returncode in (0, 4), f"{args} as {user}: {done.returncode}\n{done.stderr}"
    return done


def librdkafka(admin: Settings, user: str, **extra: object) -> dict[str, object]:
    """A partner's librdkafka settings, as the guide gives them (PLAIN on this loopback test;
    SCRAM-SHA-512 over TLS on the real cluster)."""
    return {
        "bootstrap.servers": admin.require_bootstrap(),
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "PLAIN",
        "sasl.username": user,
        "sasl.password": PASSWORD,
        **extra,
    }


def crc64_avro(canonical: bytes) -> bytes:
    """The Avro specification's CRC-64-AVRO fingerprint, little-endian, as the guide shows it."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for byte in canonical:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return struct.pack("<Q", fp)


def read_schema_topic(admin: Settings, user: str) -> dict[str, dict]:
    """Every schema on ketenstroom.schemas by fingerprint (key), read as the guide says."""
    consumer = Consumer(
        librdkafka(admin, user, **{"group.id": f"{user}.schemas", "enable.auto.commit": False})
    )
    try:
        partition = TopicPartition(topics.SCHEMAS, 0, OFFSET_BEGINNING)
        _, high = consumer.get_watermark_offsets(partition, timeout=10)
        consumer.assign([partition])
        found: dict[str, dict] = {}
        last = -1
        deadline = time.monotonic() + 30
        while last + 1 < high and time.monotonic() < deadline:
            message = consumer.poll(1)
            if message is None or message.error():
                continue
            last = message.offset()
            if message.value() is not None:
                found[message.key().decode()] = json.loads(message.value())
        assert last + 1 >= high, f"read the schema topic to {last + 1} of {high}"
        return found
    finally:
        consumer.close()


def read_inbox_as(admin: Settings, partner: str, wanted: Callable[[dict], bool]) -> dict | None:
    """The first view in ``partner``'s inbox that ``wanted`` accepts, read as the guide says:
    librdkafka with a group of the partner's own ("<partner>.<anything>"), the schema of bytes
    2-10 from the schema topic; None when none arrives within 90 s."""
    consumer = Consumer(
        librdkafka(
            admin,
            partner,
            **{
                "group.id": f"{partner}.inbox",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 500,
            },
        )
    )
    consumer.subscribe([topics.inbox(partner)])
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(1)
            if message is None or message.error():
                continue
            raw = message.value()
            assert raw[:2] == b"\xc3\x01"
            schema = read_schema_topic(admin, partner)[raw[2:10].hex()]
            assert schema["kind"] == "view"
            view = fastavro.schemaless_reader(
                io.BytesIO(raw[10:]), fastavro.parse_schema(schema["schema"])
            )
            consumer.commit(message, asynchronous=False)
            if wanted(view):
                return view
    finally:
        consumer.close()
    return None


def test_a_librdkafka_partner_following_the_guide_gets_a_signal_routed(front, routed, store):
    _recorder, admin = front
    schemas = read_schema_topic(admin, "politie")
    # the partner finds the signal schema by name and kind, and checks its fingerprint
    fingerprint, signal = next(
        (k, v["schema"])
        for k, v in schemas.items()
        if v["kind"] == "signal" and v["schema"]["name"].endswith(".Signaal")
    )
    parsed = fastavro.parse_schema(signal)
    canonical = fastavro.schema.to_parsing_canonical_form(parsed).encode()
    assert crc64_avro(canonical).hex() == fingerprint
    now_ms = int(time.time() * 1000)
    event_id, trace, span = str(uuid.uuid4()), uuid.uuid4().hex, uuid.uuid4().hex[:16]
    datum = {
        "envelope": {
            "event_id": event_id,
            "event_type": "Signaal",
            "occurred_at": now_ms - 3_600_000,
            "recorded_at": now_ms,
            "source": "politie",
            "trace_id": trace,
            "span_id": span,
        },
        "melder_type": "POLITIE",
        "uitbuitingsvorm": "ARBEID",
        "sector": "land- en tuinbouw",
        "indicatoren": ["LANGE_WERKDAGEN", "GEEN_TOEGANG_PASPOORT"],
        "slachtoffer": {
            "bsn": BSN,
            "voornamen": "Anna",
            "achternaam": "de Vries",
            "geboortedatum": dt.date(1999, 4, 12),
            "adres": {"postcode": "3511 AB", "gemeentecode": "GM0344"},
        },
        "minderjarig": False,
        "urgent": False,
    }
    body = _avro_body(parsed, datum)
    value = b"\xc3\x01" + bytes.fromhex(fingerprint) + body
    producer = Producer(
        librdkafka(
            admin,
            "politie",
            acks="all",
            partitioner="murmur2_random",
            **{"enable.idempotence": True},
        )
    )
    delivered: list[object] = []
    producer.produce(
        topics.inbound("politie"),
        key=event_id.encode(),
        value=value,
        headers=[
            ("ketenstroom-event-id", event_id.encode()),
            ("traceparent", f"00-{trace}-{span}-01".encode()),
        ],
        on_delivery=lambda err, msg: delivered.append(err or msg),
    )
    assert producer.flush(30) == 0
    assert delivered and not isinstance(delivered[0], Exception), delivered

    # gemeente-utrecht reads its inbox with a group of its own ("<partner>.<anything>")
    view = read_inbox_as(admin, "gemeente-utrecht", lambda view: True)
    assert view is not None, "no view arrived in inbox.gemeente-utrecht"
    # the covenant's rule R3: form, sector, indicators; the BSN only as a reversible pseudonym
    assert view["uitbuitingsvorm"] == "ARBEID" and view["sector"] == "land- en tuinbouw"
    assert set(view["indicatoren"]) == {"LANGE_WERKDAGEN", "GEEN_TOEGANG_PASPOORT"}
    label = view["slachtoffer"]["bsn"]
    assert label.startswith("RP1.") and BSN not in json.dumps(view, default=str)
    assert "achternaam" not in view["slachtoffer"] or view["slachtoffer"]["achternaam"] is None
    FOUND["label"] = label  # for the re-identification below


def test_a_partner_without_python_opens_its_encrypted_field_by_the_guide(front, routed, cluster):
    """The zorgcoördinator reads the view of the signal above from its inbox (librdkafka, as
    the guide says) and opens the BSN, which covenant rule R2 encrypts for it, with a decryptor
    written from the guide alone in JavaScript (@hpke/core: tests/deploy_schemas/open_enc2.mjs);
    moved to another field, or opened with another partner's key, it does not open."""
    _recorder, admin = front
    view = read_inbox_as(
        admin,
        "zorgcoordinatie-utrecht",
        lambda view: str(view.get("slachtoffer", {}).get("bsn", "")).startswith("ENC2."),
    )
    assert view is not None, "no view with an encrypted BSN in inbox.zorgcoordinatie-utrecht"
    key_file = json.loads(
        (cluster.recipient_keys_dir / "zorgcoordinatie-utrecht.sleutel.json").read_text()
    )
    field = {
        "token": view["slachtoffer"]["bsn"],
        "event_ref": view["envelope"]["event_ref"],
        "recipient": "zorgcoordinatie-utrecht",
        "path": "slachtoffer.bsn",
        "key_file": key_file,
    }
    opened = _open_in_node(field)
    assert opened.returncode == 0 and opened.stdout == BSN, opened.stderr
    moved = _open_in_node({**field, "path": "slachtoffer.achternaam"})
    assert moved.returncode == 1 and not moved.stdout
    others = json.loads((cluster.recipient_keys_dir / "om.sleutel.json").read_text())
    wrong_key = _open_in_node({**field, "key_file": others})
    assert wrong_key.returncode == 1 and not wrong_key.stdout


def _open_in_node(field: dict) -> subprocess.CompletedProcess[str]:
    schemas = Path(__file__).resolve().parents[1] / "deploy_schemas"
    if not (schemas / "node_modules" / "@hpke" / "core").is_dir():
        pytest.fail(f"@hpke/core is not installed: run `make test` (npm ci in {schemas})")
    return subprocess.run(
        ["node", "open_enc2.mjs"],
        input=json.dumps(field),
        capture_output=True,
        text=True,
        cwd=schemas,
        timeout=60,
    )


def _avro_body(parsed: object, datum: dict) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, datum)
    return out.getvalue()


def test_every_role_has_exactly_the_rights_its_commands_use(
    front, routed, registry, store, tmp_path
):
    recorder, admin = front
    admin.require_bootstrap()
    signal = json.dumps(
        {
            "envelope": {"event_type": "Signaal", "occurred_at": "2026-11-20T14:30:00+01:00"},
            "melder_type": "POLITIE",
            "uitbuitingsvorm": "ARBEID",
            "slachtoffer": {"bsn": BSN, "adres": {"gemeentecode": "GM0344"}},
            "minderjarig": False,
        }
    )
    cli_as(admin, "politie", "publish", "--as", "politie", "-", stdin=signal)
    # a record that is no signal: a dead letter for the operator and the replayer
    raw = Producer(librdkafka(admin, "politie"))
    raw.produce(topics.inbound("politie"), key=b"garbage", value=b"not avro")
    assert raw.flush(30) == 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = cli_as(admin, roles.OPERATOR, "dlq", "list", "--json")
        if listed.stdout.strip():
            break
        time.sleep(1)
    cli_as(admin, "om", "inbox", "--as", "om", "--json")
    cli_as(admin, roles.OPERATOR, "lag", "--samples", "1", "--json")
    cli_as(admin, roles.OPERATOR, "topics", "check")
    cli_as(admin, roles.REPLAYER, "dlq", "replay", "--alle")
    label = FOUND.get("label")
    assert label, "run with the partner test first (it finds a reversible pseudonym)"
    # a herleider the covenant names signs a request; the re-identifier carries it out
    herleider = admin.model_copy(update={"herleider_key": tmp_path / "herleider.json"})
    made = cli_as(
        herleider,
        "gemeente-utrecht",
        "keys",
        "herleider",
        "--naam",
        "T. Est",
        "--namens",
        "gemeente-utrecht",
    )
    public = made.stdout.split("publieke_sleutel: ", 1)[1].split()[0]
    covenants = tmp_path / "convenanten"
    shutil.copytree(admin.convenanten_dir, covenants)
    path = covenants / "midden-nederland.yaml"
    text = path.read_text()
    old_key = text.split("publieke_sleutel: ", 1)[1].split("\n", 1)[0]
    path.write_text(
        text.replace(old_key, public).replace(
            '"M. de Boer (privacyfunctionaris gemeente Utrecht)"', '"T. Est"'
        )
    )
    request = tmp_path / "verzoek.json"
    cli_as(
        herleider,
        "gemeente-utrecht",
        "reidentify",
        "verzoek",
        label,
        "--reden",
        "least-privilege test of reidentify",
        "--uit",
        str(request),
    )
    carrying = admin.model_copy(update={"convenanten_dir": covenants})
    done = cli_as(carrying, roles.REIDENTIFIER, "reidentify", "uitvoeren", str(request))
    assert done.returncode == 0 and done.stdout.split()[-1] == BSN, done.stderr
    # the FG's reports, with the key extract only
    fg_keys = tmp_path / "fg.json"
    write_secret_file(fg_keys, extract(read_keyring(admin.keyring), "verantwoording"))
    cli_as(
        admin,
        roles.ACCOUNTABILITY,
        "verantwoording",
        "inzage",
        "--bsn",
        BSN,
        "--json",
        "--sleutels",
        str(fg_keys),
    )
    cli_as(
        admin,
        roles.ACCOUNTABILITY,
        "verantwoording",
        "overzicht",
        "--convenant",
        "midden-nederland",
        "--json",
    )
    cli_as(admin, roles.ACCOUNTABILITY, "verantwoording", "export")
    # the dry run needs a router's read rights, and no more; it runs with the router's settings
    # (its claims reader names the router's group, as librdkafka wants one, never joining it)
    as_router = as_user(admin, roles.ROUTER).model_copy(
        update={"router_group_id": routed.router_group_id}
    )
    proef = run_cli("convenant", "proef", "--json", env=settings_env(as_router))
    assert proef.returncode == 0 and json.loads(proef.stdout)["signalen"] >= 2, proef.stderr
    cli_as(admin, roles.COVENANT_PUBLISHER, "convenant", "publish")
    # figures on demand run as the router: they claim a version before they send it
    published = cli_as(admin, roles.ROUTER, "statistiek", "publiceer", "--periode", "2026-K4")
    assert "published midden-nederland/S1/2026-K4/v" in published.stdout, published.stdout
    time.sleep(2)  # the router reads the new bundle and its schemas

    acls = all_acls(registry, routed.router_group_id)
    assert not recorder.errors, recorder.errors
    principals = [*roles.ROLE_NAMES, "politie", "om", "gemeente-utrecht"]
    problems = []
    for principal in principals:
        own = {a for a in acls if a.principal == principal}
        used = set()
        sent = recorder.of(principal)
        assert sent, f"no request recorded for {principal}"
        for request in sent:
            for need in needs(
                request, registry.all_topics(), principal in roles.ROLE_NAMES, recorder.topic_names
            ):
                found = allowing(own, principal, need)
                if not found:
                    problems.append(f"{principal}: {request.api} needs {need}, not granted")
                used |= found
        if principal in roles.ROLE_NAMES:  # a partner's rights are the same for every partner
            problems += [f"{principal}: {a} is granted but never used" for a in sorted(own - used)]
    assert not problems, "\n".join(problems)
