"""The analysis and the change memo in a real browser: Debian's headless Chromium renders the
Dutch HTML, nothing sticks out of an A4 page, the screenshot shows it, the PDF is A4, and the
page asks for nothing over the network (issues 28, 29)."""

from __future__ import annotations

import datetime as dt
import re
import struct
from pathlib import Path

import pytest

from pipeline.browser import find_chromium, print_pdf, rendered_dom, screenshot
from pipeline.covenant.loader import load_covenants
from pipeline.officer.analysis.across import across
from pipeline.officer.analysis.render import analysis_document
from pipeline.officer.analysis.report import analyse
from pipeline.officer.comparison.engine import compare
from pipeline.officer.document import to_html
from pipeline.officer.memo.content import build_memo
from pipeline.officer.memo.render import memo_document
from tests.helpers import covenant_facts
from tests.integration.combined_attack import NATIONWIDE, nationwide_covenant
from tests.unit.test_annex_browser import MEASURE, _Body
from tests.unit.test_covenant_analysis import two_regions

#: Every URL the page refers to (there must be none but the register's, as text).
URLS = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", re.I)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    if find_chromium() is None:
        pytest.fail("Chromium is missing: `make test` installs it (make chromium)")
    directory = two_regions(tmp_path_factory.mktemp("regio") / "convenanten")
    # and a nationwide covenant that allows CoMensha to re-identify through Midden-Nederland
    (directory / f"{NATIONWIDE}.yaml").write_text(nationwide_covenant(statement=True))
    facts = covenant_facts(directory, combinations=False)  # one allowed, one refused finding
    today = dt.date(2026, 6, 1)
    cross = across(load_covenants(directory))
    analysis = to_html(analysis_document(analyse(facts, today, cross=cross)))
    west = covenant_facts(directory / "midden-nederland.yaml")
    east = covenant_facts(directory / "oost-nederland.yaml")
    memo = to_html(
        memo_document(build_memo(compare(west, east), west, east, "a", "b", today))
    )
    out = {}
    for name, page in (("analyse", analysis), ("memo", memo)):
        assert not URLS.search(page)
        target = tmp_path_factory.mktemp(name) / f"{name}.html"
        target.write_text(page.replace("</body>", MEASURE + "</body>"))
        out[name] = target
    return out


@pytest.mark.parametrize("name", ["analyse", "memo"])
def test_the_page_renders_in_chromium_within_an_a4_page(pages, name):
    dom = _Body()
    dom.feed(rendered_dom(pages[name]))
    assert dom.lang == "nl"
    assert dom.body.get("data-te-breed") == "[]", dom.body
    assert 600 < int(dom.body["data-breedte"] or 0) <= 700  # the printable width of A4


def test_the_analysis_headings_and_screenshot(pages, tmp_path):
    dom = _Body()
    dom.feed(rendered_dom(pages["analyse"]))
    for heading in (
        "Wie ziet wat",
        "Naast elkaar, per soort partner",
        "Overlappende werkgebieden",
        "Herleidbaar over convenanten heen",
        "Herleidbaar via een ander convenant",
        "Statistiek naast elkaar",
        "Losse eindjes",
    ):
        assert heading in dom.headings
    target = tmp_path / "analyse.png"
    screenshot(pages["analyse"], target)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (794, 1123)
    assert len(data) > 20_000  # text and tables, not an empty page


def test_the_pdf_is_a4(pages, tmp_path):
    target = tmp_path / "analyse.pdf"
    print_pdf(pages["analyse"], target)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", target.read_bytes())
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)
