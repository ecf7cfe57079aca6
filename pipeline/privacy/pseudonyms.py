"""Keyed pseudonyms (HMAC-SHA256) and reversible pseudonyms (AES-SIV), per linkage domain.

Each domain gets its own key, derived with HKDF from the keyring secret, so two domains (by default
two recipients) get unlinkable pseudonyms for one person, while one domain can link its own records.
Labels follow NEN 7524 / ZorgTTP practice: scheme, key version, domain and type travel with the value.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pipeline.errors import KetenstroomError
from pipeline.privacy.keyring import b64, unb64

PSEUDONYM_SCHEME = "PS1"
REVERSIBLE_SCHEME = "RP1"


def derive(secret: bytes, purpose: str, domain: str, kind: str, size: int) -> bytes:
    """A key for one purpose, domain and identifier type (HKDF-SHA256)."""
    info = f"ketenstroom/{purpose}/v1/{domain}/{kind}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=size, salt=None, info=info).derive(secret)


@functools.lru_cache(maxsize=4096)
def pseudonym_key(secret: bytes, domain: str, kind: str) -> bytes:
    """The HMAC key of one domain and identifier type (derived once, then cached)."""
    return derive(secret, "pseudoniem", domain, kind, 32)


@functools.lru_cache(maxsize=4096)
def _siv(secret: bytes, domain: str, kind: str) -> AESSIV:
    return AESSIV(derive(secret, "herleidbaar", domain, kind, 64))


def pseudonym(normalised: str, secret: bytes, version: int, domain: str, kind: str) -> str:
    """``PS1.k<version>.<domain>.<type>.<HMAC>``: stable within a domain, unlinkable across."""
    mac = hmac.new(
        pseudonym_key(secret, domain, kind), normalised.encode(), hashlib.sha256
    ).digest()
    return f"{PSEUDONYM_SCHEME}.k{version}.{domain}.{kind}.{b64(mac)}"


def reversible(normalised: str, secret: bytes, version: int, domain: str, kind: str) -> str:
    """``RP1.k<version>.<domain>.<type>.<AES-SIV>``: deterministic, so it links; reversible by the key holder."""
    sealed = _siv(secret, domain, kind).encrypt(
        normalised.encode(), [domain.encode(), kind.encode()]
    )
    return f"{REVERSIBLE_SCHEME}.k{version}.{domain}.{kind}.{b64(sealed)}"


def parse_label(label: str) -> tuple[str, int, str, str, bytes]:
    """(scheme, key version, domain, type, value bytes) of a pseudonym label."""
    # A domain is "<covenant>/<name>" and a covenant id may hold dots: split from both ends.
    parts = label.split(".")
    try:
        if len(parts) < 5 or not parts[1].startswith("k"):
            raise ValueError(label)
        scheme, version, kind, value = parts[0], parts[1], parts[-2], parts[-1]
        return scheme, int(version[1:]), ".".join(parts[2:-2]), kind, unb64(value)
    except ValueError as exc:
        raise KetenstroomError(f"not a ketenstroom pseudonym label: {label[:40]!r}") from exc


def reidentify(label: str, secret_for_version: dict[int, bytes]) -> str:
    """The normalised identifier behind a reversible pseudonym (raises if it is not one)."""
    scheme, version, domain, kind, sealed = parse_label(label)
    if scheme != REVERSIBLE_SCHEME:
        raise KetenstroomError(
            "only reversible pseudonyms (RP1) can be re-identified; PS1 is one-way"
        )
    secret = secret_for_version.get(version)
    if secret is None:
        raise KetenstroomError(f"re-identification key version {version} is not in the keyring")
    try:
        return _siv(secret, domain, kind).decrypt(sealed, [domain.encode(), kind.encode()]).decode()
    except Exception as exc:
        raise KetenstroomError(
            "this pseudonym does not open with the keyring's key: wrong key or altered"
        ) from exc
