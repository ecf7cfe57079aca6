"""Controlled re-identification: only reversible pseudonyms, only on a signed request of a
herleider the covenant names, always logged first.

A herleider (``convenant.herleiders``: name, the party they act for, an Ed25519 public key)
signs a request: which pseudonym, why, until when. Whoever runs the re-identification verifies
it against the covenant of the pseudonym's linkage domain (``<covenant>/<name>``) and writes a
log line with the request and its signature in ``proof``: anyone can check later who asked, why
and for what. Pure: no I/O, no clock (``now`` is given).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import KetenstroomError
from pipeline.language import Text
from pipeline.legal_time import LEGAL_TZ
from pipeline.messages import accountability as msg
from pipeline.privacy.keyring import Keyring, b64, unb64
from pipeline.privacy.pseudonyms import parse_label, reidentify
from pipeline.privacy.subjects import BY_BSN
from pipeline.router.disclosure import LOG_NAME

MIN_REASON = 15
#: The longest a request may be valid: a request is for one act now, not a standing permit.
MAX_VALIDITY = dt.timedelta(hours=24)
#: How far a request's time may lie ahead of the verifier's clock.
CLOCK_SKEW = dt.timedelta(minutes=5)
REIDENTIFIED = "REIDENTIFIED"


class Refused(KetenstroomError):
    """A re-identification request that may not be carried out; the message says why (Dutch
    or English, as the officer's language in force)."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def key_id(public: bytes) -> str:
    """Short, stable name of a herleider's public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


class HerleiderKey(BaseModel):
    """A herleider's private Ed25519 key (secret, mode 0600): signs re-identification requests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    naam: str
    namens: str
    sleutel_id: str
    prive_sleutel: str

    @classmethod
    def generate(cls, naam: str, namens: str) -> HerleiderKey:
        """A new key for ``naam``, acting for ``namens``."""
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(
            naam=naam,
            namens=namens,
            sleutel_id=key_id(public),
            prive_sleutel=b64(private.private_bytes_raw()),
        )

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(unb64(self.prive_sleutel))

    @property
    def public(self) -> str:
        """The raw public key (base64url), as the covenant's ``publieke_sleutel``."""
        return b64(self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def covenant_entry(self) -> str:
        """The YAML lines that name this herleider under ``convenant:``."""
        return (
            "  herleiders:\n"
            f"    - naam: {json.dumps(self.naam, ensure_ascii=False)}\n"
            f"      namens: {self.namens}\n"
            f"      publieke_sleutel: {self.public}"
        )

    def sign(self, request: Request) -> str:
        """The signed request as one JSON text (request, key id, signature)."""
        signature = self._private().sign(request.canonical())
        return json.dumps(
            {
                "verzoek": request.model_dump(mode="json"),
                "handtekening": b64(signature),
            },
            sort_keys=True,
            ensure_ascii=False,
        )


class Request(BaseModel):
    """What a herleider asks: re-identify ``pseudoniem`` because of ``reden``, valid until
    ``geldig_tot``. ``publieke_sleutel`` travels along, so the proof verifies on its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    verzoek_id: str
    pseudoniem: str
    reden: str = Field(min_length=MIN_REASON)
    herleider: str
    namens: str
    publieke_sleutel: str
    aangevraagd_op: dt.datetime
    geldig_tot: dt.datetime

    def canonical(self) -> bytes:
        """The exact bytes that are signed: sorted keys, no whitespace."""
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()


def make_request(
    key: HerleiderKey, label: str, reason: str, now: dt.datetime, valid: dt.timedelta
) -> str:
    """A signed request to re-identify ``label`` (checked to be a reversible pseudonym)."""
    if len(reason.strip()) < MIN_REASON:
        raise Refused(msg.short_reason(MIN_REASON))
    if valid > MAX_VALIDITY or valid <= dt.timedelta(0):
        raise Refused(msg.too_long(int(MAX_VALIDITY.total_seconds() // 3600)))
    parse_label(label)
    request = Request(
        verzoek_id=str(uuid.uuid4()),
        pseudoniem=label,
        reden=reason.strip(),
        herleider=key.naam,
        namens=key.namens,
        publieke_sleutel=key.public,
        aangevraagd_op=now,
        geldig_tot=now + valid,
    )
    return key.sign(request)


@dataclass(frozen=True)
class Entitled:
    """A herleider as the covenant names them."""

    naam: str
    namens: str
    publieke_sleutel: str


@dataclass(frozen=True)
class Verified:
    """A request that may be carried out: by whom (as the covenant names them), and the proof."""

    request: Request
    herleider: Entitled
    proof: str


def read_request(text: str) -> tuple[Request, bytes]:
    """The request and its signature in a signed request's text; Refused if it is none."""
    try:
        body = json.loads(text)
        if not isinstance(body, dict) or not isinstance(body.get("handtekening"), str):
            raise ValueError("no signature")
        return Request.model_validate(body["verzoek"]), unb64(body["handtekening"])
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise Refused(msg.unsigned_request()) from exc


def verify_signature(request: Request, signature: bytes) -> bool:
    """True when ``signature`` is the request's own key's signature over it."""
    try:
        key = Ed25519PublicKey.from_public_bytes(unb64(request.publieke_sleutel))
        key.verify(signature, request.canonical())
        return True
    except (InvalidSignature, ValueError):
        return False


def verify_request(
    text: str,
    covenant: str | None,
    herleiders: Sequence[Entitled],
    domain_parties: set[str],
    now: dt.datetime,
    validity: tuple[dt.date, dt.date | None] | None = None,
) -> Verified:
    """Check a signed request against the covenant of its pseudonym's domain: ``herleiders``
    are that covenant's (None: no such covenant), ``domain_parties`` the parties of the
    pseudonym's linkage domain, ``validity`` its ``geldig.van`` and ``tot`` (Dutch days; the
    end exclusive). Refused, with the reason, for anything but a valid request."""
    request, signature = read_request(text)
    _, _, domain, _, _ = parse_label(request.pseudoniem)
    if covenant is None:
        raise Refused(msg.unknown_covenant(domain.partition("/")[0]))
    claimed = key_id(unb64(request.publieke_sleutel))
    person = next((h for h in herleiders if h.publieke_sleutel == request.publieke_sleutel), None)
    if person is None:
        raise Refused(msg.not_a_herleider(claimed, covenant))
    if not verify_signature(request, signature):
        raise Refused(msg.bad_signature(person.naam))
    if request.herleider != person.naam or request.namens != person.namens:
        raise Refused(msg.name_mismatch(request.herleider, person.naam))
    if person.namens not in domain_parties:
        raise Refused(msg.not_for_domain(person.naam, person.namens, domain))
    if request.geldig_tot - request.aangevraagd_op > MAX_VALIDITY:
        raise Refused(msg.too_long(int(MAX_VALIDITY.total_seconds() // 3600)))
    if request.aangevraagd_op > now + CLOCK_SKEW:
        raise Refused(msg.not_yet_valid(request.aangevraagd_op.isoformat()))
    if now >= request.geldig_tot:
        raise Refused(msg.expired(request.geldig_tot.isoformat()))
    if validity is not None:
        van, tot = validity
        today = now.astimezone(LEGAL_TZ).date()
        if today < van or (tot is not None and today >= tot):
            raise Refused(
                msg.outside_validity(
                    covenant, van.isoformat(), tot.isoformat() if tot else None, today.isoformat()
                )
            )
    return Verified(request, person, text)


def subject_type(kind: str) -> str:
    """dpl.core.data_subject_id_type of a re-identified identifier of ``kind``."""
    return BY_BSN if kind == "bsn" else f"herleid:{kind}"


def reidentification_record(
    verified: Verified, subject_id: str, at: dt.datetime, activity: str | None = None
) -> dict[str, Any]:
    """The disclosure-log record of a re-identification: who (the covenant's herleider), for
    whom, why, the signed request as proof, and the re-identified person as the log's own
    pseudonym (``subject_id``); never the identifier itself. ``activity``: the covenant's
    re-identification activity in the register."""
    _, _, _, kind, _ = parse_label(verified.request.pseudoniem)
    act = uuid.uuid4()
    return {
        "trace_id": act.hex,
        "span_id": act.hex[:16],
        "parent_span_id": None,
        "name": f"{LOG_NAME}.reidentify",
        "start_time": at,
        "end_time": at,
        "status_code": "OK",
        "processing_activity_id": activity,
        "more_processing_activity_ids": [],
        "data_subject_id": subject_id,
        "data_subject_id_type": subject_type(kind),
        "event_id": str(act),
        "event_type": "Herleiding",
        "source": verified.herleider.namens,
        "foreign_processor": None,
        "foreign_trace_id": None,
        "foreign_span_id": None,
        "recipient": verified.herleider.namens,
        "outcome": REIDENTIFIED,
        "view_fingerprint": None,
        "reason": verified.request.reden,
        "requester": verified.herleider.naam,
        "proof": verified.proof,
    }


def reidentify_label(label: str, keyring: Keyring) -> str:
    """The normalised identifier behind a reversible pseudonym."""
    return reidentify(label, {v.versie: unb64(v.materiaal) for v in keyring.herleidbaar})
