"""The privacy officer's Zeeland-West-Brabant scenario, end to end on the embedded broker, with
the commands as the officer and the operator type them (issue 20): add the partners, make
their keys, restart the worker, write the covenant, check, explain, diff, test, publish live;
a signal from Breda then reaches gemeente-breda, and one from Utrecht does not; the annex of
the published text then says who adopted it and when, on every printed page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from pipeline import topics
from pipeline.app.process import WorkerProcess, settings_env
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.demo import EMBEDDED_TIMINGS
from pipeline.privacy.keyring import write_secret_file
from pipeline.publication.bundle import Bundle, bundle_key
from pipeline.publication.signing import SigningKey
from pipeline.settings import Settings
from tests.conftest import CONVENANTEN
from tests.helpers import run_cli

pytestmark = pytest.mark.integration
DATA = Path(__file__).resolve().parent.parent / "data" / "officer"
BREDA = {
    "envelope": {"event_type": "Signaal"},
    "melder_type": "POLITIE",
    "uitbuitingsvorm": "ARBEID",
    "sector": "logistiek",
    "slachtoffer": {
        "bsn": "111222333",
        "voornamen": "Ana",
        "achternaam": "Ionescu",
        "geboortedatum": "1995-03-04",
        "adres": {"postcode": "4811 AA", "woonplaats": "Breda", "gemeentecode": "GM0758"},
    },
}


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: its published bundle must not reach other tests."""
    with EmbeddedBroker() as running:
        yield running


