"""The published versions the page compares with: from the signed bundles on the control topic
and the copies workers keep on the status topic (read by the command), the ones a trusted key
signed, newest first, as workers choose them (pipeline.publication.adoption)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.errors import KetenstroomError
from pipeline.officer.annex.publication import SignedPublication
from pipeline.publication.bundle import Bundle, Installation
from pipeline.publication.signing import TrustedSigners, verify


@dataclass(frozen=True)
class Published:
    """Every trusted publication, newest first (empty: nothing published yet)."""

    newest_first: tuple[SignedPublication, ...]

    @property
    def publications(self) -> list[SignedPublication]:
        """For the annex's status line."""
        return list(self.newest_first)


def trusted_publications(
    raw_values: Iterable[bytes | None],
    trusted: TrustedSigners,
    installation: Installation | None = None,
) -> Published:
    """The publications among ``raw_values`` (control topic values and workers' copies, a
    tombstone as None) that a trusted key signed for ``installation`` (when given: the one the
    broker belongs to); the first one seen per version counts, as a worker adopts it. A bundle
    the same key signed for another installation (acceptance, another region) is no version
    here: no worker here adopts it, and a memo against it would compare with a text that
    never applied."""
    found: dict[int, SignedPublication] = {}
    for raw in raw_values:
        if not raw:
            continue
        try:
            inner, signer = verify(raw, trusted)
            bundle = Bundle.from_bytes(inner)
        except KetenstroomError:
            continue  # unsigned, untrusted or malformed: no worker adopts it
        if installation is not None and bundle.installation != installation:
            continue
        found.setdefault(
            bundle.version,
            SignedPublication(bundle.version, bundle.published_at, signer.naam, bundle.files),
        )
    return Published(tuple(found[v] for v in sorted(found, reverse=True)))
