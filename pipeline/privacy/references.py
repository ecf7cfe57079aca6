"""References and trace contexts made per linkage domain: no join key leaves the router.

A recipient never sees the publisher's event id or trace context. It sees, per event, a
reference of its own linkage domain (AES-SIV of the event id under a key of that domain:
deterministic, so a redelivered input gives the identical view, and reversible only by the
router), and a trace context made for that one disclosure (HMAC of event and disclosure). Two
recipients in different domains hold different references for one event, and cannot tell from
them that they hold the same event. A recipient refers back to an event (Verwijzing,
Statusupdate, Controle) with its own reference; the router opens it and, for each onward
recipient, writes that recipient's reference instead. The idea is that of the polymorphic
pseudonyms of PEP and BSNk: one identity, a different unlinkable form per party.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from pipeline.errors import KetenstroomError
from pipeline.privacy.keyring import KeyVersion, b64, in_force, unb64
from pipeline.privacy.pseudonyms import PSEUDONYM_SCHEME, derive, pseudonym_key

REFERENCE_SCHEME = "EV1"
_KIND = "gebeurtenis"


@functools.lru_cache(maxsize=4096)
def _siv(secret: bytes, domain: str) -> AESSIV:
    return AESSIV(derive(secret, "referentie", domain, _KIND, 64))


@functools.lru_cache(maxsize=64)
def _trace_key(secret: bytes) -> bytes:
    return derive(secret, "trace", "-", "-", 32)


def event_reference(event_id: str, secret: bytes, version: int, domain: str) -> str:
    """``EV1.k<version>.<domain>.<AES-SIV of the event id>``: one event, one reference per domain."""
    sealed = _siv(secret, domain).encrypt(uuid.UUID(event_id).bytes, [domain.encode()])
    return f"{REFERENCE_SCHEME}.k{version}.{domain}.{b64(sealed)}"


def parse_reference(label: str) -> tuple[int, str, bytes]:
    """(key version, domain, sealed bytes) of a reference; KetenstroomError if it is none."""
    parts = label.split(".")
    try:
        if len(parts) < 4 or parts[0] != REFERENCE_SCHEME or not parts[1].startswith("k"):
            raise ValueError(label)
        return int(parts[1][1:]), ".".join(parts[2:-1]), unb64(parts[-1])
    except ValueError as exc:
        raise KetenstroomError("not a ketenstroom event reference (EV1)") from exc


def open_reference(label: str, secret_for_version: dict[int, bytes]) -> tuple[str, str]:
    """(domain, event id) behind a reference; KetenstroomError if the router did not make it."""
    version, domain, sealed = parse_reference(label)
    secret = secret_for_version.get(version)
    if secret is None:
        raise KetenstroomError(f"reference key version {version} is not in the keyring")
    try:
        raw = _siv(secret, domain).decrypt(sealed, [domain.encode()])
        return domain, str(uuid.UUID(bytes=raw))
    except Exception as exc:
        raise KetenstroomError(
            "this reference was not made by this router, or was altered"
        ) from exc


def disclosure_trace(event_id: str, disclosure: str, secret: bytes) -> tuple[str, str]:
    """(trace id, span id) of one disclosure: W3C-shaped, fixed by (event, disclosure), and
    unlinkable to the publisher's trace or to another disclosure's without the key."""
    mac = hmac.new(
        _trace_key(secret), f"{event_id}\x00{disclosure}".encode(), hashlib.sha256
    ).hexdigest()
    return mac[:32], mac[32:48]


#: The disclosure log's own linkage domain: no recipient's domain (``<covenant>/<name>``) is it.
LOG_DOMAIN = "verantwoording"


class RouterKeys:
    """The keyring's secrets as routing needs them: references, trace contexts, and the data
    subject's id in the disclosure log. Which version is in force is worked out once per
    moment (a batch routes at one ``now``)."""

    def __init__(
        self,
        herleidbaar: tuple[KeyVersion, ...],
        pseudoniem: tuple[KeyVersion, ...],
        verantwoording: tuple[KeyVersion, ...] = (),
    ) -> None:
        self._versions = {
            "herleidbaar": herleidbaar,
            "pseudoniem": pseudoniem,
            "verantwoording": verantwoording,
        }
        self._secrets = {v.versie: unb64(v.materiaal) for v in herleidbaar}
        self._at: dt.datetime | None = None
        self._in_force: dict[str, tuple[int, bytes]] = {}
        self._event: tuple[str, bytes] = ("", b"")

    def _key(self, kind: str, now: dt.datetime) -> tuple[int, bytes]:
        if now != self._at:
            self._at, self._in_force = now, {}
        found = self._in_force.get(kind)
        if found is None:
            key = in_force(self._versions[kind], now, kind)
            found = self._in_force[kind] = (key.versie, unb64(key.materiaal))
        return found

    def _event_bytes(self, event_id: str) -> bytes:
        if self._event[0] != event_id:  # a signal's views ask for the same event in turn
            self._event = (event_id, uuid.UUID(event_id).bytes)
        return self._event[1]

    def reference(self, event_id: str, domain: str, now: dt.datetime) -> str:
        """The event's reference in ``domain``, under the key in force at ``now``."""
        version, secret = self._key("herleidbaar", now)
        sealed = _siv(secret, domain).encrypt(self._event_bytes(event_id), [domain.encode()])
        return f"{REFERENCE_SCHEME}.k{version}.{domain}.{b64(sealed)}"

    def open(self, label: str) -> tuple[str, str]:
        """(domain, event id) of a reference this router made; KetenstroomError otherwise."""
        return open_reference(label, self._secrets)

    def trace(self, event_id: str, disclosure: str, now: dt.datetime) -> tuple[str, str]:
        """The trace context of one disclosure of an event."""
        return disclosure_trace(event_id, disclosure, self._key("pseudoniem", now)[1])

    def subject(self, kind: str, normalised: str, now: dt.datetime) -> str:
        """The data subject's id in the disclosure log (a PS1 label in the log's own domain,
        under the verantwoording key in force): the log holds no BSN, and no recipient's
        pseudonym equals it."""
        version, secret = self._key("verantwoording", now)
        return log_subject(normalised, secret, version, kind)


#: Bytes of HMAC a log subject id keeps: 128 bits, no collision among any population.
_SUBJECT_BYTES = 16


def log_subject(normalised: str, secret: bytes, version: int, kind: str) -> str:
    """``PS1.k<version>.verantwoording.<kind>.<HMAC-SHA256, 128 bits>``: a keyed pseudonym in
    the log's own domain (the same construction as a recipient's pseudonym, shortened)."""
    mac = hmac.new(pseudonym_key(secret, LOG_DOMAIN, kind), normalised.encode(), hashlib.sha256)
    return f"{PSEUDONYM_SCHEME}.k{version}.{LOG_DOMAIN}.{kind}.{b64(mac.digest()[:_SUBJECT_BYTES])}"


def subject_ids(kind: str, normalised: str, versions: tuple[KeyVersion, ...]) -> list[str]:
    """The log ids of one data subject under every version of the verantwoording key (for an
    FG's inzage: records made before and after a rotation)."""
    return [log_subject(normalised, unb64(v.materiaal), v.versie, kind) for v in versions]
