"""What this installation published before, against which a new policy may not redefine
anything: the covenant texts of its signed bundles, the register of processing activities and
the schemas on the schema topic.

A log line names a processing activity by id, a view carries its schema's fingerprint: both
are evidence for years. A worker refuses a bundle (and does not start from files on disk) that
changes the text of a covenant version published before, that gives a linkage domain's name
(and so its keys) to a party after a former member left it (covenant.domain_history), or whose
register entries or schemas would give an id or a fingerprint already in use another meaning.
Pure: filled by whoever reads the topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.codec.schema_store import SchemaStore, clashes
from pipeline.covenant.domain_history import domain_reuses
from pipeline.covenant.model import Convenant
from pipeline.covenant.policy import Policy
from pipeline.covenant.register import Activity, redefinitions
from pipeline.covenant.versions import VersionKey, frozen_violations, key_of
from pipeline.language import Text
from pipeline.messages import publication as msg


@dataclass
class Precedent:
    """The register entries, schemas and covenant texts in use: read from their topics at
    start, and every policy adopted since."""

    register: dict[str, Activity] = field(default_factory=dict)
    schemas: SchemaStore = field(default_factory=SchemaStore)
    #: The text of every covenant version published here (its first publication counts): a
    #: register entry does not hold everything a text says (its validity, its herleiders,
    #: ``ook_zonder_locatie``), so a text is compared as a whole (covenant.versions).
    covenants: dict[VersionKey, Convenant] = field(default_factory=dict)

    def problems(self, policy: Policy, models: Sequence[Convenant] = ()) -> list[Text]:
        """Why ``policy`` (compiled from ``models``) may not be routed with here (empty: it
        redefines nothing)."""
        return publication_problems(self.covenants, models, policy, self)

    def learn(self, policy: Policy, models: Sequence[Convenant] = ()) -> None:
        """Take an adopted policy's entries, schemas and texts in: from now on they are in use."""
        add(self.register, policy.register)
        for entry in policy.store:
            if self.schemas.get(entry.fingerprint) is None:
                self.schemas.add(entry)
        self.publish(models)

    def publish(self, models: Sequence[Convenant]) -> None:
        """Count these texts as published (a version's first text is the one that counts)."""
        for model in models:
            self.covenants.setdefault(key_of(model), model)


def add(register: dict[str, Activity], entries: Mapping[str, Activity]) -> None:
    """Add the entries of ids ``register`` does not hold (a held id keeps its first entry)."""
    for activity, entry in entries.items():
        register.setdefault(activity, entry)


def publication_problems(
    published: Mapping[VersionKey, Convenant],
    proposed: Sequence[Convenant],
    policy: Policy,
    precedent: Precedent,
) -> list[Text]:
    """Why ``proposed`` (compiled: ``policy``) may not be published: a covenant version
    published before with another text, a linkage domain that takes in a party after a former
    member left it, else a register entry or a view schema that would change. Empty when it
    changes nothing that was published."""
    changed = frozen_violations(published, proposed)
    found = [msg.version_changed(c) for c in changed]
    found += [
        msg.domain_reused(r.covenant, r.versie, r.domain, ", ".join(r.joined), ", ".join(r.left))
        for r in domain_reuses(published, proposed)
    ]
    said = {(c.covenant, c.versie) for c in changed}
    for r in redefinitions(precedent.register, policy.register):
        if (r.covenant, r.versie) not in said:
            found.append(msg.register_redefined(r.id, r.covenant, r.versie, ", ".join(r.parts)))
    if not found:
        found += [msg.schema_redefined(c) for c in clashes(policy.store, precedent.schemas)]
    return found


def published_covenants(
    bundles: Iterable[tuple[int, list[Convenant]]],
) -> dict[VersionKey, Convenant]:
    """Every covenant version in these (bundle version, covenants) pairs: the text of its first
    publication (the lowest bundle version) is the one that counts."""
    found: dict[VersionKey, Convenant] = {}
    for _, models in sorted(bundles, key=lambda pair: pair[0]):
        for model in models:
            found.setdefault(key_of(model), model)
    return found
