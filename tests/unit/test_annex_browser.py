"""The covenant's annex in a real browser: Debian's headless Chromium renders the Dutch HTML,
nothing sticks out of an A4 page, the screenshot shows it, and the PDF is A4 (issue 20).

`make test` installs Chromium when it is missing (Makefile target `chromium`)."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.browser import find_chromium, print_pdf, rendered_dom, screenshot
from pipeline.covenant.loader import load_covenants
from pipeline.officer.annex.content import AnnexContext, build_annex
from pipeline.officer.annex.render import to_html
from tests.conftest import CONVENANTEN

#: Measures, inside Chromium, every element that is wider than the printable A4 width (178 mm
#: at 96 dpi ~ 673 px) and writes the result into the DOM for the test to read.
MEASURE = """
<script>
window.addEventListener('load', () => {
  const limit = document.body.getBoundingClientRect().right + 1;
  const wide = [...document.querySelectorAll('table, dl, h1, h2, h3, p')]
    .filter(e => e.getBoundingClientRect().right > limit)
    .map(e => e.tagName + ':' + e.textContent.slice(0, 40));
  document.body.setAttribute('data-te-breed', JSON.stringify(wide));
  document.body.setAttribute('data-tabellen', document.querySelectorAll('table').length);
  document.body.setAttribute('data-breedte', Math.round(document.body.getBoundingClientRect().width));
});
</script>
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory, registry, store) -> Path:
    if find_chromium() is None:
        pytest.fail("Chromium is missing: `make test` installs it (make chromium)")
    loaded = load_covenants(CONVENANTEN)[0]
    text = loaded.source.path.read_text()
    annex = build_annex(AnnexContext(loaded, registry, store, text=text))
    target = tmp_path_factory.mktemp("bijlage") / "bijlage.html"
    target.write_text(to_html([annex]).replace("</body>", MEASURE + "</body>"))
    return target


class _Body(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] = {}
        self.headings: list[str] = []
        self._in_heading = False
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.body = dict(attrs)
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""
        self._in_heading = tag in ("h1", "h2", "h3")

    def handle_data(self, data: str) -> None:
        if self._in_heading and data.strip():
            self.headings.append(data.strip())
            self._in_heading = False


def test_the_annex_renders_in_chromium_within_an_a4_page(page):
    dom = _Body()
    dom.feed(rendered_dom(page))
    assert dom.lang == "nl"
    assert dom.body.get("data-te-breed") == "[]", dom.body
    assert int(dom.body["data-tabellen"] or 0) >= 10
    assert 600 < int(dom.body["data-breedte"] or 0) <= 680  # the printable width of A4
    assert dom.headings[0].startswith("Bijlage bij Convenant gegevensdeling")
    for heading in ("Grondslagen en doelen", "Koppeldomeinen", "De envelop van elke view"):
        assert heading in dom.headings
    assert any(
        h.startswith("Wat Gemeente Utrecht (gemeente-utrecht) ontvangt") for h in dom.headings
    )


def test_the_screenshot_shows_the_first_page(page, tmp_path):
    target = tmp_path / "bijlage.png"
    screenshot(page, target)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (794, 1123)
    assert len(data) > 20_000  # text and tables, not an empty page


def test_the_pdf_is_a4(page, tmp_path):
    target = tmp_path / "bijlage.pdf"
    print_pdf(page, target)
    raw = target.read_bytes()
    assert raw.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", raw)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)
    assert len(boxes) >= 5  # the parts and one page per recipient
