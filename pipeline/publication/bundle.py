"""The covenant bundle: the covenant files as `convenant publish` signs and numbers them.

A bundle carries a version number that its signature covers; each version has its own key on
the compacted control topic, so compaction keeps every version, the newest included. How a
worker adopts a bundle is in ``publication.adoption``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import LoadedCovenant, covenant_files, load_covenant_texts
from pipeline.covenant.policy import Policy
from pipeline.errors import CovenantError
from pipeline.privacy.keyring import Keyring
from pipeline.registry import Registry

#: 1: unversioned bundles, 3: bundles for no installation in particular (both refused now);
#: 2 is the signed envelope around it (signing.py).
BUNDLE_FORMAT = 4
#: Highest version a bundle may carry; a version is a count of publications, far below this.
MAX_VERSION = 2**31 - 1


def bundle_key(version: int) -> bytes:
    """The control-topic key of a version: one key per version, so compaction keeps them all."""
    return f"versie/{version}".encode()


@dataclass(frozen=True)
class Installation:
    """The one installation a bundle is for: its name (KETENSTROOM_INSTALLATIE) and its Kafka
    cluster's id (None where the broker reports none). A bundle signed for acceptance, or for
    another region, is refused here: the signature covers both."""

    name: str | None = None
    cluster_id: str | None = None

    def describe(self) -> str:
        """How messages name it: ``productie (cluster abc)``."""
        return f"{self.name or '(zonder naam)'} (cluster {self.cluster_id or 'onbekend'})"

    @property
    def bound(self) -> bool:
        """False when nothing tells this installation from another (no name, no cluster id)."""
        return bool(self.name or self.cluster_id)


#: No installation in particular: no name, no cluster id (tests, and the files on disk).
UNBOUND = Installation()


@dataclass(frozen=True)
class Bundle:
    """Covenant files as published: their texts, a version (0: not yet numbered), when, and
    for which installation."""

    files: dict[str, str]
    published_at: str
    version: int = 0
    installation: Installation = UNBOUND

    @property
    def digest(self) -> str:
        """SHA-256 over the file names and texts: identifies the content (not the version)."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()

    def numbered(self, version: int) -> Bundle:
        """The same content as version ``version``."""
        check_version(version)
        return replace(self, version=version)

    def to_bytes(self) -> bytes:
        """The value that is signed and written to the control topic."""
        check_version(self.version)
        return json.dumps(
            {
                "format": BUNDLE_FORMAT,
                "version": self.version,
                "published_at": self.published_at,
                "installation": {
                    "name": self.installation.name,
                    "cluster_id": self.installation.cluster_id,
                },
                "files": self.files,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Bundle:
        """Parse signed bundle bytes; anything malformed is a CovenantError."""
        try:
            body = json.loads(raw, parse_constant=_no_constants)
            if not isinstance(body, dict) or body.get("format") != BUNDLE_FORMAT:
                raise ValueError(
                    f"not a format-{BUNDLE_FORMAT} bundle (older ones name no installation)"
                )
            installation = _installation(body.get("installation"))
            files = body["files"]
            if not isinstance(files, dict) or not files:
                raise ValueError("a bundle needs covenant files")
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
                raise ValueError("file names and texts must be strings")
            version = check_version(body.get("version"))
            return cls(
                files=files,
                published_at=str(body.get("published_at", "")),
                version=version,
                installation=installation,
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise CovenantError([f"covenant bundle is malformed: {exc}"]) from exc

    @classmethod
    def from_directory(cls, directory: Path, installation: Installation = UNBOUND) -> Bundle:
        """Every covenant file of a directory (not the registry or examples), not yet numbered."""
        return cls(
            files={p.name: p.read_text(encoding="utf-8") for p in covenant_files(directory)},
            published_at=dt.datetime.now(dt.UTC).isoformat(),
            installation=installation,
        )

    def covenants(self) -> list[LoadedCovenant]:
        """The covenants it holds; raises CovenantError listing every problem."""
        return load_covenant_texts(self.files, "bundle")

    def compile(self, registry: Registry, store: SchemaStore, keyring: Keyring | None) -> Policy:
        """Load and compile; raises CovenantError listing every problem."""
        return compile_policy(self.covenants(), registry, store, keyring)


def check_version(version: Any) -> int:
    """``version`` if it is a whole number from 1 to MAX_VERSION; ValueError otherwise.

    Strict on purpose: ``True`` is 1 to Python, NaN compares false with everything, and a float
    or a huge number would make "newer" mean something else on another machine.
    """
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise ValueError(f"bundle version must be a whole number from 1 to {MAX_VERSION}")
    return version


def _installation(value: Any) -> Installation:
    if not isinstance(value, dict) or set(value) != {"name", "cluster_id"}:
        raise ValueError("a bundle names its installation (name and cluster_id)")
    name, cluster = value["name"], value["cluster_id"]
    if not all(v is None or (isinstance(v, str) and v) for v in (name, cluster)):
        raise ValueError("an installation's name and cluster_id are text or null")
    return Installation(name, cluster)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
