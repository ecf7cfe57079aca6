"""Who may ask the page for what: a local server is reachable from every website the officer
has open in another tab, so it answers only requests that name it by its own address (no DNS
rebinding), come from its own pages or are typed in the address bar (no cross-site reading),
and only read (no request changes anything). Pure: the server applies it to each request."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Every page of the live page: its own script, styles and frames, nothing from elsewhere.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
#: Sent with every answer.
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
READING = frozenset({"GET", "HEAD"})
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
#: Most characters of a request's path or Host said on the officer's terminal.
SHOWN_AT_MOST = 160


def is_loopback(address: str) -> bool:
    """True for an address only this computer reaches (127.0.0.0/8, ::1, localhost)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Refusal:
    """Why a request is not answered: the HTTP status and the words for the officer."""

    status: int
    reason: str


@dataclass(frozen=True)
class Guard:
    """The names the page answers to (Host values) and its own origins."""

    hosts: frozenset[str]
    origins: frozenset[str]

    @classmethod
    def serving(cls, address: str, port: int) -> Guard:
        """The guard of a page served at ``address``:``port``."""
        names = {address, "127.0.0.1", "localhost"} if is_loopback(address) else {address}
        shown = {f"[{n}]" if ":" in n else n for n in names}
        hosts = {f"{n}:{port}" for n in shown} | ({*shown} if port == 80 else set())
        return cls(frozenset(hosts), frozenset(f"http://{h}" for h in hosts))

    def refusal(self, method: str, headers: Mapping[str, str]) -> Refusal | None:
        """None when the request may be answered, else why not."""
        if method not in READING:
            return Refusal(405, "Deze pagina kan alleen gelezen worden; zij verandert niets.")
        host = headers.get("Host", "").lower()
        if host not in self.hosts:
            # another name for this address: a website that points its own name at 127.0.0.1
            # (DNS rebinding) would otherwise read the page as its own
            return Refusal(
                421, "Deze pagina is alleen te openen via het adres dat de terminal noemt."
            )
        origin = headers.get("Origin")
        if origin is not None and origin.lower() not in self.origins:
            return Refusal(403, "Een andere website mag deze pagina niet lezen.")
        site = headers.get("Sec-Fetch-Site", "same-origin")
        if site not in ("same-origin", "none"):
            # 127.0.0.1 on another port is "same-site": only a link the officer follows counts
            followed = (
                headers.get("Sec-Fetch-Mode") == "navigate"
                and headers.get("Sec-Fetch-Dest") == "document"
            )
            if not followed:
                return Refusal(403, "Een andere website mag deze pagina niet lezen.")
        return None


def shown(text: str) -> str:
    """A request's path, Host or method as the terminal may print it: what a website sent is
    not the officer's, so every character a terminal would obey (an escape sequence clears
    the screen, rewrites lines or the window title) or that hides or reorders text is written
    as its code, and a long value is cut."""
    out = "".join(
        c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        for c in text[:SHOWN_AT_MOST]
    )
    return out + ("…" if len(text) > SHOWN_AT_MOST else "")


def style_hashes(html: str) -> str:
    """The CSP sources of a page's own inline styles (the printed annex carries its styles)."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"
        for style in _STYLE.findall(html)
    ]
    return " ".join(hashes) or "'none'"


def annex_policy(html: str) -> str:
    """The CSP of the printed annex: its own styles, nothing else, shown in the page's frame."""
    return (
        f"default-src 'none'; style-src {style_hashes(html)}; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'self'"
    )
