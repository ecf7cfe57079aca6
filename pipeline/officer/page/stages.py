"""What the page shows, stage by stage, from a snapshot of the folder written to a work folder:
the check (as `convenant check`), the example tests (as `convenant test`), the analysis (as
`convenant analyse`), the change memo (as `convenant diff`) and the annex (as `convenant
explain`). Each stage calls the engine those commands call; nothing here judges a covenant.

Every place the engines name (``work/x.yaml:12:5``) is read back as file, line and column of
the officer's folder, and every text is shown with the officer's folder in it, as the commands
would print it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.checks.checker import check, warnings
from pipeline.covenant.checks.keys import encryption_warnings, unchecked_keys
from pipeline.covenant.loader import LoadedCovenant, load_covenant_texts, read_covenants
from pipeline.errors import CovenantError, KetenstroomError
from pipeline.messages import page as page_msg
from pipeline.messages import tools as tools_msg
from pipeline.officer.analysis.render import analysis_document
from pipeline.officer.analysis.report import analyse
from pipeline.officer.annex.content import AnnexContext, build_annex
from pipeline.officer.annex.publication import SignedPublication, status_of
from pipeline.officer.annex.render import to_html as annex_html
from pipeline.officer.comparison.engine import Naming, compare
from pipeline.officer.document import Document
from pipeline.officer.examples import ExampleResult, run_examples
from pipeline.officer.memo.content import Memo, build_memo
from pipeline.officer.memo.render import memo_document
from pipeline.officer.sides import Compiled, compiled
from pipeline.registry import Registry, read_registry
from pipeline.yaml_files.source import shown


@dataclass(frozen=True)
class Located:
    """One message, and the place in the folder it names (file None: no single file)."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    excerpt: str = ""

    @property
    def place(self) -> str:
        """``x.yaml, regel 12, kolom 5`` (as far as known)."""
        parts = [self.file or ""]
        if self.line is not None:
            parts.append(f"regel {self.line}")
        if self.column is not None:
            parts.append(f"kolom {self.column}")
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Places:
    """How the engines name the work folder, and how the officer knows the folder."""

    work: Path
    folder: Path
    texts: dict[str, str]

    @property
    def work_prefix(self) -> str:
        """The work folder as the engines write it before a file name."""
        return shown(self.work / "_").removesuffix("_")

    @property
    def folder_prefix(self) -> str:
        """The officer's folder as the commands print it before a file name."""
        return shown(self.folder / "_").removesuffix("_")

    def said(self, text: str) -> str:
        """A text with the officer's folder where the engines wrote the work folder."""
        return text.replace(self.work_prefix, self.folder_prefix)

    def locate(self, text: str) -> Located:
        """A problem or warning as file, line, column and message."""
        prefix = re.escape(self.work_prefix)
        found = re.match(
            rf"{prefix}(?P<file>[^/]+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)", text, re.S
        ) or re.match(rf"{prefix}(?P<file>[^/]+?): (?P<msg>.*)", text, re.S)
        if found is None or found["file"] not in self.texts:
            return Located(self.said(text))
        groups = found.groupdict()
        line = int(groups["line"]) if groups.get("line") else None
        lines = self.texts[found["file"]].splitlines()
        excerpt = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
        return Located(
            self.said(found["msg"]),
            found["file"],
            line,
            int(groups["col"]) if groups.get("col") else None,
            excerpt.rstrip(),
        )


