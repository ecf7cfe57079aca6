"""Recipient encryption (versleuteld): X25519 + HKDF-SHA256 + AES-256-GCM to the recipient's public key.

Each value gets a fresh ephemeral key pair, so only the recipient's private key opens it: not the
broker, its operators, or anyone holding the router's keyring. The event, recipient and field are
authenticated data (the event as the view's own reference): a value cannot be moved to another
field or record unnoticed.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pipeline.errors import KetenstroomError
from pipeline.privacy.keyring import b64, unb64

SCHEME = "ENC1"


def _key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    info = b"ketenstroom/versleuteld/v1" + ephemeral_public + recipient_public
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def _context(reference: str, recipient: str, path: str) -> bytes:
    return f"{reference}\x00{recipient}\x00{path}".encode()


def encrypt(
    plaintext: str, recipient_public: bytes, version: int, reference: str, recipient: str, path: str
) -> str:
    """``ENC1.k<version>.<ephemeral public|nonce|ciphertext>`` for one field of one view
    (``reference``: the view's own event reference)."""
    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    nonce = os.urandom(12)
    sealed = AESGCM(_key(shared, eph_public, recipient_public)).encrypt(
        nonce, plaintext.encode(), _context(reference, recipient, path)
    )
    return f"{SCHEME}.k{version}.{b64(eph_public + nonce + sealed)}"


def key_version(token: str) -> int:
    """The recipient key version a token was encrypted to."""
    _, version, _ = _split(token)
    return version


def _split(token: str) -> tuple[str, int, bytes]:
    try:
        scheme, version, body = token.split(".", 2)
        if scheme != SCHEME or not version.startswith("k"):
            raise ValueError(scheme)
        return scheme, int(version[1:]), unb64(body)
    except ValueError as exc:
        raise KetenstroomError("not an ENC1 token") from exc


def decrypt(token: str, recipient_private: bytes, reference: str, recipient: str, path: str) -> str:
    """Open a token with the recipient's private key; fails for a wrong key or any alteration."""
    _, _, body = _split(token)
    if len(body) < 32 + 12 + 16:
        raise KetenstroomError("ENC1 token is truncated")
    eph_public, nonce, sealed = body[:32], body[32:44], body[44:]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    recipient_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
    try:
        plain = AESGCM(_key(shared, eph_public, recipient_public)).decrypt(
            nonce, sealed, _context(reference, recipient, path)
        )
    except Exception as exc:
        raise KetenstroomError(
            f"cannot decrypt {path}: wrong key, or the value was altered or moved"
        ) from exc
    return plain.decode()
