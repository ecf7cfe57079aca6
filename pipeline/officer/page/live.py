"""The page's live state: after every save, the folder is read once, checked, tested, analysed,
compared with the last published version, and each part of the page rendered anew; the
browsers that listen are told which parts changed.

The stages run one after another in a worker thread, so the server keeps answering while a
folder of thirty covenants is analysed; a save in the middle makes the update start over
instead of finishing a version nobody looks at any more. Parts that need a folder without
problems keep their last good content under a note while the check finds problems.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from watchfiles import awatch

from pipeline.codec.schema_store import SchemaStore
from pipeline.errors import CovenantError, KetenstroomError
from pipeline.git_revision import files_at_revision
from pipeline.language import Language, speaking
from pipeline.messages import page as msg
from pipeline.officer.page import parts, render
from pipeline.officer.page.folder import Snapshot, take_snapshot, write_snapshot
from pipeline.officer.page.published import Published
from pipeline.officer.page.stages import (
    Baseline,
    Checked,
    Located,
    Places,
    annex_page,
    compile_baseline,
    run_check,
    run_compile,
)
from pipeline.officer.sides import Compiled
from pipeline.yaml_files.source import shown

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How often the published versions (or git HEAD) are read again, in seconds.
BASELINE_INTERVAL_S = 30.0
#: The most browsers listening at once (each holds a connection open).
MAX_LISTENERS = 32
#: Parts that need a folder the check finds no problem in.
DERIVED = ("voorbeelden", "wie-ziet-wat", "analyse", "wijzigingen", "bijlage")


@dataclass(frozen=True)
class Sources:
    """What the page reads besides the folder: the schemas, the keyring (for the warnings of
    `convenant check`), and a reader of the published versions (None: no pipeline set up)."""

    directory: Path
    store: SchemaStore
    keyring: Path
    keyed: frozenset[str] | None
    published: Callable[[], Published | None] | None = None


def _dutch(function: Callable[..., T], *args: Any) -> T:
    """Run an engine with its messages in Dutch (the page speaks to the officer)."""
    with speaking(Language.NL):
        return function(*args)


class Live:
    """The parts of the page as last rendered, and the loop that renders them anew."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.folder = shown(sources.directory)
        waiting = str(msg.reading())
        self.parts = {
            key: render.Part(key, render.waiting(waiting), "0")
            for key, _ in render.SECTIONS
        }
        self.status = waiting
        self.busy = True
        self.generation = 0
        self.snapshot = Snapshot(sources.directory)
        self.checked: Checked | None = None
        #: the last check without problems, and the snapshot it read (for annexes)
        self.good: Checked | None = None
        self.good_texts: dict[str, str] = {}
        self.good_at = ""
        self._good_parts: dict[str, str] = {}
        self._summaries: dict[str, tuple[str, str]] = {}
        self._dirty = asyncio.Event()
        self._listeners: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._baseline: Baseline | None = None
        self._baseline_ready = asyncio.Event()
        self._publications: Published | None = None
        self._compiled_baseline: tuple[str, Compiled | CovenantError] | None = None
        self._annexes: dict[tuple[str, str], str | None] = {}
        self._work = Path(tempfile.mkdtemp(prefix="ketenstroom-bekijk-")).resolve()

    # --- listeners ----------------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        """What a listening browser is told: every part's print, the status, busy or not."""
        return {
            "generatie": self.generation,
            "delen": {key: part.stand for key, part in self.parts.items()},
            "status": self.status,
            "bezig": self.busy,
        }

    def listen(self) -> asyncio.Queue[dict[str, Any] | None] | None:
        """A queue that gets each new state (only the newest waits), or None when too many
        browsers listen already."""
        if len(self._listeners) >= MAX_LISTENERS:
            return None
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=1)
        self._listeners.add(queue)
        return queue

    def leave(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        """Stop telling ``queue``."""
        self._listeners.discard(queue)

    def close(self) -> None:
        """Tell every listener the page stops; remove the work folder."""
        for queue in self._listeners:
            self._offer(queue, None)
        shutil.rmtree(self._work, ignore_errors=True)

    @staticmethod
    def _offer(queue: asyncio.Queue[dict[str, Any] | None], item: dict[str, Any] | None) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            if queue.full():
                queue.get_nowait()
        queue.put_nowait(item)

    def _tell(self) -> None:
        self._set("overzicht", parts.overview_part(self._summaries))
        self.generation += 1
        state = self.payload()
        for queue in self._listeners:
            self._offer(queue, state)

    # --- updating -----------------------------------------------------------------------------

    def changed(self) -> None:
        """A file changed: update (again) as soon as the current stage is done."""
        self._dirty.set()

    async def run(self) -> None:
        """Update after every change, until cancelled; a failure is shown, never fatal."""
        self._dirty.set()
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._update()
            except Exception:  # an engine's bug must not stop the page
                log.exception("the page could not be updated")
                self.status = str(msg.update_failed())
                self.busy = False
                self._tell()

    def _set(self, key: str, html: str) -> None:
        self.parts[key] = render.Part(key, html, render.digest(html))

    async def _update(self) -> None:
        self.busy = True
        self._tell()
        started = time.perf_counter()
        snapshot = await asyncio.to_thread(take_snapshot, self.sources.directory)
        if snapshot.exists:
            await asyncio.to_thread(write_snapshot, snapshot, self._work)
        texts = {name: snapshot.text(name) for name in snapshot.files}
        places = Places(self._work, self.sources.directory, texts)
        checked, part = await asyncio.to_thread(_dutch, self._check, snapshot, places)
        self.snapshot, self.checked = snapshot, checked
        now = dt.datetime.now().strftime("%H:%M:%S")
        self._show("controle", part)
        self._tell()  # the check first: with thirty covenants the rest takes seconds
        checked_after = time.perf_counter() - started
        if checked.covenants and not checked.problems:
            compiled = await asyncio.to_thread(
                _dutch, run_compile, places, checked, self.sources.store
            )
            if compiled.problems:  # what only the compiler finds
                part = await asyncio.to_thread(
                    _dutch, parts.check_part, snapshot, compiled, self.folder
                )
                self._show("controle", part)
            checked = self.checked = compiled
        if checked.ok and checked.side is not None:
            self.good, self.good_texts, self.good_at = checked, texts, now
            await self._derived(places, checked.side)
        else:
            for key in DERIVED:
                html = parts.waiting_part(key, self._good_parts.get(key), self.good_at)
                self._set(key, html)
                if key in self._summaries:
                    self._summaries[key] = (parts.WAITING, str(msg.wait_for_check()))
        tested = self._summaries.get("voorbeelden")
        examples = tested[1] if checked.ok and tested else None
        self.status = str(msg.updated(now, self._summaries["controle"][1].rstrip("."), examples))
        self.busy = self._dirty.is_set()
        self._tell()
        log.info(
            "page updated: check on the page after %.2f s, all parts after %.2f s",
            checked_after,
            time.perf_counter() - started,
        )

    def _check(self, snapshot: Snapshot, places: Places) -> tuple[Checked, parts.Rendered]:
        if snapshot.exists:
            sources = self.sources
            checked = run_check(places, sources.store, sources.keyed, sources.keyring)
        else:
            checked = Checked((), (), str(msg.no_folder()))
        return checked, parts.check_part(snapshot, checked, self.folder)

    def _show(self, key: str, part: parts.Rendered) -> None:
        self._summaries[key] = (part.state, part.summary)
        self._good(key, part.html)

    def _good(self, key: str, html: str) -> None:
        self._good_parts[key] = html
        self._set(key, html)

    async def _derived(self, places: Places, side: Compiled) -> None:
        """Examples, analysis, memo and annex of a folder without problems; stops early when
        the officer saved again meanwhile (the loop starts over)."""
        self._show(
            "voorbeelden", await asyncio.to_thread(_dutch, parts.examples_part, places, side)
        )
        self._tell()
        if self._dirty.is_set():
            return
        today = dt.date.today()
        matrix, rest = await asyncio.to_thread(_dutch, parts.analysis_parts, side, today)
        self._good("wie-ziet-wat", matrix)
        self._good("analyse", rest)
        self._tell()
        if self._dirty.is_set():
            return
        await self._baseline_ready.wait()
        baseline = self._baseline or Baseline("", None)
        part = await asyncio.to_thread(_dutch, self._memo, baseline, side, today)
        self._show("wijzigingen", part)
        assert self.good is not None
        self._good("bijlage", parts.annex_part(self.good, self._annex_stand()))

    def _memo(self, baseline: Baseline, side: Compiled, today: dt.date) -> parts.Rendered:
        before = self._compiled(baseline, side) if baseline.files is not None else None
        return parts.memo_part(baseline, before, side, today)

    def _compiled(self, baseline: Baseline, side: Compiled) -> Compiled | CovenantError:
        """The baseline compiled with the folder's registry, kept while neither changes."""
        key = hashlib.sha256(
            json.dumps(
                [baseline.label, baseline.files, side.registry.model_dump(mode="json")],
                sort_keys=True,
            ).encode()
        ).hexdigest()
        if self._compiled_baseline is None or self._compiled_baseline[0] != key:
            try:
                result: Compiled | CovenantError = _dutch(
                    compile_baseline, baseline, side.registry, self.sources.store
                )
            except CovenantError as exc:
                result = exc
            self._compiled_baseline = (key, result)
        return self._compiled_baseline[1]

    def _annex_stand(self) -> str:
        versions = (
            [p.version for p in self._publications.newest_first] if self._publications else None
        )
        return render.digest(json.dumps([self.good_texts, versions], sort_keys=True))

    def annex(self, covenant: str) -> str | None:
        """The printed annex of one covenant of the last folder without problems."""
        if self.good is None:
            return None
        key = (covenant, self._annex_stand())
        if key not in self._annexes:
            publications = self._publications.publications if self._publications else None
            self._annexes = {
                key: _dutch(
                    annex_page,
                    self.good,
                    covenant,
                    self.good_texts,
                    self.sources.store,
                    publications,
                )
            } | {k: v for k, v in list(self._annexes.items())[-16:]}
        return self._annexes[key]

    def problems_in(self, name: str) -> list[Located]:
        """The current problems and warnings at places in file ``name``."""
        if self.checked is None:
            return []
        return [p for p in (*self.checked.problems, *self.checked.warnings) if p.file == name]

    # --- what the memo compares with ----------------------------------------------------------

    def _read_baseline(self) -> tuple[Baseline, Published | None]:
        """The newest trusted publication when a pipeline is set up and answers, else git HEAD
        (as `convenant diff HEAD`)."""
        note = ""
        published = None
        if self.sources.published is not None:
            published = self.sources.published()
            if published is None:
                note = str(msg.broker_silent())
            elif not published.newest_first:
                note = str(msg.nothing_published())
            else:
                newest = published.newest_first[0]
                label = str(msg.baseline_broker(newest.version, newest.published_at[:10]))
                return Baseline(label, dict(newest.files)), published
        try:
            files = files_at_revision(self.sources.directory, "HEAD", ".yaml")
        except (KetenstroomError, ValueError, OSError):
            reason = str(msg.no_baseline())
            return Baseline("", None, f"{note} {reason}".strip()), published
        return Baseline(str(msg.baseline_head()), files, note), published

    async def follow_baseline(self) -> None:
        """Read what the memo compares with now and every BASELINE_INTERVAL_S; a new
        publication or commit updates the page."""
        while True:
            try:
                baseline, published = await asyncio.to_thread(_dutch, self._read_baseline)
            except Exception:
                log.exception("the published versions could not be read")
                baseline, published = (
                    Baseline("", None, str(msg.baseline_unreadable())),
                    None,
                )
            if baseline != self._baseline or published != self._publications:
                first = not self._baseline_ready.is_set()
                self._baseline, self._publications = baseline, published
                self._baseline_ready.set()
                if not first:
                    self.changed()
            await asyncio.sleep(BASELINE_INTERVAL_S)


async def watch(directory: Path, live: Live, stop: asyncio.Event) -> None:
    """Tell ``live`` of every saved, added or removed YAML file of ``directory`` (within a
    tenth of a second of the editor's last write); while the folder is gone, look for it
    once a second."""
    while not stop.is_set():
        if directory.is_dir():
            live.changed()  # (again) there: read it as it is now
            try:
                async for _ in _changes(directory, stop):
                    live.changed()
                    if not directory.is_dir():
                        break  # removed or renamed: a new folder by that name is watched anew
            except (OSError, RuntimeError) as exc:
                log.info("watching %s stopped: %s", directory, exc)
            live.changed()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def _changes(directory: Path, stop: asyncio.Event) -> AsyncIterator[object]:
    itself = str(directory)

    def wanted(_change: object, path: str) -> bool:
        return path.endswith(".yaml") or path == itself

    async for changes in awatch(
        directory, watch_filter=wanted, debounce=500, step=50, stop_event=stop, recursive=False
    ):
        yield changes
