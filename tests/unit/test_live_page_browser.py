"""The live page beside the officer's editor (issue 30) in a real browser: Debian's headless
Chromium, driven by Playwright, opens `ketenstroom convenant bekijk` on a copy of the
covenants; the test saves a mistake and sees it appear with its line, follows the link to the
line, fixes the file so the matrix changes, and checks that no request leaves 127.0.0.1 and
that axe-core finds no accessibility problem. Then it attacks the page as a website in another
tab and as a careless officer would. Screenshots of each state: tests/output/bekijk/."""

from __future__ import annotations

import http.client
import itertools
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.live_page import AXE, CHROMIUM_FLAGS, OUTPUT, chromium, covenant_copy, running_page

COVENANT = "midden-nederland.yaml"
LINE = 172  # R1 gives the OM the victim's surname
FIELD = "      slachtoffer.achternaam: doorgeven\n"
TIMEOUT_MS = 30_000
#: axe-core's rule sets: WCAG 2.0-2.2 A and AA, and its best practices (landmarks, headings).
AXE_RUN = """async () => {
  const found = await axe.run(document, {runOnly: {type: 'tag', values:
    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
  return found.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ` +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '));
}"""
CELL = """([caption, field, recipient]) => {
  const heading = [...document.querySelectorAll('#wie-ziet-wat h3')]
    .find(h => h.textContent.trim() === caption);
  const table = heading.nextElementSibling.querySelector('table');
  const column = [...table.tHead.rows[0].cells].findIndex(c => c.textContent.trim() === recipient);
  const shown = cell => [...cell.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  const row = [...table.tBodies[0].rows].find(r => shown(r.cells[0]) === field);
  return row ? shown(row.cells[column]) : null;
}"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return covenant_copy(tmp_path_factory.mktemp("bekijk"))


@pytest.fixture(scope="module")
def url(folder: Path) -> Iterator[str]:
    # started beside the folder, as an officer would: the page names it "convenanten"
    with running_page(folder, cwd=folder.parent, env={"KETENSTROOM_KEYRING": "sleutelring.json"}) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # rebind.test: a hostile website's own name pointed at this computer (DNS rebinding)
        launched = playwright.chromium.launch(
            executable_path=chromium(),
            args=[*CHROMIUM_FLAGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"],
        )
        yield launched
        launched.close()


class Officer:
    """One browser tab on the page, recording every request it makes."""

    def __init__(self, browser: Browser, url: str) -> None:
        # screenshots without the update's highlight half-way (the page honours reduced motion)
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
        )
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page: Page = self.context.new_page()
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.set_default_timeout(TIMEOUT_MS)
        self.url = url

    def part(self, key: str) -> str:
        return self.page.locator(f'[data-deel="{key}"]').inner_text()

    def until(self, key: str, text: str) -> float:
        """Seconds until part ``key`` says ``text``."""
        started = time.monotonic()
        self.page.wait_for_function(
            "([key, text]) => document.querySelector(`[data-deel='${key}']`).textContent.includes(text)",
            arg=[key, text],
        )
        return time.monotonic() - started

    def until_status(self, text: str) -> None:
        """Until the status line (aria-live) says ``text``."""
        self.page.wait_for_function(
            "text => document.getElementById('status').textContent.includes(text)", arg=text
        )

    def until_checked(self) -> None:
        self.page.wait_for_selector('[data-deel="controle"] .label--goed')
        self.page.wait_for_function("() => document.body.dataset.bezig === 'nee'")

    def shot(self, name: str, selector: str | None = None) -> Path:
        if selector:
            self.page.locator(selector).first.scroll_into_view_if_needed()
        target = OUTPUT / f"{name}.png"
        self.page.screenshot(path=target, type="png")
        return target

    def axe(self) -> list[str]:
        if not AXE.exists():
            pytest.fail("axe-core is missing: `make test` installs it (npm ci in tests/deploy_schemas)")
        self.page.evaluate(AXE.read_text())  # through the debugger: the page's CSP stays as it is
        return list(self.page.evaluate(AXE_RUN))


@pytest.fixture(scope="module")
def officer(browser: Browser, url: str) -> Iterator[Officer]:
    tab = Officer(browser, url)
    tab.page.goto(url)
    tab.until_checked()
    yield tab
    tab.context.close()


def _save(path: Path, text: str) -> None:
    """As an editor saves: write a new file beside it and move it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def test_the_page_opens_on_loopback_with_landmarks_and_no_accessibility_problem(officer):
    page = officer.page
    assert urlsplit(officer.url).hostname == "127.0.0.1"
    assert page.get_attribute("html", "lang") == "nl"
    assert page.locator("h1").count() == 1
    for landmark in ("banner", "navigation", "main", "contentinfo"):
        assert page.get_by_role(landmark).count() >= 1, landmark
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert page.locator("[aria-live=polite][role=status]").count() == 1
    # keyboard: the first Tab reaches the skip link, visible, with a visible focus ring
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();"
        " return [e.textContent, s.outlineStyle, r.left >= 0 && r.top >= 0]; })()"
    )
    assert focused == ["Naar de inhoud", "solid", True], focused
    officer.shot("00-overslaan-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    # an updated part lights up, unless the officer's system asks for reduced motion
    page.emulate_media(reduced_motion="no-preference")
    page.evaluate("document.querySelector('[data-deel]').classList.add('vernieuwd')")
    animation = "getComputedStyle(document.querySelector('.vernieuwd')).animationName"
    assert page.evaluate(animation) == "vernieuwd"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(animation) == "none"
    assert officer.axe() == []
    officer.shot("01-begin")


def test_a_mistake_appears_with_its_line_and_the_fix_changes_the_matrix(officer, folder):
    page = officer.page
    path = folder / COVENANT
    original = path.read_text()
    lines = original.splitlines(keepends=True)
    assert lines[LINE - 1] == FIELD
    matrix = ["midden-nederland: Signaal", "slachtoffer.achternaam", "om"]
    assert page.evaluate(CELL, matrix).startswith("ja")

    # a mistake: a field the schema does not have
    lines[LINE - 1] = FIELD.replace("achternaam", "achternam")
    _save(path, "".join(lines))
    seconds = officer.until("controle", "slachtoffer.achternam;")
    print(f"save to error on the page: {seconds:.2f} s")
    place = page.locator('[data-deel="controle"] .melding__plek a').first
    assert place.inner_text() == f"{COVENANT}, regel {LINE}, kolom 30"
    officer.until_status("Controle: 1 fout gevonden")
    assert "Niet bijgewerkt" in officer.part("wie-ziet-wat")  # the last good matrix, marked so
    page.evaluate("window.scrollTo(0, 0)")
    officer.shot("02-fout-bovenaan")  # the picture in README.md and LEESMIJ.md (docs/bekijk.png)
    officer.shot("02-fout", '[data-deel="controle"]')
    assert officer.axe() == []

    # the link shows the line in the file, highlighted, with the message
    place.click()
    line = page.locator(f"#r{LINE}")
    assert line.get_attribute("aria-current") == "location"
    assert "regel--melding" in (line.get_attribute("class") or "")
    assert "slachtoffer.achternam" in line.inner_text()
    officer.shot("03-bestand-regel", f"#r{LINE}")
    assert officer.axe() == []
    page.go_back()
    officer.until("controle", "slachtoffer.achternam;")

    # the fix: R1 no longer gives the OM the surname; the matrix, the examples and the memo follow
    page.locator('[data-deel="controle"] .melding__plek a').first.focus()  # a keyboard user is there
    del lines[LINE - 1]
    _save(path, "".join(lines))
    page.wait_for_function("(args) => (" + CELL + ")(args) === ''", arg=matrix)
    officer.until_checked()
    # the link went with the mistake: focus stays in the part (on its heading), not lost
    assert page.evaluate("document.activeElement.id") == "kop-controle"
    page.evaluate(
        "([caption]) => [...document.querySelectorAll('#wie-ziet-wat h3')]"
        ".find(h => h.textContent.trim() === caption).scrollIntoView()",
        matrix,
    )
    officer.shot("04-wie-ziet-wat")
    examples = officer.part("voorbeelden")
    assert "mislukt" in examples.lower() and "slachtoffer.achternaam" in examples
    officer.shot("05-voorbeelden", ".voorbeeld--fout")
    memo = officer.part("wijzigingen")
    assert "de laatste vastgelegde versie in git (HEAD)" in memo
    assert "slachtoffer.achternaam" in memo and "Openbaar Ministerie" in memo
    officer.shot("06-wijzigingen", "#wijzigingen")
    page.evaluate("document.querySelector('#bijlage iframe').scrollIntoView()")
    annex = page.frame_locator("#bijlage iframe").locator("h1")
    assert annex.inner_text().startswith("Bijlage bij Convenant gegevensdeling")
    officer.shot("07-bijlage")
    assert officer.axe() == []
    _save(path, original)
    officer.until_checked()

    # nothing left this computer: every request went to the page itself
    port = urlsplit(officer.url).port
    elsewhere = [u for u in officer.requests if urlsplit(u).hostname != "127.0.0.1" or urlsplit(u).port != port]
    assert officer.requests and elsewhere == []
    assert officer.dialogs == []


def test_a_crafted_file_name_and_content_stay_text(officer, folder):
    page = officer.page
    name = "<img src=x onerror=alert(1)>.yaml"
    hostile = (
        "convenant:\n  id: \"<script>alert('id')</script>\"\n  titel: \"</title><img src=x onerror=alert(2)>\"\n"
        "regels:\n  - id: \"<svg onload=alert(3)>\"\n    ontvangers: [\"<img src=y onerror=alert(4)>\"]\n"
    )
    _save(folder / name, hostile)
    officer.until("controle", name)
    shown = officer.part("controle")
    assert "<script>alert('id')</script>" in shown and '<svg onload=alert(3)>' in shown  # as text
    officer.shot("08-vijandige-naam", '[data-deel="controle"]')
    page.locator('[data-deel="controle"] .melding__plek a', has_text=name).first.click()
    assert page.locator("h1").inner_text() == name
    assert page.evaluate("document.querySelectorAll('img, svg, script:not([src])').length") == 0
    page.go_back()
    officer.until("controle", name)
    assert page.evaluate("document.querySelectorAll('main img, main svg, script:not([src])').length") == 0
    assert page.evaluate("document.scripts.length") == 1
    assert officer.dialogs == []

    # removed: the page follows, and the file is no longer shown
    (folder / name).unlink()
    officer.until_checked()
    assert _get(officer.url, "/bestand/" + name.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20"))[0] == 404


def _get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """A request as written (no client normalises the path)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", (headers or {}).get("Host", parts.netloc))
    for name, value in (headers or {}).items():
        if name != "Host":
            connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    body = answer.read().decode("utf-8", "replace")
    connection.close()
    return answer.status, body


def test_a_symlink_out_of_the_folder_and_traversal_show_nothing_outside(officer, folder, tmp_path):
    secret = tmp_path / "geheim.yaml"
    secret.write_text("wachtwoord: GEHEIM-7391\n")
    link = folder / "geheim.yaml"
    link.symlink_to(secret)
    try:
        officer.until("controle", "geheim.yaml verwijst naar een bestand buiten de map")
        assert "GEHEIM-7391" not in officer.page.content()
        for path in (
            "/bestand/geheim.yaml",
            "/bestand/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "/bestand/../../../../etc/passwd",
            "/bestand/%2Fetc%2Fpasswd",
            "/statisch/..%2F..%2F..%2Fsettings.py",
        ):
            status, body = _get(officer.url, path)
            assert status in (400, 404), (path, status)
            assert "GEHEIM" not in body and "root:" not in body and "BaseSettings" not in body
    finally:
        link.unlink()
    officer.until_checked()


def test_another_website_can_neither_rebind_nor_read_the_page(browser, officer, folder):
    port = urlsplit(officer.url).port
    context = browser.new_context()
    try:
        page = context.new_page()
        # DNS rebinding: the attacker's own name, now pointing at 127.0.0.1
        answer = page.goto(f"http://rebind.test:{port}/")
        assert answer is not None and answer.status == 421
        # ... which chooses the paths too: escape sequences for the officer's terminal, where
        # every refusal is said (Chromium keeps other websites from 127.0.0.1 altogether, other
        # browsers do not)
        escapes = page.goto(f"http://rebind.test:{port}/%1b[2J%1b]0;overgenomen%07%e2%80%ae")
        assert escapes is not None and escapes.status == 421
        assert "Convenanten in" not in page.content() and "midden-nederland" not in page.content()
        # a page of another website, open in the officer's browser, tries to read the page
        attack = f"""<!doctype html><title>x</title><script>
          const base = 'http://127.0.0.1:{port}';
          window.result = (async () => {{
            const out = {{}};
            try {{ const r = await fetch(base + '/deel/controle'); out.cors = await r.text(); }}
            catch (e) {{ out.cors = 'blocked'; }}
            try {{ const r = await fetch(base + '/deel/controle', {{mode: 'no-cors'}}); out.opaque = r.type + ':' + (await r.text()); }}
            catch (e) {{ out.opaque = 'blocked'; }}
            out.events = await new Promise(done => {{
              const s = new EventSource(base + '/gebeurtenissen');
              s.addEventListener('stand', e => {{ s.close(); done('read: ' + e.data); }});
              s.onerror = () => {{ s.close(); done('blocked'); }};
            }});
            return out;
          }})();
        </script>"""
        page.route("http://aanvaller.test/**", lambda route: route.fulfill(body=attack, content_type="text/html"))
        page.goto("http://aanvaller.test/")
        result: dict[str, Any] = page.evaluate("window.result")
        assert result["cors"] == "blocked", result
        assert result["opaque"] in ("blocked", "opaque:"), result
        assert result["events"] == "blocked", result
    finally:
        context.close()
    # the refusal is said on the officer's terminal: with the escapes as codes, never obeyed
    # (red team: they cleared the screen and set the window title before)
    terminal = folder.parent / f"bekijk-{folder.name}.log"
    deadline = time.monotonic() + 10
    while "\\x1b[2J" not in terminal.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    said = terminal.read_text()
    assert "\\x1b[2J" in said and "\\u202e" in said
    assert "\x1b" not in said and "\x07" not in said and "\u202e" not in said
    # what a rebinding or cross-site request gets from the server itself, whatever the browser
    assert _get(officer.url, "/", {"Host": f"rebind.test:{port}"})[0] == 421
    cross = {"Origin": "http://aanvaller.test", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    assert _get(officer.url, "/deel/controle", cross)[0] == 403
    assert _get(officer.url, "/gebeurtenissen", cross)[0] == 403


def test_a_careless_officer_half_saves_writes_no_yaml_and_moves_the_folder(officer, folder):
    path = folder / COVENANT
    original = path.read_text()
    path.write_text(original[: len(original) * 2 // 5])  # the editor stopped half-way
    officer.until("controle", "gevonden")
    assert officer.page.locator('[data-deel="controle"] .melding').count() >= 1
    path.write_text(original)
    officer.until_checked()

    notes = folder / "notities.yaml"
    notes.write_bytes(b"\xff\xfe\x00 dit is geen tekst")
    officer.until("controle", "geen gewone tekst (UTF-8)")
    notes.unlink()
    officer.until_checked()

    moved = folder.with_name("elders")
    folder.rename(moved)
    try:
        officer.until("controle", "bestaat niet")
        officer.shot("09-map-weg", '[data-deel="controle"]')
    finally:
        moved.rename(folder)
    officer.until_checked()
    officer.until_status("Controle: 1 convenant in orde. Voorbeeldtests: 5 geslaagd, 0 mislukt.")


def test_thirty_covenants_stay_responsive(browser, tmp_path):
    folder = covenant_copy(tmp_path, git=False)
    text = (folder / COVENANT).read_text()
    (folder / COVENANT).unlink()
    (folder / "midden-nederland.voorbeelden.yaml").unlink()
    places = [line.split(";")[0] for line in (Path(__file__).parents[2] / "pipeline" / "places" / "gemeenten.csv").read_text().splitlines() if line.startswith("GM")]
    start = text.index("  werkgebied:")
    end = text.index("  partijen:")
    for index in range(30):
        own = text[:start] + f"  werkgebied:\n    gemeenten: [{places[index]}]\n" + text[end:]
        own = own.replace("id: midden-nederland", f"id: regio-{index:02d}", 1)
        own = own.replace("verwerkingen/midden-nederland", f"verwerkingen/regio-{index:02d}")
        (folder / f"regio-{index:02d}.yaml").write_text(own)
    with running_page(folder) as address:
        tab = Officer(browser, address)
        try:
            started = time.monotonic()
            tab.page.goto(address)
            answers = []
            while tab.page.evaluate("document.body.dataset.bezig") != "nee":
                asked = time.monotonic()
                status, _ = _get(address, "/deel/controle")
                answers.append(time.monotonic() - asked)
                assert status == 200
                time.sleep(0.2)
            ready = time.monotonic() - started
            assert tab.page.locator("#wie-ziet-wat table.matrix").count() >= 30
            print(
                f"30 covenants: all parts after {ready:.1f} s; {len(answers)} requests while busy, "
                f"slowest answer {max(answers, default=0) * 1000:.0f} ms"
            )
            stand = tab.page.get_attribute('[data-deel="wie-ziet-wat"]', "data-stand")
            path = folder / "regio-07.yaml"
            saved = time.monotonic()
            _save(path, path.read_text().replace(FIELD, "", 1))
            tab.page.wait_for_function(
                "s => document.querySelector('[data-deel=\"wie-ziet-wat\"]').dataset.stand !== s", arg=stand
            )
            seconds = time.monotonic() - saved
            tab.page.wait_for_function("() => document.body.dataset.bezig === 'nee'")
            print(f"30 covenants: one save, the matrix on the page after {seconds:.2f} s")
            tab.shot("10-dertig-convenanten")
        finally:
            tab.context.close()
    shutil.rmtree(folder)
