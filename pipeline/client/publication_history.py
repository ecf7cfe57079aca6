"""What this installation published before, read from its topics: the signed bundles (control
topic and the workers' copies), the register of processing activities and the schema topic.
`convenant publish` and `convenant check` judge a covenant text against it."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.client.covenant_topic import Published, published_versions, this_installation
from pipeline.client.register_topic import read_register
from pipeline.client.schema_topic import load_schema_topic
from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.model import Convenant
from pipeline.covenant.versions import VersionKey
from pipeline.errors import KetenstroomError
from pipeline.publication.bundle import Installation
from pipeline.publication.precedent import Precedent, published_covenants
from pipeline.publication.signing import TrustedSigners
from pipeline.settings import Settings


@dataclass(frozen=True)
class History:
    """Everything published here before: per bundle version, per covenant version, and the
    register entries and schemas in use."""

    installation: Installation
    versions: dict[int, Published]
    covenants: dict[VersionKey, Convenant]
    precedent: Precedent


def read_history(
    settings: Settings, bootstrap: str, trusted: TrustedSigners, store: SchemaStore
) -> History:
    """Read the control, status, register and schema topics (``store``: the schemas on disk,
    which decode register entries)."""
    installation = this_installation(settings, bootstrap)
    versions = published_versions(settings, bootstrap, trusted, installation)
    pairs = []
    for version, published in versions.items():
        if published.bundle is None:
            continue
        try:
            pairs.append((version, [c.model for c in published.bundle.covenants()]))
        except KetenstroomError:
            continue  # a bundle that does not load was never routed with
    schemas = load_schema_topic(settings, bootstrap)
    register = read_register(settings, bootstrap, store)
    return History(installation, versions, published_covenants(pairs), Precedent(register, schemas))
