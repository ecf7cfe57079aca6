"""The live page's change memo against the last published version, read from the real broker
as workers read it (issue 30): the newest bundle a trusted key signed on the control topic;
a newer one signed by a stranger does not count; the annex says "vastgesteld" for the text
that was published; an unreachable broker falls back to git."""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from pathlib import Path

from pipeline.app.process import settings_env
from pipeline.broker.admin import provision_topics
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.cli.covenant_page import _published_reader
from pipeline.client.covenant_topic import publish_bundle, this_installation
from pipeline.codec.schema_store import load_store
from pipeline.officer.page.live import Live, Sources
from pipeline.publication.bundle import Bundle, Installation
from pipeline.publication.signing import create_signing_key
from pipeline.registry import load_registry
from pipeline.settings import Settings
from tests.conftest import CONVENANTEN, SCHEMAS
from tests.helpers import run_cli

FIELD = "      slachtoffer.achternaam: doorgeven\n"  # R1: the OM gets the victim's surname


def _settings(broker: EmbeddedBroker, keys: Path, name: str) -> Settings:
    create_signing_key(name, keys / f"{name}.json", keys / f"{name}-vertrouwd.json")
    return Settings(
        broker="external",
        bootstrap_servers=broker.bootstrap_servers,
        signing_key=keys / f"{name}.json",
        trusted_signers=keys / f"{name}-vertrouwd.json",
        connect_timeout_s=3.0,
    )


def _update(live: Live) -> None:
    async def main() -> None:
        follow = asyncio.create_task(live.follow_baseline())
        run = asyncio.create_task(live.run())
        deadline = time.monotonic() + 60
        while live.busy or live.parts["bijlage"].stand == "0":
            assert time.monotonic() < deadline, live.status
            await asyncio.sleep(0.05)
        follow.cancel()
        run.cancel()

    asyncio.run(main())
    live.close()  # the work folder goes; the parts stay readable


def test_the_memo_compares_with_the_newest_trusted_publication(broker, tmp_path):
    officer = _settings(broker, tmp_path, "fg")
    stranger = _settings(broker, tmp_path, "vreemde")
    bootstrap = broker.bootstrap_servers
    provision_topics(officer, bootstrap, load_registry(CONVENANTEN))
    folder = tmp_path / "convenanten"
    shutil.copytree(CONVENANTEN, folder)
    text = (folder / "midden-nederland.yaml").read_text()
    here = this_installation(officer, bootstrap)
    # the control topic is shared with other test modules: versions of this test's own range
    version = random.randint(10_000, 1_000_000)
    older = Bundle({"midden-nederland.yaml": text.replace(FIELD, "")}, "2026-04-01T09:00:00+00:00", installation=here)
    publish_bundle(officer, bootstrap, older.numbered(version))
    published = Bundle({"midden-nederland.yaml": text}, "2026-05-01T09:00:00+00:00", installation=here)
    publish_bundle(officer, bootstrap, published.numbered(version + 1))
    hostile = Bundle({"midden-nederland.yaml": text.replace(FIELD, "")}, "2026-06-01T09:00:00+00:00", installation=here)
    publish_bundle(stranger, bootstrap, hostile.numbered(version + 2))  # not a trusted key
    # red team: the officer's own key signed the edit below for acceptance (issue 26, attack
    # 2), and someone wrote it here. No worker here adopts it; the page took it for the last
    # publication: the memo said "no change" for the edit, and the annex "vastgesteld"
    elsewhere = Installation("acceptatie", "acceptatie-cluster")
    foreign = Bundle({"midden-nederland.yaml": text.replace(FIELD, "")}, "2026-06-02T09:00:00+00:00", installation=elsewhere)
    publish_bundle(officer, bootstrap, foreign.numbered(version + 3))

    reading = _published_reader(officer)
    assert reading is not None
    assert [p.version for p in reading.newest_first][:2] == [version + 1, version]

    # the officer removes the surname from R1: the memo says so against publication version+1
    (folder / "midden-nederland.yaml").write_text(text.replace(FIELD, ""))
    sources = Sources(folder, load_store(SCHEMAS), tmp_path / "geen.json", None, lambda: _published_reader(officer))
    live = Live(sources)
    _update(live)
    memo = live.parts["wijzigingen"].html
    assert f"gepubliceerde versie {version + 1} (2026-05-01)" in memo
    assert "niet meer gedeeld" in memo and "slachtoffer.achternaam" in memo
    annex = live.annex("midden-nederland") or ""
    # this very text was published once, as the older version; the newer one has another text
    assert f"vastgesteld: publicatie {version} van 2026-04-01, ondertekend door fg" in annex
    assert f"sinds publicatie {version + 1} geldt een andere tekst" in annex
    # the printed annex (`convenant explain`) reads the publications itself: the same status
    printed = run_cli(
        "convenant", "explain", str(folder / "midden-nederland.yaml"), "--format", "html",
        env={**settings_env(officer), "KETENSTROOM_TAAL": "nl"},
    )
    assert printed.returncode == 0, printed.stderr
    assert f"sinds publicatie {version + 1} geldt een andere tekst" in printed.stdout

    # back to the published text: no change, and the annex names the publication and its signer
    (folder / "midden-nederland.yaml").write_text(text)
    live = Live(sources)
    _update(live)
    assert "geen wijziging in wat er gedeeld wordt" in live.parts["overzicht"].html
    annex = live.annex("midden-nederland") or ""
    assert f"vastgesteld: publicatie {version + 1} van 2026-05-01, ondertekend door fg" in annex


def test_an_unreachable_broker_falls_back_to_git(tmp_path):
    gone = Settings(broker="external", bootstrap_servers=f"127.0.0.1:{free_port()}", connect_timeout_s=1.0)
    assert _published_reader(gone) is None
    folder = tmp_path / "convenanten"
    shutil.copytree(CONVENANTEN, folder)
    live = Live(Sources(folder, load_store(SCHEMAS), tmp_path / "geen.json", None, lambda: _published_reader(gone)))
    _update(live)
    memo = live.parts["wijzigingen"].html
    assert "De pijplijn antwoordde niet" in memo and "niet in git" in memo
