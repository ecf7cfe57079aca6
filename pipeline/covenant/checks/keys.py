"""Encrypted fields (``versleuteld``) need the recipient's public key in the router's keyring;
without it the router refuses to start. `convenant check` says so first: a warning per field
when the keyring can be read here and lacks the key, and otherwise a note of what it could not
check (the keyring is the operator's, and is usually not on the officer's computer: a warning
there would show on every run and teach the officer to overlook warnings)."""

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


def encrypted_for(covenants: list[LoadedCovenant]) -> list[str]:
    """The recipients some rule gives an encrypted field, sorted."""
    return sorted(
        {
            recipient
            for loaded in covenants
            for rule in loaded.model.regels
            if Behandeling.VERSLEUTELD in rule.velden.values()
            for recipient in rule.ontvangers
        }
    )


def encryption_warnings(
    covenants: list[LoadedCovenant], keyed: frozenset[str], keyring: Path
) -> list[str]:
    """A warning per encrypted field whose recipient has no key in the keyring read here."""
    found = []
    for loaded in covenants:
        for index, rule in enumerate(loaded.model.regels):
            for path, treatment in rule.velden.items():
                if treatment is not Behandeling.VERSLEUTELD:
                    continue
                for recipient in rule.ontvangers:
                    if recipient not in keyed:
                        where = loaded.source.where(("regels", index, "velden", path))
                        owner = covenant_msg.in_rule(rule.id, index + 1)
                        text = msg.no_key(rule.id, path, recipient, str(keyring))
                        found.append(f"{where}: {owner}: {text}")
    return sorted(set(found), key=found.index)


def unchecked_keys(
    covenants: list[LoadedCovenant], keyed: frozenset[str] | None, keyring: Path
) -> list[str]:
    """What check could not check here: one note naming the recipients of encrypted fields
    when the keyring cannot be read (``keyed`` None); nothing otherwise."""
    recipients = encrypted_for(covenants)
    if keyed is not None or not recipients:
        return []
    return [str(msg.keys_not_checked(recipients, str(keyring)))]
