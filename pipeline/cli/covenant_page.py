"""``ketenstroom convenant bekijk``: the live page beside the officer's editor.

Thin: check the address, bind, read the published versions from the broker when one is set
up, start the page (pipeline.officer.page) and open a browser where there is a screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import signal
import sys
import threading
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.officer import officer_settings, reporting, said
from pipeline.cli.output import errors
from pipeline.errors import KetenstroomError
from pipeline.messages import page as msg
from pipeline.messages import tools as tools_msg
from pipeline.settings import Settings

if TYPE_CHECKING:
    import socket

    from pipeline.officer.page.live import Live
    from pipeline.officer.page.published import Published


def _published_reader(settings: Settings) -> Published | None:
    """The trusted publications for this installation on the control topic and the workers'
    copies, or None when the broker does not answer within a few seconds (the memo then
    compares with git)."""
    from pipeline.broker.reachability import require_reachable
    from pipeline.client.covenant_topic import read_control, read_status, this_installation
    from pipeline.officer.page.published import trusted_publications
    from pipeline.publication.signing import read_signing_key, read_trusted_signers
    from pipeline.publication.status import copies

    assert settings.bootstrap_servers is not None
    try:
        require_reachable(settings.bootstrap_servers, min(settings.connect_timeout_s, 3.0))
        trusted = read_trusted_signers(settings.trusted_signers)
        if settings.signing_key.exists():  # the officer's own publications count too
            trusted = trusted.with_signer(read_signing_key(settings.signing_key).signer())
        control, _ = read_control(settings, settings.bootstrap_servers)
        status, _ = read_status(settings, settings.bootstrap_servers)
        here = this_installation(settings, settings.bootstrap_servers)
    except KetenstroomError:
        return None
    return trusted_publications([*copies(status), *control], trusted, here)


def _has_screen() -> bool:
    """A browser can be shown: a desktop session (never a text browser in this terminal)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_browser(url: str) -> None:
    """Open ``url`` in the officer's browser, if there is one; never fails, never blocks."""

    def show() -> None:
        with contextlib.suppress(Exception):
            webbrowser.open(url, new=2)

    if _has_screen():
        threading.Thread(target=show, name="browser", daemon=True).start()


def _checked_address(address: str, outside: bool) -> None:
    """Loopback, or another address of this computer only when asked for explicitly."""
    from pipeline.officer.page.guard import is_loopback

    if is_loopback(address):
        return
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(address.strip("[]")).is_unspecified:
            raise KetenstroomError(str(msg.unspecified_refused(address)))
    if not outside:
        raise KetenstroomError(str(msg.outside_refused(address)))
    errors.print(str(msg.outside_warning(address)), highlight=False)


def convenant_bekijk(
    path: Annotated[
        Path | None, typer.Argument(help=said(msg.folder_help()), show_default=False)
    ] = None,
    port: Annotated[
        int,
        typer.Option("--poort", help=said(msg.port_help()), min=0, max=65535, show_default=False),
    ] = 0,
    address: Annotated[
        str, typer.Option("--adres", help=said(msg.address_help()), show_default=False)
    ] = "127.0.0.1",
    outside: Annotated[
        bool, typer.Option("--ook-van-buiten", help=said(msg.outside_help()))
    ] = False,
    no_browser: Annotated[
        bool, typer.Option("--geen-browser", help=said(msg.no_browser_help()))
    ] = False,
) -> None:
    """The live page: check, example tests, who sees what, the analysis, the memo against the
    last publication and the printed annex, updated whenever a file is saved."""
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.checks.keys import keyed_recipients
    from pipeline.officer.page.live import Live, Sources
    from pipeline.officer.page.server import listening_socket

    settings = officer_settings()
    directory = (path or settings.convenanten_dir).absolute()
    with reporting():
        if directory.is_file():  # one file: its folder (the page shows the whole folder)
            directory = directory.parent
        if not directory.is_dir():
            raise KetenstroomError(str(tools_msg.not_found(str(directory))))
        _checked_address(address.strip("[]"), outside)
        try:
            sock = listening_socket(address.strip("[]"), port)
        except OSError as exc:
            raise KetenstroomError(
                str(msg.cannot_listen(address, port, exc.strerror or str(exc)))
            ) from exc
        sources = Sources(
            directory,
            load_store(settings.schemas_dir),
            settings.keyring,
            keyed_recipients(settings.keyring),
            (lambda: _published_reader(settings)) if settings.bootstrap_servers else None,
        )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(Live(sources), sock, no_browser))
    errors.print(str(msg.stopped()), highlight=False)


async def _serve(live: Live, sock: socket.socket, no_browser: bool) -> None:
    from pipeline.officer.page.server import serving

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signal_number, stop.set)
    async with serving(live, sock) as where:
        print(str(msg.serving(where.url, live.folder)), flush=True)
        if not no_browser:
            _open_browser(where.url)
        await stop.wait()
