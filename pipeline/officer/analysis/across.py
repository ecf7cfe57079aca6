"""Re-identification across covenants, for the analysis: every recipient that gets a person's
identity under one covenant and only a pseudonym or a coarser value of that person under
another whose scope overlaps (pipeline.covenant.checks.combinations finds it), and every
``herleidbaar_via`` statement: who may re-identify what a covenant protects through which other
covenant, why, and whether some pair of rules makes that possible at all."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.covenant.checks.combinations import Given, Reidentifiable, reidentifiable_across
from pipeline.covenant.loader import LoadedCovenant


@dataclass(frozen=True)
class CrossFinding:
    """``recipient`` reads ``kinds`` of identity (bsn, naam) under ``identity`` and only the
    protected values of ``protected`` for signals of ``signal_type`` from ``sources`` both
    cover: it can lay its two views of a signal side by side and learn whose pseudonym it holds."""

    recipient: str
    signal_type: str
    sources: tuple[str, ...]
    kinds: tuple[str, ...]
    #: The covenant, rule, fields (with treatment) and place (file:line:column) of each side.
    identity: Given
    protected: Given
    #: The protecting covenant's reason under ``herleidbaar_via``; None: not allowed (check
    #: refuses these covenants together).
    allowed_because: str | None


@dataclass(frozen=True)
class Statement:
    """One ``herleidbaar_via`` statement of a covenant, and whether a pair of rules uses it."""

    covenant: str
    recipient: str
    through: str
    reason: str
    #: False: no rule makes it possible (a statement that allows nothing; check warns).
    used: bool


@dataclass(frozen=True)
class Across:
    """What the analysis shows of re-identification across the covenants given."""

    findings: tuple[CrossFinding, ...]
    statements: tuple[Statement, ...]

    @property
    def refused(self) -> tuple[CrossFinding, ...]:
        """The findings no covenant allows: `convenant check` refuses these together."""
        return tuple(f for f in self.findings if f.allowed_because is None)


def _finding(found: Reidentifiable) -> CrossFinding:
    return CrossFinding(
        recipient=found.recipient,
        signal_type=found.signal_type,
        sources=found.sources,
        kinds=found.kinds,
        identity=found.identity,
        protected=found.protected,
        allowed_because=" ".join(found.stated.reden.split()) if found.stated else None,
    )


def across(covenants: list[LoadedCovenant]) -> Across:
    """The findings and statements of these covenants taken together."""
    found = reidentifiable_across(covenants)
    used = {(f.protected.covenant, f.recipient, f.identity.covenant) for f in found}
    statements = [
        Statement(
            kop.id,
            s.ontvanger,
            s.convenant,
            " ".join(s.reden.split()),
            (kop.id, s.ontvanger, s.convenant) in used,
        )
        for kop in (c.model.convenant for c in covenants)
        for s in kop.herleidbaar_via
    ]
    findings = sorted(
        set(map(_finding, found)),
        key=lambda f: (f.recipient, f.protected.covenant, f.identity.covenant, f.signal_type,
                       f.protected.rule, f.identity.rule),
    )  # fmt: skip
    return Across(tuple(findings), tuple(statements))
