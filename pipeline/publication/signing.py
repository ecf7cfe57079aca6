"""Ed25519 signatures on covenant bundles: workers adopt only bundles a trusted key signed.

Write access to the control topic is not enough to change what partners receive: a bundle must
be signed by a key in the workers' trusted-signers file (``ondertekenaars.json``). The signature
covers the exact bundle bytes (covenant texts, version and publication time); a changed byte
fails it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ValidationError

from pipeline.errors import ConfigurationError, CovenantError
from pipeline.privacy.keyring import b64, unb64, write_secret_file

SIGNED_FORMAT = 2


def signed_digest(raw: bytes) -> str:
    """SHA-256 of a signed control-topic value: names exactly one publication (a copy with one
    bit changed, or signed for another installation, has another)."""
    return hashlib.sha256(raw).hexdigest()


def key_id(public: bytes) -> str:
    """Short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


class Signer(BaseModel):
    """A trusted signer: who, and the raw Ed25519 public key (base64)."""

    naam: str
    sleutel_id: str
    publieke_sleutel: str

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(unb64(self.publieke_sleutel))


class TrustedSigners(BaseModel):
    """The workers' list of keys that may sign covenant bundles (public; not secret)."""

    ondertekenaars: list[Signer] = []

    def find(self, sleutel_id: str) -> Signer | None:
        return next((s for s in self.ondertekenaars if s.sleutel_id == sleutel_id), None)

    def with_signer(self, signer: Signer) -> TrustedSigners:
        others = [s for s in self.ondertekenaars if s.sleutel_id != signer.sleutel_id]
        return TrustedSigners(ondertekenaars=[*others, signer])


class SigningKey(BaseModel):
    """A privacy officer's private signing key (secret, mode 0600)."""

    naam: str
    sleutel_id: str
    prive_sleutel: str

    @classmethod
    def generate(cls, naam: str) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(
            naam=naam,
            sleutel_id=key_id(raw_public),
            prive_sleutel=b64(private.private_bytes_raw()),
        )

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(unb64(self.prive_sleutel))

    def signer(self) -> Signer:
        """The public half, to add to the workers' trusted signers."""
        raw_public = self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Signer(naam=self.naam, sleutel_id=self.sleutel_id, publieke_sleutel=b64(raw_public))

    def sign(self, bundle_bytes: bytes) -> bytes:
        """The signed control-topic value for a bundle's bytes."""
        return json.dumps(
            {
                "format": SIGNED_FORMAT,
                "bundel": b64(bundle_bytes),
                "ondertekenaar": self.sleutel_id,
                "handtekening": b64(self._private().sign(bundle_bytes)),
            },
            sort_keys=True,
        ).encode()


def verify(raw: bytes, trusted: TrustedSigners) -> tuple[bytes, Signer]:
    """The bundle bytes inside a signed value, and who signed them; CovenantError otherwise."""
    try:
        body = json.loads(raw)
        if (
            not isinstance(body, dict)
            or body.get("format") != SIGNED_FORMAT
            or "bundel" not in body
        ):
            raise ValueError("not a signed bundle (format 2)")
        inner = unb64(body["bundel"])
        signature = unb64(body["handtekening"])
        signer_id = str(body["ondertekenaar"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CovenantError([f"covenant bundle refused: {exc}"]) from exc
    signer = trusted.find(signer_id)
    if signer is None:
        raise CovenantError([f"covenant bundle refused: signer {signer_id} is not trusted"])
    try:
        signer.public_key().verify(signature, inner)
    except (InvalidSignature, ValueError) as exc:
        raise CovenantError(
            [f"covenant bundle refused: signature of {signer_id} does not verify"]
        ) from exc
    return inner, signer


def create_signing_key(naam: str, key_path: Path, trusted_path: Path) -> SigningKey:
    """A new signing key at ``key_path`` (0600), its public half added to the trusted signers."""
    if key_path.exists():
        raise ConfigurationError(f"{key_path} exists already; remove it first to replace the key")
    key = SigningKey.generate(naam)
    write_secret_file(key_path, key)
    write_trusted_signers(
        trusted_path, read_trusted_signers(trusted_path).with_signer(key.signer())
    )
    return key


def read_signing_key(path: Path) -> SigningKey:
    """The signing key file; a clear error if it is missing or malformed."""
    if not path.exists():
        raise ConfigurationError(
            f"no covenant signing key at {path}: create one with `ketenstroom keys ondertekening`"
        )
    try:
        return SigningKey.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ConfigurationError(f"{path} is not a signing key file: {exc}") from exc


def read_trusted_signers(path: Path) -> TrustedSigners:
    """The trusted signers, or none (then no published bundle is ever adopted)."""
    if not path.exists():
        return TrustedSigners()
    try:
        return TrustedSigners.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ConfigurationError(f"{path} is not a trusted-signers file: {exc}") from exc


def write_trusted_signers(path: Path, trusted: TrustedSigners) -> None:
    """Write the (public) trusted-signers file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trusted.model_dump(), indent=2) + "\n", encoding="utf-8")
