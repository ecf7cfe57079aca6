"""The two sides a comparison reads: covenants from a file, a directory or a git revision,
checked and compiled with the partner registry that belongs to them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import (
    LoadedCovenant,
    load_covenant,
    load_covenant_texts,
    load_covenants,
)
from pipeline.covenant.policy import Policy
from pipeline.git_revision import files_at_revision
from pipeline.officer.comparison.facts import PolicyFacts, facts_of
from pipeline.privacy.keyring import ephemeral_keyring
from pipeline.registry import REGISTRY_FILE, Registry, load_registry


@dataclass(frozen=True)
class Compiled:
    """One side: its covenants, the registry they were checked against, the compiled policy
    and its facts."""

    label: str
    covenants: list[LoadedCovenant]
    registry: Registry
    policy: Policy
    facts: PolicyFacts

    @property
    def ids(self) -> set[str]:
        """The covenant ids on this side."""
        return {c.model.convenant.id for c in self.covenants}


def load_side(spec: str, default_dir: Path) -> list[LoadedCovenant]:
    """Covenants from a file, a directory, or a git revision of ``default_dir`` (e.g. HEAD~1)."""
    path = Path(spec)
    if path.is_file():
        return [load_covenant(path)]
    if path.is_dir():
        return load_covenants(path)
    files = files_at_revision(default_dir, spec, ".yaml")
    return load_covenant_texts(files, f"{spec}:{default_dir.name}")


def registry_for(spec: str, default_dir: Path) -> Registry:
    """The registry beside a file or in a directory, else that of ``default_dir``."""
    path = Path(spec)
    directory = path if path.is_dir() else path.parent
    if path.exists() and (directory / REGISTRY_FILE).exists():
        return load_registry(directory)
    return load_registry(default_dir)


def compiled(
    label: str,
    covenants: list[LoadedCovenant],
    registry: Registry,
    store: SchemaStore,
    combinations: bool = True,
) -> Compiled:
    """Check and compile one side (throwaway keys: which fields leave, and how, does not
    depend on key values); raises CovenantError naming every problem. ``combinations`` False:
    re-identification across covenants is the report's finding, not a refusal (analyse)."""
    keys = ephemeral_keyring(registry.ids)
    policy = compile_policy(covenants, registry, store, keys, combinations=combinations)
    return Compiled(label, covenants, registry, policy, facts_of(policy, registry))
