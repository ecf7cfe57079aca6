"""Recipient side: open the encrypted (ENC2) fields of a view with the recipient's private keys."""

from __future__ import annotations

from typing import Any

from pipeline.privacy import encryption
from pipeline.privacy.keyring import RecipientKeys, by_version, unb64


def decrypt_view(datum: dict[str, Any], keys: RecipientKeys) -> dict[str, Any]:
    """A copy of a view with every encrypted field opened; fails loudly for a wrong or altered value."""
    # Encrypted fields are bound to the view's own reference, which the recipient holds.
    reference = str(datum["envelope"]["event_ref"])

    def walk(record: dict[str, Any], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in record.items():
            path = f"{prefix}{name}"
            if isinstance(value, dict) and name != "envelope":
                out[name] = walk(value, f"{path}.")
            elif isinstance(value, str) and value.startswith(f"{encryption.SCHEME}."):
                version = by_version(
                    keys.sleutels, encryption.key_version(value), f"{keys.partner} private"
                )
                out[name] = encryption.decrypt(
                    value, unb64(version.materiaal), reference, keys.partner, path
                )
            else:
                out[name] = value
        return out

    return walk(datum, "")
