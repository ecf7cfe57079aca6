"""The status of a covenant text for its annex: concept, or vastgesteld (adopted) in a signed
publication, with its number, date and signer. Pure: the signed bundles are read by the CLI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignedPublication:
    """One signed bundle as found on the control topic: its number, when, who signed, files."""

    version: int
    published_at: str
    signer: str
    files: dict[str, str]


CONCEPT = "concept: deze tekst is niet gepubliceerd"


def status_of(name: str, text: str, publications: list[SignedPublication] | None) -> str:
    """The annex's status line for the file ``name`` with ``text``; ``publications`` None when
    the published versions could not be read (no broker configured or reachable)."""
    if publications is None:
        return "concept: de gepubliceerde versies zijn niet nagegaan (geen pijplijn bereikbaar)"
    found = [p for p in publications if p.files.get(name) == text]
    if not found:
        return CONCEPT
    first = min(found, key=lambda p: p.version)
    newest = max(publications, key=lambda p: p.version)
    day = first.published_at[:10]
    line = f"vastgesteld: publicatie {first.version} van {day}, ondertekend door {first.signer}"
    if newest.files.get(name) != text:
        line += f"; sinds publicatie {newest.version} geldt een andere tekst"
    return line
