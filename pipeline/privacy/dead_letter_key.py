"""The dead-letter key: what a dead letter holds is sealed to a key of the privacy role.

Dead letters keep the record as it arrived, personal data included, so that it can be replayed
after a fix. The router holds only the public half and seals with HPKE (RFC 9180, base mode:
DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from ``cryptography``). Whoever reads
``ketenstroom.dlq`` without the private half (the operator, any Kafka client) sees the reason,
the origin and the size, never the content. The private half (mode 0600) stays with the
privacy role; ``dlq show --inhoud`` and ``dlq replay`` need it.

Every key has a version. Rotation adds a version: the router seals to the newest public key,
and the private file keeps the old versions so that old dead letters still open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Literal, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigurationError, KetenstroomError
from pipeline.privacy.keyring import KeyVersion, b64, by_version, unb64, write_secret_file

#: The HPKE suite, named as it appears on every sealed dead letter.
SCHEME = "hpke-x25519-sha256-aes256gcm"
_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
_Model = TypeVar("_Model", bound=BaseModel)


def key_id(public: bytes) -> str:
    """Short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


class DeadLetterPublicKey(BaseModel):
    """The public half the router seals to (not secret; give it to every worker)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    versie: int = Field(ge=1)
    sleutel_id: str
    publieke_sleutel: str

    def seal(self, plaintext: bytes, info: bytes) -> bytes:
        """HPKE-seal ``plaintext`` to this key; ``info`` binds it to where it is stored."""
        public = X25519PublicKey.from_public_bytes(unb64(self.publieke_sleutel))
        return _SUITE.encrypt(plaintext, public, info=info)


class DeadLetterKeys(BaseModel):
    """The privacy role's private dead-letter keys, every version (secret, mode 0600)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    sleutels: tuple[KeyVersion, ...] = ()

    def with_new_version(self, start: dt.datetime) -> DeadLetterKeys:
        """A new X25519 key pair as the next version."""
        version = KeyVersion(
            versie=max((v.versie for v in self.sleutels), default=0) + 1,
            vanaf=start,
            materiaal=b64(X25519PrivateKey.generate().private_bytes_raw()),
        )
        return self.model_copy(update={"sleutels": (*self.sleutels, version)})

    def public_key(self) -> DeadLetterPublicKey:
        """The public half of the newest version: what the router seals to."""
        if not self.sleutels:
            raise ConfigurationError("the dead-letter key file holds no key")
        newest = max(self.sleutels, key=lambda v: v.versie)
        raw = (
            X25519PrivateKey.from_private_bytes(unb64(newest.materiaal))
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return DeadLetterPublicKey(
            versie=newest.versie, sleutel_id=key_id(raw), publieke_sleutel=b64(raw)
        )

    def open(self, sealed: bytes, version: int, info: bytes) -> bytes:
        """The plaintext of a sealed dead letter; KetenstroomError for a wrong key or a change."""
        material = by_version(self.sleutels, version, "dead-letter private").materiaal
        try:
            return _SUITE.decrypt(
                sealed, X25519PrivateKey.from_private_bytes(unb64(material)), info
            )
        except (InvalidTag, ValueError) as exc:
            raise KetenstroomError(
                f"dead-letter content does not open with key version {version}: "
                "wrong key, or the record was changed or moved"
            ) from exc


def generate_dead_letter_keys(start: dt.datetime | None = None) -> DeadLetterKeys:
    """A fresh private key file with one version (for development runs and tests)."""
    return DeadLetterKeys().with_new_version(start or dt.datetime.now(dt.UTC))


def create_dead_letter_key(
    private_path: Path, public_path: Path, start: dt.datetime
) -> DeadLetterPublicKey:
    """Create the key, or add a version if ``private_path`` exists; write both halves."""
    current = read_dead_letter_keys(private_path) if private_path.exists() else DeadLetterKeys()
    keys = current.with_new_version(start)
    write_secret_file(private_path, keys)
    public = keys.public_key()
    write_dead_letter_public_key(public_path, public)
    return public


def write_dead_letter_public_key(path: Path, public: DeadLetterPublicKey) -> None:
    """Write the public half where the router reads it (not secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(public.model_dump(), indent=2) + "\n", encoding="utf-8")


def read_dead_letter_public_key(path: Path) -> DeadLetterPublicKey:
    """The public half; a clear error if it is missing (a worker does not start without it)."""
    missing = (
        f"no dead-letter public key at {path}: the privacy role creates it with "
        "`ketenstroom keys dode-letters` (KETENSTROOM_DEAD_LETTER_PUBLIC_KEY)"
    )
    return _read(path, DeadLetterPublicKey, missing, "dead-letter public key")


def read_dead_letter_keys(path: Path) -> DeadLetterKeys:
    """The private key file of the privacy role; a clear error if it is missing."""
    missing = (
        f"no dead-letter key at {path}: dead-letter contents open only with the privacy "
        "role's key (KETENSTROOM_DEAD_LETTER_KEY)"
    )
    return _read(path, DeadLetterKeys, missing, "dead-letter key file")


def _read(path: Path, model: type[_Model], missing: str, what: str) -> _Model:
    if not path.exists():
        raise ConfigurationError(missing)
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise ConfigurationError(f"{path} is not a {what}: {exc}") from exc
