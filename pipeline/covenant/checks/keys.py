"""Encrypted fields (``versleuteld``) need the recipient's public key in the router's keyring;
without it the router refuses to start. `convenant check` says so first (a warning: the keyring
is the operator's, and may not be on the officer's machine)."""

from __future__ import annotations

from pathlib import Path

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling
from pipeline.errors import KetenstroomError
from pipeline.messages import covenant as covenant_msg
from pipeline.messages import heading as msg


def keyed_recipients(keyring: Path) -> frozenset[str] | None:
    """The recipients with a public key in the keyring, or None when it cannot be read here."""
    from pipeline.privacy.keyring import read_keyring

    try:
        return frozenset(read_keyring(keyring).ontvangers)
    except (OSError, KetenstroomError, ValueError):
        return None


def encryption_warnings(
    covenants: list[LoadedCovenant], keyed: frozenset[str] | None, keyring: Path
) -> list[str]:
    """A warning per encrypted field whose recipient has no key; one warning naming the
    recipients when the keyring cannot be read (``keyed`` None)."""
    found = []
    unknown: dict[str, None] = {}
    for loaded in covenants:
        for index, rule in enumerate(loaded.model.regels):
            for path, treatment in rule.velden.items():
                if treatment is not Behandeling.VERSLEUTELD:
                    continue
                for recipient in rule.ontvangers:
                    if keyed is None:
                        unknown[recipient] = None
                    elif recipient not in keyed:
                        where = loaded.source.where(("regels", index, "velden", path))
                        owner = covenant_msg.in_rule(rule.id, index + 1)
                        text = msg.no_key(rule.id, path, recipient, str(keyring))
                        found.append(f"{where}: {owner}: {text}")
    if unknown:
        found.append(f"{msg.keys_unknown(sorted(unknown), str(keyring))}")
    return sorted(set(found), key=found.index)
