"""The covenant bundle: what `convenant publish` puts on the control topic, and how workers adopt it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import covenant_files, load_covenant_texts
from pipeline.covenant.policy import Policy
from pipeline.covenant.signing import TrustedSigners, verify
from pipeline.errors import CovenantError, KetenstroomError
from pipeline.privacy.keyring import Keyring
from pipeline.registry import Registry

log = logging.getLogger("ketenstroom.covenants")
BUNDLE_KEY = b"bundle"


@dataclass(frozen=True)
class Bundle:
    """Covenant files as published: their texts, a digest of them, and when."""

    files: dict[str, str]
    published_at: str

    @property
    def digest(self) -> str:
        """SHA-256 over the file names and texts: identifies the content."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        """The value written to the control topic."""
        return json.dumps(
            {"format": 1, "published_at": self.published_at, "files": self.files}, sort_keys=True
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Bundle:
        """Parse a control-topic value; anything malformed is a CovenantError."""
        try:
            body = json.loads(raw)
            files = body["files"]
            if body.get("format") != 1 or not isinstance(files, dict) or not files:
                raise ValueError("not a format-1 bundle with files")
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
                raise ValueError("file names and texts must be strings")
            return cls(files=files, published_at=str(body.get("published_at", "")))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise CovenantError([f"covenant bundle is malformed: {exc}"]) from exc

    @classmethod
    def from_directory(cls, directory: Path) -> Bundle:
        """Every covenant file of a directory (not the registry or examples)."""
        return cls(
            files={p.name: p.read_text(encoding="utf-8") for p in covenant_files(directory)},
            published_at=dt.datetime.now(dt.UTC).isoformat(),
        )

    def compile(self, registry: Registry, store: SchemaStore, keyring: Keyring | None) -> Policy:
        """Load and compile; raises CovenantError listing every problem."""
        return compile_policy(load_covenant_texts(self.files, "bundle"), registry, store, keyring)


class PolicyHolder:
    """The active policy of a worker. A switch replaces one reference: a batch sees one policy.

    Only a bundle signed by a trusted key, published after the one in force, that compiles
    is adopted; anything else is refused and the policy in force stays.
    """

    def __init__(
        self,
        policy: Policy,
        registry: Registry,
        store: SchemaStore,
        keyring: Keyring | None = None,
        trusted: TrustedSigners | None = None,
    ) -> None:
        self.policy = policy
        self.registry = registry
        self.store = store
        self.keyring = keyring
        self.trusted = trusted or TrustedSigners()
        self.digest: str | None = None
        self.published_at: dt.datetime | None = None

    def apply(self, raw: bytes) -> bool:
        """Adopt a signed bundle from the control topic; anything else is refused and logged."""
        try:
            inner, signer = verify(raw, self.trusted)
            bundle = Bundle.from_bytes(inner)
            if bundle.digest == self.digest:
                return False
            published = _published_at(bundle)
            if self.published_at is not None and published <= self.published_at:
                raise CovenantError(
                    [f"covenant bundle of {bundle.published_at} is not newer than the one in force"]
                )
            policy = bundle.compile(self.registry, self.store, self.keyring)
        except KetenstroomError as exc:
            log.error("covenant bundle refused, keeping %s: %s", self.policy.version, exc)
            return False
        except Exception:  # a hostile bundle must never stop routing
            log.exception("covenant bundle refused, keeping %s", self.policy.version)
            return False
        log.warning(
            "covenant policy switched: %s -> %s (signed by %s)",
            self.policy.version,
            policy.version,
            signer.naam,
        )
        self.policy, self.digest, self.published_at = policy, bundle.digest, published
        return True


def _published_at(bundle: Bundle) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(bundle.published_at)
    except ValueError as exc:
        raise CovenantError(["covenant bundle has no valid publication time"]) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
