"""How a worker adopts a covenant bundle from the control topic, and what it reports.

A bundle carries a version number that its signature covers. Workers adopt only a higher
version than the one in force, never one below their minimum (``KETENSTROOM_COVENANT_MIN_VERSION``),
so replaying an older signed bundle changes nothing. Each version has its own key on the
compacted control topic, so compaction keeps every version, the newest included; and every
worker also writes the signed bundle it adopted to the status topic (a second copy written by
another principal), so that even a deleted control record cannot send a starting worker back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pipeline.codec.schema_store import SchemaStore
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.model import Convenant
from pipeline.covenant.policy import Policy
from pipeline.errors import ConfigurationError, CovenantError, KetenstroomError
from pipeline.language import Text
from pipeline.messages import publication as msg
from pipeline.privacy.dead_letter_key import DeadLetterPublicKey
from pipeline.privacy.keyring import Keyring, unb64
from pipeline.publication.bundle import UNBOUND, Bundle, Installation
from pipeline.publication.precedent import Precedent
from pipeline.publication.signing import Signer, TrustedSigners, signed_digest, verify
from pipeline.registry import Registry

log = logging.getLogger("ketenstroom.covenants")


@dataclass(frozen=True)
class Adoption:
    """What a worker did with one bundle from the control topic, as it reports it."""

    outcome: Literal["adopted", "refused", "unchanged"]
    version: int | None = None
    digest: str | None = None
    reason: str = ""
    #: False when version and digest are only what an unverified bundle claims: enough for
    #: `convenant publish` to recognise its own bundle among the refusals, never for adoption.
    verified: bool = True
    #: SHA-256 of the control-topic value (signing.signed_digest): which record this is about.
    signed: str | None = None


class Refusal(KetenstroomError):
    """Why a bundle is refused, as a message the officer reads in Dutch."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def join(texts: Sequence[Text]) -> Text:
    """Several messages as one."""
    return Text("; ".join(t.nl for t in texts), "; ".join(t.en for t in texts))


@dataclass(frozen=True)
class _Candidate:
    bundle: Bundle
    signer: Signer
    raw: bytes
    position: int | None  # offset order on the control topic; None for a copy from the status topic


