"""The live page's web server (aiohttp): the page, its parts, a stream of server-sent events
that says which parts changed, the folder's files with their lines, the printed annex, and
the page's own script and styles. Every request passes the guard first (guard.py); nothing
is ever written, and no answer names anything outside the folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response

from pipeline.messages import page as msg
from pipeline.officer.page import render
from pipeline.officer.page.guard import HEADERS, PAGE_POLICY, Guard, annex_policy, shown
from pipeline.officer.page.live import Live, watch

log = logging.getLogger(__name__)

LIVE: web.AppKey[Live] = web.AppKey("live", Live)
GUARD: web.AppKey[Guard] = web.AppKey("guard", Guard)
#: The page's own files, by the name in their URL: (package file, content type).
STATIC = {
    "bekijk.css": ("bekijk.css", "text/css"),
    "bekijk.js": ("bekijk.js", "text/javascript"),
}
HTML = "text/html"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type=HTML, charset="utf-8")


@web.middleware
async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    refusal = request.app[GUARD].refusal(request.method, request.headers)
    if refusal is not None:
        said = msg.refused_request(
            shown(request.method), shown(request.path), shown(request.host), refusal.reason
        )
        log.warning("%s", said)
        response = _html(render.error_page("Geweigerd", refusal.reason), refusal.status)
        if refusal.status == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response
    return await handler(request)


async def _secured(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer, errors and the event stream included, carries the security headers."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")


async def _index(request: web.Request) -> web.StreamResponse:
    live = request.app[LIVE]
    return _html(render.page(live.folder, list(live.parts.values()), live.status))


async def _part(request: web.Request) -> web.StreamResponse:
    live = request.app[LIVE]
    part = live.parts.get(request.match_info["key"])
    if part is None:
        return _html(
            render.error_page("Niet gevonden", "Dit deel van de pagina bestaat niet."), 404
        )
    response = _html(part.html)
    response.headers["X-Stand"] = part.stand
    return response


async def _events(request: web.Request) -> web.StreamResponse:
    live = request.app[LIVE]
    queue = live.listen()
    if queue is None:
        return _html(
            render.error_page("Te veel vensters", "Sluit een ander venster van deze pagina."), 503
        )
    try:
        async with sse_response(request, sep="\n") as stream:
            state: dict[str, Any] | None = live.payload()
            while state is not None and stream.is_connected():
                await stream.send(json.dumps(state, ensure_ascii=False), event="stand")
                state = await queue.get()
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        live.leave(queue)
    return stream


async def _file(request: web.Request) -> web.StreamResponse:
    live = request.app[LIVE]
    name = request.match_info["name"]
    if name not in live.snapshot.files:  # only the folder's own files, by their exact name
        text = "Dit bestand staat niet (meer) in de map, of de pagina laat het niet zien."
        return _html(render.error_page("Niet gevonden", text), 404)
    try:
        chosen: int | None = int(request.query.get("regel", ""))
    except ValueError:
        chosen = None
    page = render.file_page(
        name, live.snapshot.text(name), live.problems_in(name), chosen, live.folder
    )
    return _html(page)


async def _annex(request: web.Request) -> web.StreamResponse:
    live = request.app[LIVE]
    page = await asyncio.to_thread(live.annex, request.match_info["covenant"])
    if page is None:
        text = "Deze map heeft (nu) geen convenant zonder fouten met deze naam."
        return _html(render.error_page("Niet gevonden", text), 404)
    response = _html(page)
    response.headers["Content-Security-Policy"] = annex_policy(page)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


async def _static(request: web.Request) -> web.StreamResponse:
    found = STATIC.get(request.match_info["name"])
    if found is None:
        return _html(render.error_page("Niet gevonden", "Dit bestand bestaat niet."), 404)
    name, content_type = found
    text = resources.files("pipeline.officer.page").joinpath("static", name).read_text("utf-8")
    return web.Response(text=text, content_type=content_type, charset="utf-8")


async def _no_icon(request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)  # browsers ask; the page has no icon


def create_app(live: Live, guard: Guard) -> web.Application:
    """The page's web application (it serves ``live``; ``guard`` says whom it answers)."""
    app = web.Application(middlewares=[_guarded], client_max_size=4096)
    app[LIVE] = live
    app[GUARD] = guard
    app.router.add_get("/", _index)
    app.router.add_get("/deel/{key}", _part)
    app.router.add_get("/gebeurtenissen", _events)
    app.router.add_get("/bestand/{name}", _file)
    app.router.add_get("/bijlage/{covenant}", _annex)
    app.router.add_get("/statisch/{name}", _static)
    app.router.add_get("/favicon.ico", _no_icon)
    app.on_response_prepare.append(_secured)
    return app


@dataclass(frozen=True)
class Serving:
    """Where the page listens."""

    address: str
    port: int

    @property
    def url(self) -> str:
        """The page's address for a browser."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}/"


def listening_socket(address: str, port: int) -> socket.socket:
    """A socket bound to ``address``:``port`` (0: a free port); OSError when it cannot be."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.asynccontextmanager
async def serving(live: Live, sock: socket.socket) -> AsyncIterator[Serving]:
    """Serve ``live`` on the bound ``sock`` with the watcher and the update loop running;
    everything stops and is cleaned up on leaving."""
    address, port = sock.getsockname()[:2]
    runner = web.AppRunner(
        create_app(live, Guard.serving(address, port)), handle_signals=False, shutdown_timeout=1.0
    )
    await runner.setup()
    site = web.SockSite(runner, sock)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        await site.start()
        tasks = [
            asyncio.create_task(live.run()),
            asyncio.create_task(live.follow_baseline()),
            asyncio.create_task(watch(live.sources.directory, live, stop)),
        ]
        yield Serving(address, port)
    finally:
        stop.set()
        live.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runner.cleanup()