def _until(condition, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_zeeland_west_brabant_from_registry_to_live(broker, keys, store, tmp_path):
    officer = tmp_path / "convenanten"
    shutil.copytree(CONVENANTEN, officer)
    keydir = tmp_path / "keys"
    keyring, _ = keys
    write_secret_file(keydir / "keyring.json", keyring)
    settings = Settings(
        broker="external",
        bootstrap_servers=broker.bootstrap_servers,
        router_group_id=f"router-{uuid.uuid4().hex[:8]}",
        convenanten_dir=officer,
        keyring=keydir / "keyring.json",
        recipient_keys_dir=keydir / "ontvangers",
        signing_key=keydir / "ondertekening.json",
        trusted_signers=keydir / "ondertekenaars.json",
        dead_letter_key=keydir / "dode-letters.sleutel.json",
        metrics_port=free_port(),
        **EMBEDDED_TIMINGS,
    )
    env = {k: v for k, v in settings_env(settings).items() if k.startswith("KETENSTROOM_")}
    env["KETENSTROOM_TAAL"] = "nl"

    def cli(*args: str) -> str:
        done = run_cli(*args, env=env)
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    # 1. the registry: the new partners; their keys; the signing key
    with (officer / "deelnemers.yaml").open("a") as registry:
        registry.write((DATA / "deelnemers-erbij.yaml").read_text())
    cli("keys", "recipient", "--for", "zorgcoordinatie-zwb")
    cli("keys", "dode-letters")  # the privacy role's key; workers get its public half
    assert "ondertekensleutel" in cli("keys", "ondertekening", "--naam", "FG Zeeland-West-Brabant")
    # 2. the worker (re)starts with the new registry: topics and inboxes for the partners
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        # 3. the officer writes the covenant and its examples, and checks them
        before = tmp_path / "voor"
        shutil.copytree(officer, before)
        for name in ("zeeland-west-brabant.yaml", "zeeland-west-brabant.voorbeelden.yaml"):
            shutil.copy(DATA / name, officer / name)
        assert (
            "in orde: convenanten midden-nederland (versie 2025.1) en zeeland-west-brabant "
            "(versie 2026.1)"
        ) in cli(
            "convenant", "check"
        )
        annex = cli(
            "convenant", "explain", str(officer / "zeeland-west-brabant.yaml"), "--format", "html"
        )
        assert "Wat Gemeente Breda (gemeente-breda) ontvangt" in annex
        assert (
            "<dt>Werkgebied</dt><dd>gemeenten GM0687 Middelburg (Z.), GM0748 Bergen op Zoom, GM0758 "
            "Breda, GM0826 Oosterhout, GM0840 Rucphen; politie-eenheid Zeeland-West-Brabant "
            "(ZEELAND_WEST_BRABANT), voor signalen zonder gemeente</dd>"
        ) in annex
        # the broker is configured and reachable, nothing is published yet: a concept
        assert "Status</dt><dd>concept: deze tekst is niet gepubliceerd" in annex
        memo = cli("convenant", "diff", str(before), str(officer))
        assert "convenant zeeland-west-brabant is nieuw" in memo
        assert "gemeente-breda" in memo and "nieuw gedeeld: Signaal" in memo
        assert "7 geslaagd, 0 mislukt" in cli("convenant", "test")
        # 4. publish live: the running worker switches without a restart
        published = cli("convenant", "publish")  # waits until the worker confirms it
        assert (
            "Versie 1 gepubliceerd (midden-nederland@2025.1+zeeland-west-brabant@2026.1"
            in published
        )
        assert "Overgenomen (versie 1) door:" in published
        with Publisher(settings, broker.bootstrap_servers, "politie", store) as politie:

            def breda_received() -> bool:
                politie.publish(BREDA)
                views = read_inbox(settings, broker.bootstrap_servers, "gemeente-breda")
                return bool(views)

            assert _until(breda_received), worker.output()[-3000:]
            utrecht = {
                **BREDA,
                "slachtoffer": {**BREDA["slachtoffer"], "adres": {"gemeentecode": "GM0344"}},
            }
            politie.publish(utrecht)
        views = read_inbox(settings, broker.bootstrap_servers, "gemeente-breda")
        assert views and all(v.datum["slachtoffer"]["adres"]["postcode"] == "4811" for v in views)
        assert "111222333" not in str([v.datum for v in views])  # a pseudonym, not the BSN
        assert worker.alive, worker.output()[-3000:]
        # 5. a dry run against the published version: the officer reads Dutch only (the
        # adoption a worker logs in English is not theirs to read)
        proef = run_cli("convenant", "proef", env=env)
        assert proef.returncode == 0, proef.stderr
        assert "door publicatie 1, die nu live is (midden-nederland@2025.1" in proef.stdout
        assert "covenant policy switched" not in proef.stderr, proef.stderr
        assert "connecting" not in proef.stderr
        # 6. the annex of the published text says it is adopted, by whom and when
        _annex_status_follows_the_publication(cli, officer / "zeeland-west-brabant.yaml", tmp_path)
        _a_forged_signer_does_not_make_a_text_adopted(cli, settings, officer / "zeeland-west-brabant.yaml")
    finally:
        worker.stop()


def _annex_status_follows_the_publication(cli, covenant: Path, tmp_path: Path) -> None:
    """The annex of a published text: "vastgesteld: publicatie 1 van <day>, ondertekend door
    <signer>" in its facts and in the footer of every printed page (PDF through headless
    Chromium, read back with pdftotext); the same file changed by one line is a concept again."""
    annex = cli("convenant", "explain", str(covenant), "--format", "html")
    found = re.search(
        r"<dt>Status</dt><dd>vastgesteld: publicatie 1 van (\d{4}-\d{2}-\d{2}), ondertekend "
        r"door FG Zeeland-West-Brabant</dd>",
        annex,
    )
    assert found, annex[:3000]
    today = dt.datetime.now(dt.UTC).date()
    assert abs((dt.date.fromisoformat(found.group(1)) - today).days) <= 1
    pdf = tmp_path / "bijlage.pdf"
    cli("convenant", "explain", str(covenant), "--format", "pdf", "--uit", str(pdf))
    pages = _pdf_pages(pdf)
    assert len(pages) >= 4  # the parts, and a page per recipient
    for number, page in enumerate(pages, 1):
        assert f"pagina {number} van {len(pages)}" in page, page[-300:]
        assert "Bijlage zeeland-west-brabant, versie 2026.1, vastgesteld" in page, page[-300:]
    assert "vastgesteld: publicatie 1 van" in pages[0]
    # one line more than was published: a concept, in the facts and on every page
    covenant.write_text(covenant.read_text() + "# nog niet gepubliceerd\n")
    changed = cli("convenant", "explain", str(covenant), "--format", "html")
    assert "<dt>Status</dt><dd>concept: deze tekst is niet gepubliceerd</dd>" in changed
    assert "vastgesteld" not in changed


def _a_forged_signer_does_not_make_a_text_adopted(cli, settings: Settings, covenant: Path) -> None:
    """Attack: anyone who can write the control topic signs the changed text with a key of its
    own under the officer's name, as a higher version. The annex trusts only the trusted
    signers: the changed text stays a concept, the published one stays adopted."""
    changed = covenant.read_text()
    published = changed.removesuffix("# nog niet gepubliceerd\n")
    forger = SigningKey.generate("FG Zeeland-West-Brabant")  # the officer's name, not its key
    files = {**Bundle.from_directory(covenant.parent).files, covenant.name: changed}
    bundle = Bundle(files, dt.datetime.now(dt.UTC).isoformat(), 2)
    producer = KafkaProducer(bootstrap_servers=settings.require_bootstrap(), acks="all")
    producer.send(topics.COVENANTS, key=bundle_key(2), value=forger.sign(bundle.to_bytes())).get(30)
    producer.close()
    annex = cli("convenant", "explain", str(covenant), "--format", "html")
    assert "<dt>Status</dt><dd>concept: deze tekst is niet gepubliceerd</dd>" in annex
    covenant.write_text(published)
    annex = cli("convenant", "explain", str(covenant), "--format", "html")
    assert "<dt>Status</dt><dd>vastgesteld: publicatie 1 van " in annex
    assert "sinds publicatie 2" not in annex  # the forged version is no publication


def _pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF (poppler's pdftotext; `make test` installs it)."""
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [page for page in done.stdout.split("\f") if page.strip()]
