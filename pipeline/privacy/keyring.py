"""Key files: the router's keyring (secrets, recipients' public keys) and a recipient's private keys.

Secrets never live in the repository. Every key has a version and a start time; the key in force
at a moment is the one with the latest start at or before it (rotation by start date).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigurationError

SecretKind = Literal["pseudoniem", "herleidbaar", "verantwoording"]
#: pseudoniem: recipients' pseudonyms and trace ids; herleidbaar: reversible pseudonyms and
#: event references; verantwoording: the data subject's id in the disclosure log only (the FG
#: holds it too, to answer "who received what about me"; it opens nothing a recipient holds).
SECRET_KINDS: tuple[SecretKind, ...] = ("pseudoniem", "herleidbaar", "verantwoording")
SECRET_SIZES: dict[str, int] = {"pseudoniem": 32, "herleidbaar": 64, "verantwoording": 32}


def b64(raw: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    """Inverse of b64."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyVersion(BaseModel):
    """One version of a key: number, start, material (secret or public, base64url)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    versie: int = Field(ge=1)
    vanaf: dt.datetime
    materiaal: str


def in_force(versions: tuple[KeyVersion, ...], at: dt.datetime, what: str) -> KeyVersion:
    """The version in force at ``at``."""
    started = [v for v in versions if v.vanaf <= at]
    if not started:
        raise ConfigurationError(f"no {what} key is in force at {at.isoformat()}")
    return max(started, key=lambda v: (v.vanaf, v.versie))


def by_version(versions: tuple[KeyVersion, ...], version: int, what: str) -> KeyVersion:
    """A specific version (for decryption and re-identification)."""
    for v in versions:
        if v.versie == version:
            return v
    raise ConfigurationError(f"{what} key version {version} is not in the key file")


class Keyring(BaseModel):
    """The router's keys. Keep this file secret (mode 0600), out of the repository."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    pseudoniem: tuple[KeyVersion, ...] = ()
    herleidbaar: tuple[KeyVersion, ...] = ()
    verantwoording: tuple[KeyVersion, ...] = ()
    ontvangers: dict[str, tuple[KeyVersion, ...]] = Field(default_factory=dict)

    def with_secret(self, kind: SecretKind, start: dt.datetime) -> Keyring:
        """A new version of a secret, in force from ``start``."""
        current: tuple[KeyVersion, ...] = getattr(self, kind)
        version = KeyVersion(
            versie=max((v.versie for v in current), default=0) + 1,
            vanaf=start,
            materiaal=b64(secrets.token_bytes(SECRET_SIZES[kind])),
        )
        return self.model_copy(update={kind: (*current, version)})

    def with_recipient(
        self, partner: str, public_key: bytes, start: dt.datetime
    ) -> tuple[Keyring, int]:
        """Add a recipient's public key as a new version; returns the new keyring and version."""
        current = self.ontvangers.get(partner, ())
        number = max((v.versie for v in current), default=0) + 1
        version = KeyVersion(versie=number, vanaf=start, materiaal=b64(public_key))
        return self.model_copy(
            update={"ontvangers": {**self.ontvangers, partner: (*current, version)}}
        ), number


class RecipientKeys(BaseModel):
    """A recipient's private keys. Stays with the recipient; the router never needs it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    partner: str
    sleutels: tuple[KeyVersion, ...] = ()


def new_recipient_key(recipient: RecipientKeys, start: dt.datetime) -> tuple[RecipientKeys, bytes]:
    """Generate an X25519 key pair as a new version; returns the updated file and the public key."""
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    number = max((v.versie for v in recipient.sleutels), default=0) + 1
    version = KeyVersion(versie=number, vanaf=start, materiaal=b64(raw_private))
    return recipient.model_copy(update={"sleutels": (*recipient.sleutels, version)}), public


def _read(path: Path, model: type[Keyring] | type[RecipientKeys]) -> Keyring | RecipientKeys:
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read key file {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise ConfigurationError(f"key file {path} is invalid: {exc.errors()[0]['msg']}") from exc


def read_keyring(path: Path) -> Keyring:
    """Load the router's keyring."""
    if not path.exists():
        raise ConfigurationError(
            f"no keyring at {path}: create one with `ketenstroom keys init` (KETENSTROOM_KEYRING)"
        )
    keyring = _read(path, Keyring)
    assert isinstance(keyring, Keyring)
    return keyring


def read_recipient_keys(path: Path) -> RecipientKeys:
    """Load a recipient's private key file."""
    keys = _read(path, RecipientKeys)
    assert isinstance(keys, RecipientKeys)
    return keys


def write_secret_file(path: Path, model: BaseModel) -> None:
    """Write a key file readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(model.model_dump(mode="json"), indent=2) + "\n")
    os.replace(tmp, path)


def new_keyring(start: dt.datetime) -> Keyring:
    """A keyring with version 1 of every secret, in force from ``start``."""
    keyring = Keyring()
    for kind in SECRET_KINDS:
        keyring = keyring.with_secret(kind, start)
    return keyring


def extract(keyring: Keyring, kind: SecretKind) -> Keyring:
    """A keyring holding only the versions of one secret (e.g. the FG's verantwoording key)."""
    return Keyring.model_validate({kind: [v.model_dump() for v in getattr(keyring, kind)]})


def generate_keys(
    partners: list[str], start: dt.datetime | None = None
) -> tuple[Keyring, dict[str, RecipientKeys]]:
    """A fresh keyring (secrets, recipients' public keys) and each recipient's private key file."""
    at = start or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    keyring = new_keyring(at)
    private: dict[str, RecipientKeys] = {}
    for partner in partners:
        private[partner], public = new_recipient_key(RecipientKeys(partner=partner), at)
        keyring, _ = keyring.with_recipient(partner, public, at)
    return keyring, private


def ephemeral_keyring(partners: list[str]) -> Keyring:
    """A throwaway keyring, for checking and testing covenants: which fields leave, and in which
    form, does not depend on the key values."""
    return generate_keys(partners)[0]
