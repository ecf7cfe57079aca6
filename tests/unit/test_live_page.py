"""The live page (`convenant bekijk`, issue 30) without a browser: who the guard answers, how
the engines' places become file, line and column, what a snapshot of the folder takes and
refuses, that rendering escapes everything, which publications count, and the real server
(watcher, update loop, routes) over HTTP on loopback."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from pipeline.cli import covenant_page
from pipeline.codec.schema_store import load_store
from pipeline.covenant.loader import load_covenants
from pipeline.officer.document import Block, Cell, Document, h, p, table
from pipeline.officer.page import render
from pipeline.officer.page.folder import MAX_BYTES, take_snapshot, write_snapshot
from pipeline.officer.page.guard import Guard, annex_policy, is_loopback
from pipeline.officer.page.live import Live, Sources
from pipeline.officer.page.published import trusted_publications
from pipeline.officer.page.server import listening_socket, serving
from pipeline.officer.page.stages import Checked, Located, Places
from pipeline.publication.bundle import Bundle
from pipeline.publication.signing import SigningKey, TrustedSigners
from tests.conftest import CONVENANTEN, SCHEMAS
from tests.helpers import run_cli

# --- the guard ------------------------------------------------------------------------------

GUARD = Guard.serving("127.0.0.1", 8123)
OWN = {"Host": "127.0.0.1:8123"}


def test_the_guard_answers_only_to_its_own_names():
    assert GUARD.hosts == {"127.0.0.1:8123", "localhost:8123"}
    assert GUARD.refusal("GET", OWN) is None
    assert GUARD.refusal("HEAD", {"Host": "localhost:8123"}) is None
    # DNS rebinding: a website's own name pointed at 127.0.0.1; or no name at all
    for host in ("rebind.test:8123", "127.0.0.1:9999", "127.0.0.1", ""):
        refusal = GUARD.refusal("GET", {"Host": host})
        assert refusal is not None and refusal.status == 421, host
    assert Guard.serving("::1", 8123).hosts == {"[::1]:8123", "127.0.0.1:8123", "localhost:8123"}
    assert Guard.serving("192.0.2.7", 80).hosts == {"192.0.2.7:80", "192.0.2.7"}


def test_the_guard_refuses_other_websites_and_anything_but_reading():
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        assert GUARD.refusal(method, OWN).status == 405  # type: ignore[union-attr]
    evil = {**OWN, "Origin": "http://aanvaller.test"}
    assert GUARD.refusal("GET", evil).status == 403  # type: ignore[union-attr]
    assert GUARD.refusal("GET", {**OWN, "Origin": "http://127.0.0.1:8123"}) is None
    for site in ("cross-site", "same-site"):  # same-site: 127.0.0.1 on another port
        for mode, dest in (("cors", "empty"), ("no-cors", "script"), ("navigate", "iframe")):
            headers = {**OWN, "Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": dest}
            assert GUARD.refusal("GET", headers).status == 403, headers  # type: ignore[union-attr]
    # a link the officer follows to the page is fine: it opens the page, nothing more
    followed = {**OWN, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert GUARD.refusal("GET", followed) is None
    assert GUARD.refusal("GET", {**OWN, "Sec-Fetch-Site": "none"}) is None


def test_loopback_addresses():
    for address in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert is_loopback(address), address
    for address in ("0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.org", ""):
        assert not is_loopback(address), address


def test_the_annex_may_use_exactly_its_own_styles():
    page = "<html><head><style>p { color: red; }</style></head><body><p>x</p></body></html>"
    digest = base64.b64encode(hashlib.sha256(b"p { color: red; }").digest()).decode()
    policy = annex_policy(page)
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "script" not in policy
    assert "style-src 'none'" in annex_policy("<p>no styles</p>")


# --- places, snapshots, rendering -------------------------------------------------------------


def test_the_engines_places_become_file_line_and_column(tmp_path):
    work = tmp_path / "werk"
    texts = {"a b:c.yaml": "eerste\n  tweede regel\n", "deelnemers.yaml": "x\n"}
    places = Places(work, tmp_path / "convenanten", texts)
    found = places.locate(f"{work}/a b:c.yaml:2:3: regel R1: kijk ook naar {work}/deelnemers.yaml:1:1")
    assert (found.file, found.line, found.column) == ("a b:c.yaml", 2, 3)
    assert found.excerpt == "  tweede regel"
    assert found.place == "a b:c.yaml, regel 2, kolom 3"
    assert str(work) not in found.message and "convenanten/deelnemers.yaml:1:1" in found.message
    whole = places.locate(f"{work}/deelnemers.yaml: het bestand is niet te lezen")
    assert (whole.file, whole.line, whole.column) == ("deelnemers.yaml", None, None)
    elsewhere = places.locate("/etc/passwd:1:1: iets")  # not a file of the folder: no link
    assert elsewhere.file is None and elsewhere.message == "/etc/passwd:1:1: iets"
    beyond = places.locate(f"{work}/a b:c.yaml:99:1: voorbij het einde")
    assert beyond.line == 99 and beyond.excerpt == ""


def test_a_snapshot_takes_only_the_folders_own_files(tmp_path):
    folder = tmp_path / "convenanten"
    folder.mkdir()
    (folder / "a.yaml").write_text("a: 1\n")
    (folder / "LEESMIJ.md").write_text("geen yaml\n")
    (folder / "groot.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    outside = tmp_path / "geheim.yaml"
    outside.write_text("wachtwoord: x\n")
    (folder / "geheim.yaml").symlink_to(outside)
    (folder / "weg.yaml").symlink_to(tmp_path / "bestaat-niet.yaml")
    (folder / "b.yaml").symlink_to(folder / "a.yaml")  # inside the folder: fine
    (folder / "map.yaml").mkdir()
    snapshot = take_snapshot(folder)
    assert sorted(snapshot.files) == ["a.yaml", "b.yaml"]
    refused = dict(snapshot.refused)
    assert "buiten de map" in refused["geheim.yaml"]
    assert "niet bestaat" in refused["weg.yaml"]
    assert "groter dan" in refused["groot.yaml"]
    assert "geen gewoon bestand" in refused["map.yaml"]
    work = tmp_path / "werk"
    work.mkdir()
    (work / "oud.yaml").write_text("van de vorige keer\n")
    write_snapshot(snapshot, work)
    assert sorted(p.name for p in work.iterdir()) == ["a.yaml", "b.yaml"]
    assert not (work / "a.yaml").is_symlink()
    assert take_snapshot(tmp_path / "nergens").exists is False


def test_rendering_escapes_what_the_files_say():
    hostile = "<script>alert(1)</script>"
    checked = Checked(
        (Located(f"regel {hostile}: fout", f"{hostile}.yaml", 3, 2, f'  id: "{hostile}"'),),
        (),
        "1 fout gevonden",
    )
    html = render.section("controle", exists=True, folder="x", refused=((hostile, "reden"),), checked=checked)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/bestand/%3Cscript%3Ealert%281%29%3C%2Fscript%3E.yaml?regel=3#r3"' in html
    document = Document("t")
    document.add(h(2, hostile), table(["veld", hostile], [[Cell(hostile), Cell("", css="leeg")]]))
    blocks = render.shown_blocks(document.blocks, 1)
    inside = render.section("analyse", waiting="", blocks=blocks)
    assert "<script>" not in inside and "<h3>&lt;script&gt;" in inside
    assert 'aria-label="&lt;script&gt;alert(1)&lt;/script&gt;"' in inside  # the table's name
    page = render.file_page(hostile, f"a: {hostile}\n", [], 1, hostile)
    assert "<script>alert" not in page


def test_the_analysis_is_cut_into_its_matrices_and_the_rest():
    doc = Document("Analyse")
    doc.add(p("intro", "noot"), h(2, "Samenvatting"), p("s"), h(2, "Wie ziet wat"), h(3, "x: Signaal"))
    doc.add(table(["veld"], [[Cell("a")]], css="matrix"), Block("page"), h(2, "Losse eindjes"), h(3, "x"))
    matrix, rest = render.split_analysis(doc)
    assert [s.tag for s in matrix] == ["h3", "table"]
    assert matrix[1].label == "x: Signaal"
    assert [(s.tag, s.block.text) for s in rest] == [
        ("p", "intro"), ("h3", "Samenvatting"), ("p", "s"), ("h3", "Losse eindjes"), ("h4", "x")
    ]


# --- publications -----------------------------------------------------------------------------


def _signed(key: SigningKey, version: int, files: dict[str, str]) -> bytes:
    return key.sign(Bundle(files, "2026-05-01T10:00:00+00:00").numbered(version).to_bytes())


def test_only_trusted_publications_count_newest_first():
    officer, stranger = SigningKey.generate("FG"), SigningKey.generate("iemand anders")
    trusted = TrustedSigners(ondertekenaars=[officer.signer()])
    values = [
        _signed(officer, 1, {"a.yaml": "een"}),
        None,  # a tombstone
        b"geen bundel",
        _signed(stranger, 9, {"a.yaml": "van een ander"}),
        _signed(officer, 3, {"a.yaml": "drie"}),
        _signed(officer, 3, {"a.yaml": "later, dezelfde versie"}),  # the first one counts
    ]
    published = trusted_publications(values, trusted)
    assert [(x.version, x.files["a.yaml"], x.signer) for x in published.newest_first] == [
        (3, "drie", "FG"),
        (1, "een", "FG"),
    ]
    assert trusted_publications([], trusted).newest_first == ()


# --- the browser: only with a screen -------------------------------------------------------------


def test_a_browser_is_opened_only_where_there_is_a_screen(monkeypatch):
    opened: list[str] = []
    done = threading.Event()

    def record(url: str, new: int = 0) -> bool:
        opened.append(url)
        done.set()
        raise RuntimeError("no browser here")  # whatever the browser does, the page goes on

    monkeypatch.setattr(covenant_page.webbrowser, "open", record)
    monkeypatch.setattr(covenant_page.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    covenant_page._open_browser("http://127.0.0.1:1/")
    time.sleep(0.2)
    assert opened == []
    monkeypatch.setenv("DISPLAY", ":0")
    covenant_page._open_browser("http://127.0.0.1:1/")
    assert done.wait(5) and opened == ["http://127.0.0.1:1/"]


# --- the command ------------------------------------------------------------------------------


def test_the_command_refuses_an_address_beyond_this_computer_without_the_flag(tmp_path):
    env = {"KETENSTROOM_TAAL": "nl"}
    done = run_cli("convenant", "bekijk", str(CONVENANTEN), "--adres", "192.0.2.10", env=env)
    assert done.returncode == 1
    assert "geen adres van alleen deze computer" in done.stderr and "--ook-van-buiten" in done.stderr
    done = run_cli("convenant", "bekijk", str(CONVENANTEN), "--adres", "0.0.0.0", "--ook-van-buiten", env=env)
    assert done.returncode == 1 and "op elk adres" in done.stderr
    done = run_cli("convenant", "bekijk", str(tmp_path / "nergens"), env=env)
    assert done.returncode == 1 and "nergens" in done.stderr
    done = run_cli("convenant", "bekijk", "--help", env={"KETENSTROOM_TAAL": "nl", "COLUMNS": "200"})
    assert done.returncode == 0 and "Gebruik: python -m pipeline convenant bekijk" in done.stdout
    assert "Alleen op deze" in done.stdout and "--ook-van-buiten" in done.stdout
    assert "Usage" not in done.stdout and "[default" not in done.stdout
    english = run_cli("convenant", "bekijk", "--help", env={"KETENSTROOM_TAAL": "en", "COLUMNS": "200"}).stdout
    assert "Only reachable on this" in english and "Gebruik" not in english


# --- the server over HTTP ---------------------------------------------------------------------


def _covenants(tmp_path: Path) -> Path:
    folder = tmp_path / "convenanten"
    shutil.copytree(CONVENANTEN, folder)
    return folder


async def _settled(live: Live) -> None:
    deadline = time.monotonic() + 60
    while live.busy or live.parts["bijlage"].stand == "0":
        assert time.monotonic() < deadline, live.status
        await asyncio.sleep(0.05)


def _serve(folder: Path, scenario: Any) -> None:
    async def main() -> None:
        live = Live(Sources(folder, load_store(SCHEMAS), folder / "geen-sleutels.json", None))
        sock = listening_socket("127.0.0.1", 0)
        async with serving(live, sock) as where, aiohttp.ClientSession() as client:
            await _settled(live)
            await scenario(live, where.url.rstrip("/"), client)

    asyncio.run(main())


def test_the_server_reads_only_and_names_nothing_outside_the_folder(tmp_path):
    folder = _covenants(tmp_path)

    async def scenario(live: Live, base: str, client: aiohttp.ClientSession) -> None:
        async with client.get(base + "/") as answer:
            assert answer.status == 200
            assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
            assert answer.headers["X-Frame-Options"] == "DENY"
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            page = await answer.text()
        assert '<html lang="nl">' in page and 'href="#inhoud"' in page
        assert "http://" not in page.replace(base, "") and "https://" not in page
        async with client.post(base + "/") as answer:
            assert answer.status == 405 and answer.headers["Allow"] == "GET, HEAD"
        async with client.get(base + "/", headers={"Host": "rebind.test"}) as answer:
            assert answer.status == 421
        async with client.get(base + "/bestand/deelnemers.yaml?regel=3") as answer:
            assert answer.status == 200 and 'id="r3"' in await answer.text()
        for path in ("/bestand/..%2Fconvenanten%2Fdeelnemers.yaml", "/bestand/%2Fetc%2Fpasswd",
                     "/bestand/LEESMIJ.md", "/deel/niets", "/statisch/..%2Fserver.py", "/bijlage/niets"):
            async with client.get(URL(base + path, encoded=True)) as answer:
                assert answer.status == 404, path
                assert "root:" not in await answer.text()
        async with client.get(base + "/bijlage/midden-nederland") as answer:
            annex = await answer.text()
            assert answer.status == 200 and "Bijlage bij" in annex
            assert "style-src 'sha256-" in answer.headers["Content-Security-Policy"]
            assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
        async with client.get(base + "/statisch/bekijk.js") as answer:
            assert answer.content_type == "text/javascript"
        async with client.get(base + "/favicon.ico") as answer:
            assert answer.status == 204
        async with client.get(base + "/gebeurtenissen") as answer:
            assert answer.content_type == "text/event-stream"
            first = (await answer.content.readuntil(b"\n\n")).decode()
        assert first.startswith("event: stand\n")
        state = json.loads(first.split("data: ", 1)[1])
        assert set(state["delen"]) == {k for k, _ in render.SECTIONS} and state["bezig"] is False

    _serve(folder, scenario)


def test_a_save_reaches_a_listening_browser_and_a_folder_that_is_not_yaml_does_not_stop_it(tmp_path):
    folder = _covenants(tmp_path)

    async def scenario(live: Live, base: str, client: aiohttp.ClientSession) -> None:
        async with client.get(base + "/gebeurtenissen") as events:
            await events.content.readuntil(b"\n\n")
            before = live.parts["controle"].stand
            (folder / "kapot.yaml").write_bytes(b"\x00\xff binair")
            while True:  # every state is told; the one with the check's new print comes
                state = json.loads((await events.content.readuntil(b"\n\n")).decode().split("data: ", 1)[1])
                if state["delen"]["controle"] != before:
                    break
        async with client.get(base + "/deel/controle") as answer:
            text = await answer.text()
        assert "kapot.yaml" in text and "UTF-8" in text
        os.unlink(folder / "kapot.yaml")
        # a file the editor has only just created: the check passes it over, as `convenant check`
        (folder / "leeg.yaml").write_text("")
        await asyncio.sleep(0.3)
        await _settled(live)
        assert live.checked is not None and live.checked.ok
        assert "leeg.yaml" in live.snapshot.files

    _serve(folder, scenario)


def test_no_covenant_in_the_folder_is_said_not_crashed_on(tmp_path):
    folder = tmp_path / "leeg"
    folder.mkdir()
    shutil.copy(CONVENANTEN / "deelnemers.yaml", folder)

    async def scenario(live: Live, base: str, client: aiohttp.ClientSession) -> None:
        assert live.checked is not None and live.checked.summary == "Deze map bevat nog geen convenant."

    async def main() -> None:
        live = Live(Sources(folder, load_store(SCHEMAS), folder / "x.json", None))
        async with serving(live, listening_socket("127.0.0.1", 0)):
            deadline = time.monotonic() + 30
            while live.checked is None or live.busy:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            await scenario(live, "", None)  # type: ignore[arg-type]

    asyncio.run(main())
    assert load_covenants(CONVENANTEN)  # the repository's folder itself was never touched


def test_a_website_cannot_write_to_the_officers_terminal(tmp_path, caplog):
    """Broke before (red team, the merged system): every refused request is said on the
    terminal the officer started `convenant bekijk` in, with its path and Host as sent. Any
    website open in another tab (an <img> to each port on 127.0.0.1 finds the page) sent
    escape sequences in the path: the terminal cleared its screen, took colours and a window
    title of the website's choosing. The path and Host are now shown with such characters
    written as their codes, and cut after SHOWN_AT_MOST characters."""
    from pipeline.officer.page.guard import SHOWN_AT_MOST

    folder = _covenants(tmp_path)
    cross_site = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}

    async def scenario(live: Live, base: str, client: aiohttp.ClientSession) -> None:
        for path in ("/%1b%5b2J%1b%5d0;pwned%07%e2%80%ae%c2%9b", "/" + "a" * 5000):
            async with client.get(URL(base + path, encoded=True), headers=cross_site) as answer:
                assert answer.status == 403

    with caplog.at_level(logging.WARNING):
        _serve(folder, scenario)
    said = [r.getMessage() for r in caplog.records if "GET /" in r.getMessage()]
    assert len(said) == 2
    assert not any(ch in line for line in said for ch in "\x1b\x07\u202e\x9b")
    assert "\\x1b[2J" in said[0] and "\\u202e" in said[0]
    assert len(said[1]) < SHOWN_AT_MOST + 300