@dataclass(frozen=True)
class Checked:
    """The check of the folder: its problems and warnings; when there are no problems, the
    valid covenants and the compiled side every later stage reads."""

    problems: tuple[Located, ...]
    warnings: tuple[Located, ...]
    summary: str
    covenants: tuple[LoadedCovenant, ...] = ()
    side: Compiled | None = None
    registry: Registry | None = None
    #: What the check could not check here (the recipients' keys without a readable keyring):
    #: said beside the verdict, never counted as a warning.
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing stands in the way of testing, analysing and publishing."""
        return not self.problems and self.side is not None


def run_check(
    places: Places, store: SchemaStore, keyed: frozenset[str] | None, keyring: Path
) -> Checked:
    """The folder checked in full, as `convenant check` does: every problem of every file,
    also those behind a structural mistake; the warnings when there is no problem. Not yet
    compiled (``run_compile``): the check is on the page first."""
    try:
        registered = read_registry(places.work)
        reading = read_covenants(places.work)
        problems = (
            registered.problems
            + reading.problems
            + check(reading.checkable, registered.registry, store, [])
        )
    except CovenantError as exc:
        problems = exc.problems
    if problems:
        located = tuple(places.locate(p) for p in problems)
        return Checked(located, (), str(page_msg.problems_found(len(problems))))
    if not reading.covenants:
        return Checked((), (), str(page_msg.no_covenant()))
    covenants = reading.covenants
    found = warnings(covenants, registered.registry, [])
    if keyed is not None:
        found += encryption_warnings(covenants, keyed, keyring)
    summary = _summary(covenants)
    notes = tuple(unchecked_keys(covenants, keyed, keyring))
    if found:
        summary += ". " + str(tools_msg.warning_count(len(found)))
    located = tuple(places.locate(w) for w in found)
    return Checked(
        (), located, summary, tuple(covenants), registry=registered.registry, notes=notes
    )


def run_compile(places: Places, checked: Checked, store: SchemaStore) -> Checked:
    """The checked covenants compiled, as every later stage reads them; a problem only the
    compiler finds becomes a problem of the check."""
    if checked.problems or checked.registry is None:
        return checked
    try:
        side = compiled("map", list(checked.covenants), checked.registry, store)
    except CovenantError as exc:
        located = tuple(places.locate(p) for p in exc.problems)
        return Checked(located, (), str(page_msg.problems_found(len(located))))
    return dataclasses.replace(checked, side=side)


def _summary(covenants: list[LoadedCovenant]) -> str:
    """`convenant check`'s closing line."""
    named = [(c.model.convenant.id, c.model.convenant.versie) for c in covenants]
    rules = [r for c in covenants for r in c.model.regels] + [
        s for c in covenants for s in c.model.statistieken
    ]
    recipients = {p for r in rules for p in r.ontvangers}
    sources = {p for r in rules for p in r.bronnen}
    return str(tools_msg.check_ok(named, len(rules), len(recipients), len(sources)))


@dataclass(frozen=True)
class Example:
    """One example test's outcome, at its place in the examples file."""

    name: str
    at: Located
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True if every recipient got exactly what the example says."""
        return not self.problems


@dataclass(frozen=True)
class Examples:
    """The example tests: their outcomes, or the problems of the examples files."""

    results: tuple[Example, ...]
    problems: tuple[Located, ...]
    summary: str


def run_example_tests(places: Places, side: Compiled) -> Examples:
    """Every example file of the folder against the compiled covenants (`convenant test`)."""
    try:
        results: list[ExampleResult] = run_examples(places.work, side.policy)
    except CovenantError as exc:
        located = tuple(places.locate(p) for p in exc.problems)
        return Examples((), located, str(page_msg.problems_found(len(located))))
    if not results:
        return Examples((), (), str(tools_msg.no_examples()))
    shown_results = tuple(
        Example(
            r.name,
            places.locate(f"{r.where}: {r.name}"),
            tuple(places.said(p) for p in r.problems),
            tuple(places.said(n) for n in r.notes),
        )
        for r in results
    )
    failed = sum(not r.passed for r in shown_results)
    summary = str(tools_msg.examples_summary(len(shown_results) - failed, failed))
    return Examples(shown_results, (), summary)


def run_analysis(side: Compiled, today: dt.date) -> Document:
    """The analysis across the covenants, as `convenant analyse --format html` writes it."""
    return analysis_document(analyse(side.facts, today))


@dataclass(frozen=True)
class Baseline:
    """What the memo compares with: covenant texts by file name and how to call them, or why
    there is nothing to compare with."""

    label: str
    files: dict[str, str] | None
    note: str = ""


def compile_baseline(baseline: Baseline, registry: Registry, store: SchemaStore) -> Compiled:
    """The baseline's covenants, compiled with the folder's registry (as `convenant diff`
    compiles an earlier revision); CovenantError naming what is wrong with them."""
    assert baseline.files is not None
    covenants = load_covenant_texts(baseline.files, baseline.label)
    return compiled(baseline.label, covenants, registry, store)


def run_memo(
    before: Compiled, after: Compiled, label: str, today: dt.date
) -> tuple[Memo, Document]:
    """The change memo from the baseline to the folder, as `convenant diff` writes it."""
    naming = Naming.KIND if not before.ids & after.ids else Naming.PARTNER
    comparison = compare(before.facts, after.facts, naming)
    new = str(tools_msg.working_directory())
    memo = build_memo(comparison, before.facts, after.facts, label, new, today)
    return memo, memo_document(memo)


def annex_page(
    checked: Checked,
    covenant: str,
    texts: dict[str, str],
    store: SchemaStore,
    publications: list[SignedPublication] | None,
) -> str | None:
    """The annex of one covenant as `convenant explain --format html` prints it, or None when
    the folder has no valid covenant by that id."""
    side = checked.side
    found = [c for c in checked.covenants if c.model.convenant.id == covenant]
    if side is None or not found:
        return None
    loaded = found[0]
    name = loaded.source.path.name
    text = texts.get(name, "")
    context = AnnexContext(
        loaded, side.registry, store, None, None, text, status=status_of(name, text, publications)
    )
    try:
        return annex_html([build_annex(context)])
    except KetenstroomError:
        return None