class PolicyHolder:
    """The active policy of a worker. A switch replaces one reference: a batch sees one policy.

    Only a bundle signed by a trusted key for this installation, of a higher version than the
    one in force and at least the minimum, that compiles and redefines nothing in use (a
    register entry or a schema fingerprint: ``precedent``) is adopted; anything else is refused
    and the policy in force stays. Version 0 is the covenant files on disk.
    """

    def __init__(
        self,
        policy: Policy,
        registry: Registry,
        store: SchemaStore,
        keyring: Keyring | None = None,
        trusted: TrustedSigners | None = None,
        min_version: int = 0,
        dead_letter_key: DeadLetterPublicKey | None = None,
        installation: Installation = UNBOUND,
        precedent: Precedent | None = None,
        disk: Sequence[Convenant] = (),
    ) -> None:
        self.installation = installation
        #: The covenant texts of the files on disk (``policy``), judged like a bundle's.
        self.disk = tuple(disk)
        #: What is in use already: the register and the schema topic, and every policy adopted.
        self.precedent = precedent or Precedent()
        self.registry = registry
        self.store = store
        self.keyring = keyring
        self.trusted = trusted or TrustedSigners()
        self.min_version = min_version
        self.dead_letter_key = dead_letter_key
        self.policy = self._sealing(policy)
        self.version = 0
        self.digest: str | None = None
        #: The signed control-topic value in force (None: the files on disk).
        self.signed: bytes | None = None
        #: The control-topic offset the watcher goes on from (set by whoever read it at start).
        self.next_offset = 0
        #: Refusals from ``start`` that this worker still has to report.
        self.start_refusals: list[Adoption] = []

    def apply(self, raw: bytes) -> Adoption:
        """Adopt a signed bundle from the control topic; anything else is refused and logged."""
        try:
            candidate = self._verified(raw, None)
            outcome = self._check_order(candidate.bundle)
            if outcome is not None:
                return outcome
            policy, models = self._compiled(candidate.bundle)
        except Refusal as exc:
            return self._refused(raw, exc.text)
        except KetenstroomError as exc:
            return self._refused(raw, str(exc))
        except Exception as exc:  # a hostile bundle must never stop routing
            log.exception("covenant bundle refused, keeping %s", self.policy.version)
            return self._refused(raw, f"{type(exc).__name__} while reading the bundle", logged=True)
        self._adopt(candidate, policy, models)
        return Adoption(
            "adopted", candidate.bundle.version, candidate.bundle.digest, signed=signed_digest(raw)
        )

    def _compiled(self, bundle: Bundle) -> tuple[Policy, list[Convenant]]:
        """The bundle's policy and texts, if it redefines nothing in use; Refusal otherwise."""
        loaded = bundle.covenants()
        policy = compile_policy(loaded, self.registry, self.store, self.keyring)
        models = [c.model for c in loaded]
        problems = self.precedent.problems(policy, models)
        if problems:
            raise Refusal(join(problems))
        return policy, models

    def refuse_disk(self) -> list[Text]:
        """Why the files on disk (the policy in force at version 0) may not be routed with."""
        return self.precedent.problems(self.policy, self.disk)

    def start(
        self,
        control: Sequence[bytes | None],
        copies: Sequence[bytes] = (),
        disk_digest: str | None = None,
    ) -> list[Adoption]:
        """Adopt the newest valid bundle of the control topic (``control``, in offset order) and
        of the copies workers wrote to the status topic; returns the refusals worth reporting.

        Superseded bundles (a lower version than the one adopted, or anything before it on the
        topic) are passed over in silence. Raises ConfigurationError when a minimum version is
        set and no valid bundle reaches it: then the files on disk are no fallback.
        """
        found: dict[int, _Candidate] = {}
        unreadable: list[tuple[int, bytes, str | Text]] = []
        tombstones = 0
        entries = [(None, raw) for raw in copies] + list(enumerate(control))
        for position, raw in entries:
            if raw is None:
                tombstones += 1
                continue
            try:
                candidate = self._verified(raw, position)
            except Refusal as exc:
                if position is not None:
                    unreadable.append((position, raw, exc.text))
                continue
            except KetenstroomError as exc:
                if position is not None:
                    unreadable.append((position, raw, str(exc)))
                continue
            found.setdefault(candidate.bundle.version, candidate)
        self._published(found)
        if tombstones:
            log.warning(
                "the covenant control topic holds %d deletion(s) (tombstones): ignored", tombstones
            )
        reported: list[Adoption] = []
        chosen: _Candidate | None = None
        for version in sorted(found, reverse=True):
            if version < self.min_version:
                break
            candidate = found[version]
            try:
                if disk_digest is not None and candidate.bundle.digest == disk_digest:
                    policy = self.policy  # the files on disk, compiled already
                    models = [c.model for c in candidate.bundle.covenants()]
                    problems = self.precedent.problems(policy, models)
                    if problems:
                        raise Refusal(join(problems))
                else:
                    policy, models = self._compiled(candidate.bundle)
            except Refusal as exc:
                reported.append(self._refused(candidate.raw, exc.text))
                continue
            except KetenstroomError as exc:
                reported.append(self._refused(candidate.raw, str(exc)))
                continue
            self._adopt(candidate, policy, models)
            chosen = candidate
            break
        if chosen is None and self.min_version > 0:
            raise ConfigurationError(
                f"no valid covenant bundle of version {self.min_version} or higher on "
                "the control topic (KETENSTROOM_COVENANT_MIN_VERSION): not starting; publish "
                "it again with `ketenstroom convenant publish`"
            )
        positions = [c.position for c in found.values() if c.position is not None]
        after = chosen.position if chosen is not None and chosen.position is not None else None
        if after is None:
            after = max(positions, default=-1)
        for position, raw, reason in unreadable:
            if position > after:  # published after what is in force: an attempt that failed
                reported.append(self._refused(raw, reason))
        self.start_refusals = reported
        return reported

    def _published(self, found: dict[int, _Candidate]) -> None:
        """Count the texts of every bundle signed for this installation as published, lowest
        version first (as `convenant publish` does): a later bundle that changes a version's
        text is refused, whichever of them is newest."""
        for version in sorted(found):
            try:
                self.precedent.publish([c.model for c in found[version].bundle.covenants()])
            except KetenstroomError:
                continue  # a bundle that does not load was never routed with

    def _verified(self, raw: bytes, position: int | None) -> _Candidate:
        inner, signer = verify(raw, self.trusted)
        bundle = Bundle.from_bytes(inner)
        if bundle.installation != self.installation:
            raise Refusal(
                msg.foreign_installation(
                    bundle.installation.describe(), self.installation.describe()
                )
            )
        return _Candidate(bundle, signer, raw, position)

    def _check_order(self, bundle: Bundle) -> Adoption | None:
        """None if ``bundle`` may replace the one in force; else what becomes of it."""
        if bundle.version == self.version and bundle.digest == self.digest:
            return Adoption("unchanged", bundle.version, bundle.digest)
        if bundle.version < self.min_version:
            raise CovenantError(
                [
                    f"covenant bundle version {bundle.version} is below the minimum "
                    f"{self.min_version} (KETENSTROOM_COVENANT_MIN_VERSION)"
                ]
            )
        if bundle.version == self.version:
            raise CovenantError(
                [
                    f"covenant bundle version {bundle.version} is in force already, with other content"
                ]
            )
        if bundle.version < self.version:
            raise CovenantError(
                [
                    f"covenant bundle version {bundle.version} is older than version "
                    f"{self.version} in force (no roll-back)"
                ]
            )
        return None

    def _adopt(self, candidate: _Candidate, policy: Policy, models: Sequence[Convenant]) -> None:
        bundle = candidate.bundle
        log.info(
            "covenant policy switched: %s (version %d) -> %s (version %d, signed by %s)",
            self.policy.version,
            self.version,
            policy.version,
            bundle.version,
            candidate.signer.naam,
        )
        self.policy = self._sealing(policy)
        self.precedent.learn(policy, models)
        self.version, self.digest, self.signed = bundle.version, bundle.digest, candidate.raw

    def _refused(self, raw: bytes, reason: str | Text, logged: bool = False) -> Adoption:
        """A refusal: logged in English for the operator, reported in Dutch where the officer
        reads it (`convenant publish`, `convenant status`) when the reason is a message."""
        if not logged:
            log.error("covenant bundle refused, keeping %s: %s", self.policy.version, reason)
        version, digest, verified = _claimed(raw, self.trusted)
        said = reason.nl if isinstance(reason, Text) else reason
        return Adoption("refused", version, digest, said, verified, signed_digest(raw))

    def _sealing(self, policy: Policy) -> Policy:
        """The policy with this worker's dead-letter key: dead letters are sealed to it."""
        if self.dead_letter_key is None or policy.dead_letter_key == self.dead_letter_key:
            return policy
        return replace(policy, dead_letter_key=self.dead_letter_key)


def _claimed(raw: bytes, trusted: TrustedSigners) -> tuple[int | None, str | None, bool]:
    """Version and digest of a refused bundle for the report, and whether its signature
    verified; (None, None, False) when it does not even parse."""
    try:
        bundle = Bundle.from_bytes(verify(raw, trusted)[0])
        return bundle.version, bundle.digest, True
    except Exception:
        pass
    try:  # signed by a key this worker does not trust, or changed: what it claims to be
        body = json.loads(raw)
        bundle = Bundle.from_bytes(unb64(body["bundel"]))
        return bundle.version, bundle.digest, False
    except Exception:
        return None, None, False
