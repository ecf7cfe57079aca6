"""Recipient encryption (versleuteld): a data key per batch and recipient, wrapped with HPKE.

A standard KEM/DEM construction: for each batch of signals and each recipient the router makes
a fresh AES-256-GCM data key and wraps it once with HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256),
HKDF-SHA256, AES-256-GCM, from ``cryptography``) to the recipient's public key; every value for
that recipient in that batch is sealed with AES-256-GCM under the data key, with a fresh random
96-bit nonce. So one key agreement per (batch, recipient) instead of one per value, and still
only the recipient's private key opens a value: not the broker, its operators, or anyone
holding the router's keyring. The view's own reference, the recipient and the field are
authenticated data: a value cannot be moved to another field or view unnoticed. Each token
carries its wrapped key, so it opens on its own:
``ENC2.k<recipient key version>.<HPKE-wrapped data key>.<nonce|ciphertext>``.
"""

from __future__ import annotations

import functools
import os

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from pipeline.errors import KetenstroomError
from pipeline.privacy.keyring import b64, unb64

SCHEME = "ENC2"
_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
_NONCE = 12


def _info(recipient: str, version: int) -> bytes:
    """HPKE info: the wrapped key opens only as a data key for this recipient's key version."""
    return f"ketenstroom/versleuteld/v2/{recipient}/k{version}".encode()


def _context(reference: str, recipient: str, path: str) -> bytes:
    return f"{reference}\x00{recipient}\x00{path}".encode()


class Sealer:
    """The data keys of one batch: one per (recipient, linkage domain, key version), wrapped
    once. Per domain, not only per recipient: a recipient under two covenants has a domain in
    each (purpose limitation), and a wrapped key shared by its two views of one signal would
    let it join them."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str, int, bytes], tuple[AESGCM, str]] = {}

    def seal(
        self,
        plaintext: str,
        recipient_public: bytes,
        version: int,
        reference: str,
        recipient: str,
        path: str,
        domain: str = "",
    ) -> str:
        """The token of one field of one view (``reference``: the view's own reference;
        ``domain``: the view's linkage domain, which gets a data key of its own)."""
        slot = (recipient, domain, version, recipient_public)
        found = self._keys.get(slot)
        if found is None:
            data_key = AESGCM.generate_key(256)
            wrapped = _SUITE.encrypt(
                data_key,
                X25519PublicKey.from_public_bytes(recipient_public),
                info=_info(recipient, version),
            )
            found = self._keys.setdefault(slot, (AESGCM(data_key), b64(wrapped)))
        aead, wrapped_text = found
        nonce = os.urandom(_NONCE)
        sealed = aead.encrypt(nonce, plaintext.encode(), _context(reference, recipient, path))
        return f"{SCHEME}.k{version}.{wrapped_text}.{b64(nonce + sealed)}"


def encrypt(
    plaintext: str, recipient_public: bytes, version: int, reference: str, recipient: str, path: str
) -> str:
    """One value with a data key of its own (routing shares one per batch: ``Sealer``)."""
    return Sealer().seal(plaintext, recipient_public, version, reference, recipient, path)


def key_version(token: str) -> int:
    """The recipient key version a token was encrypted to."""
    return _split(token)[0]


def _split(token: str) -> tuple[int, bytes, bytes]:
    try:
        scheme, version, wrapped, body = token.split(".")
        if scheme != SCHEME or not version.startswith("k"):
            raise ValueError(scheme)
        return int(version[1:]), unb64(wrapped), unb64(body)
    except ValueError as exc:
        raise KetenstroomError(f"not an {SCHEME} token") from exc


@functools.lru_cache(maxsize=1024)
def _unwrap(wrapped: bytes, recipient_private: bytes, info: bytes) -> AESGCM:
    """A batch's data key, opened once per batch by the recipient (cached)."""
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    return AESGCM(_SUITE.decrypt(wrapped, private, info=info))


def decrypt(token: str, recipient_private: bytes, reference: str, recipient: str, path: str) -> str:
    """Open a token with the recipient's private key; fails for a wrong key or any alteration."""
    version, wrapped, body = _split(token)
    if len(body) < _NONCE + 16:
        raise KetenstroomError(f"{SCHEME} token is truncated")
    try:
        aead = _unwrap(wrapped, recipient_private, _info(recipient, version))
        plain = aead.decrypt(body[:_NONCE], body[_NONCE:], _context(reference, recipient, path))
    except Exception as exc:
        raise KetenstroomError(
            f"cannot decrypt {path}: wrong key, or the value was altered or moved"
        ) from exc
    return plain.decode()
