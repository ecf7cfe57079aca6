"""Each part of the page from the stage that makes it: the stage's result rendered to HTML and
summed up in one line for the overview. Pure (apart from the engines reading the work folder)
and run in the update thread, so rendering a folder of thirty matrices never holds up the
server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.errors import CovenantError
from pipeline.messages import page as msg
from pipeline.officer.page import render
from pipeline.officer.page.folder import Snapshot
from pipeline.officer.page.stages import (
    Baseline,
    Checked,
    Located,
    Places,
    run_analysis,
    run_example_tests,
    run_memo,
)
from pipeline.officer.sides import Compiled

#: The overview's verdicts (CSS classes and words in the template).
GOOD, WRONG, NOTE, WAITING = "goed", "fout", "let-op", "wacht"


@dataclass(frozen=True)
class Rendered:
    """One part's HTML, and its verdict and line for the overview."""

    html: str
    state: str
    summary: str


def check_part(snapshot: Snapshot, checked: Checked, folder: str) -> Rendered:
    """The check: every problem at its place, else the warnings."""
    html = render.section(
        "controle",
        exists=snapshot.exists,
        folder=folder,
        refused=snapshot.refused,
        checked=checked,
    )
    wrong = checked.problems or not snapshot.exists
    state = WRONG if wrong else NOTE if checked.warnings or snapshot.refused else GOOD
    if not snapshot.exists or not (checked.problems or checked.covenants):
        return Rendered(html, state, checked.summary)
    verdict = msg.check_verdict(
        len(checked.covenants), len(checked.problems), len(checked.warnings)
    )
    return Rendered(html, state, str(verdict))


def examples_part(places: Places, side: Compiled) -> Rendered:
    """The example tests: passed, or failed with the difference."""
    examples = run_example_tests(places, side)
    failed = sum(not r.passed for r in examples.results)
    state = WRONG if failed or examples.problems else GOOD if examples.results else NOTE
    html = render.section("voorbeelden", waiting="", examples=examples, state=state)
    if examples.problems:
        return Rendered(html, state, examples.summary)
    verdict = msg.examples_verdict(len(examples.results) - failed, failed)
    return Rendered(html, state, str(verdict))


def analysis_parts(side: Compiled, today: dt.date) -> tuple[str, str]:
    """The matrices "wie ziet wat", and the rest of the analysis across the covenants."""
    matrix, rest = render.split_analysis(run_analysis(side, today))
    return (
        render.section("wie-ziet-wat", waiting="", blocks=matrix),
        render.section("analyse", waiting="", blocks=rest),
    )


def memo_part(
    baseline: Baseline, before: Compiled | CovenantError | None, side: Compiled, today: dt.date
) -> Rendered:
    """The change memo against the baseline, or why there is none."""
    if before is None:
        note = baseline.note or str(msg.no_baseline())
        return Rendered(render.section("wijzigingen", waiting=note), NOTE, note)
    if isinstance(before, CovenantError):
        html = render.section(
            "wijzigingen",
            waiting="",
            label=baseline.label,
            note=baseline.note,
            problems=[Located(p) for p in before.problems],
            title="",
            blocks=[],
        )
        return Rendered(html, NOTE, str(msg.baseline_unreadable_summary(baseline.label)))
    memo, document = run_memo(before, side, baseline.label, today)
    html = render.section(
        "wijzigingen",
        waiting="",
        label=baseline.label,
        note=baseline.note,
        problems=[],
        title=document.title,
        blocks=render.shown_blocks(document.blocks, 1),
    )
    return Rendered(html, GOOD, str(msg.memo_summary(baseline.label, len(memo.recipients))))


def annex_part(checked: Checked, stand: str) -> str:
    """Links to each covenant's printed annex, and the first one in a frame."""
    annexes = [(c.model.convenant.id, c.model.convenant.titel) for c in checked.covenants]
    return render.section("bijlage", waiting="", annexes=annexes, stand=stand)


def waiting_part(key: str, good: str | None, good_at: str) -> str:
    """A part while the check finds problems: its last good content under a note, or the
    promise that it comes."""
    if good is None:
        return render.section(key, waiting=str(msg.wait_for_check()))
    return render.stale(str(msg.stale_note(good_at)), good)


def overview_part(summaries: dict[str, tuple[str, str]]) -> str:
    """The verdict of each part that has one, in page order."""
    items = [
        (key, title, summaries[key][1], summaries[key][0])
        for key, title in render.SECTIONS
        if key in summaries
    ]
    return render.section("overzicht", items=items)
