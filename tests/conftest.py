"""Shared fixtures: the real schemas, registry and covenants of the repository."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.codec.schema_store import SchemaStore, load_store
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.policy import Policy
from pipeline.privacy.dead_letter_key import DeadLetterKeys, generate_dead_letter_keys
from pipeline.privacy.keyring import Keyring, RecipientKeys, generate_keys
from pipeline.registry import Registry, load_registry
from pipeline.synthetic.generator import SignalFactory

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
CONVENANTEN = ROOT / "convenanten"
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def store() -> SchemaStore:
    return load_store(SCHEMAS)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry(CONVENANTEN)


@pytest.fixture(scope="session")
def keys(registry: Registry) -> tuple[Keyring, dict[str, RecipientKeys]]:
    """A keyring and every recipient's private keys, made for this test session."""
    return generate_keys(registry.ids)


@pytest.fixture(scope="session")
def keyring(keys) -> Keyring:
    return keys[0]


@pytest.fixture(scope="session")
def dead_letter_keys() -> DeadLetterKeys:
    """The privacy role's dead-letter key, made for this test session."""
    return generate_dead_letter_keys()


@pytest.fixture(scope="session")
def policy(
    store: SchemaStore, registry: Registry, keyring: Keyring, dead_letter_keys: DeadLetterKeys
) -> Policy:
    """The repository's covenants compiled, sealing dead letters as a worker does."""
    compiled = compile_policy(load_covenants(CONVENANTEN), registry, store, keyring)
    return dataclasses.replace(compiled, dead_letter_key=dead_letter_keys.public_key())


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def factory() -> SignalFactory:
    return SignalFactory(seed=7, now=NOW)


@pytest.fixture
def covenant_dir(tmp_path: Path) -> Path:
    """A private copy of convenanten/ that a test may edit."""
    target = tmp_path / "convenanten"
    shutil.copytree(CONVENANTEN, target)
    return target
