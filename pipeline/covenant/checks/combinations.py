"""Two covenants together: one recipient that can re-identify what one of them protects.

Under two covenants a recipient holds two linkage domains, and two views of a signal both
cover. Where one covenant gives it the person's identity readably (a BSN or a name, also
encrypted for it) and the other only a pseudonym or a generalisation of that person, the
recipient can lay its two views of one signal side by side (by their day, their content, or the
moment they arrive) and learn whose pseudonym it holds; from then on it also knows whose
pseudonym it receives of signals only the second covenant covers (issue 26, attack 1). The
router gives it nothing to join on (router.delivery), but at a few signals a day the moment of
arrival alone pairs them: this check is what keeps it from happening unnoticed.

Refused, unless the protecting covenant says so under ``herleidbaar_via`` (the recipient, the
other covenant, and the reason), as ``herleidbaar_door`` does inside one covenant.

Scopes overlap when the two rules give the recipient the same signal type from a common source,
the covenants' validity periods overlap, and their areas do (a nationwide covenant overlaps
every area; two rules that both say ``ook_zonder_locatie`` overlap on signals without a
location). Conditions are not compared: two rules whose conditions never hold together are
reported too, and stated with a reason.

``reidentifiable_across`` is the finding itself (plain data, for this check and for any other
view of covenants side by side); ``combination_problems`` and ``combination_warnings`` turn it
into what `convenant check` says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.covenant.checks.consistency import IDENTIFYING, READABLE
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling, HerleidbaarVia, Kop, Regel
from pipeline.covenant.scope import area_of
from pipeline.language import Text
from pipeline.messages import combinations as msg
from pipeline.messages.covenant import did_you_mean
from pipeline.privacy.normalise import identifier_type
from pipeline.yaml_files.structure import suggestion

#: Treatments that keep a person out of sight: a pseudonym, or a coarser value.
PROTECTING = frozenset(
    {
        Behandeling.PSEUDONIEM,
        Behandeling.PSEUDONIEM_HERLEIDBAAR,
        Behandeling.GEBOORTEJAAR,
        Behandeling.LEEFTIJDSCATEGORIE,
        Behandeling.PC4,
        Behandeling.GEMEENTE,
    }
)


@dataclass(frozen=True)
class Given:
    """What one rule of one covenant gives the recipient: fields with their treatment, and
    where the first of them stands (file:line:column)."""

    covenant: str
    rule: str
    fields: tuple[tuple[str, str], ...]
    where: str


@dataclass(frozen=True)
class Reidentifiable:
    """One recipient that can re-identify what ``protected`` keeps from it through what
    ``identity`` gives it, for signals of ``signal_type`` from ``sources`` both cover."""

    recipient: str
    signal_type: str
    sources: tuple[str, ...]
    #: Kinds of identifier (``bsn``, ``naam``) ``identity`` gives readably and ``protected`` not.
    kinds: tuple[str, ...]
    identity: Given
    protected: Given
    #: The protecting covenant's own statement that this is allowed, if it makes one.
    stated: HerleidbaarVia | None = None


def _readable(rule: Regel) -> dict[str, Behandeling]:
    return {
        path: treatment
        for path, treatment in rule.velden.items()
        if treatment in READABLE and identifier_type(path) in IDENTIFYING
    }


def _protecting(rule: Regel) -> dict[str, Behandeling]:
    return {path: t for path, t in rule.velden.items() if t in PROTECTING}


def _periods_overlap(a: Kop, b: Kop) -> bool:
    end = dt.date.max
    return a.geldig.van < (b.geldig.tot or end) and b.geldig.van < (a.geldig.tot or end)


def _areas_overlap(a: Kop, rule_a: Regel, b: Kop, rule_b: Regel) -> bool:
    area_a, area_b = area_of(a), area_of(b)
    if area_a is None or area_b is None or area_a.overlaps(area_b):
        return True
    return rule_a.ook_zonder_locatie and rule_b.ook_zonder_locatie


def _always_readable(loaded: LoadedCovenant, recipient: str, rule: Regel, source: str) -> set[str]:
    """Identifier kinds some rule without conditions of the same covenant gives ``recipient``
    readably for every signal ``rule`` covers from ``source``: those it never lacks there."""
    kinds: set[str] = set()
    for other in loaded.model.regels:
        if (
            recipient in other.ontvangers
            and other.signaaltype == rule.signaaltype
            and source in other.bronnen
            and not other.voorwaarden
            and (other.ook_zonder_locatie or not rule.ook_zonder_locatie)
        ):
            kinds |= {identifier_type(p) for p in _readable(other)}
    return kinds


def _given(loaded: LoadedCovenant, index: int, fields: dict[str, Behandeling]) -> Given:
    rule = loaded.model.regels[index]
    first = next(iter(fields))
    return Given(
        loaded.model.convenant.id,
        rule.id,
        tuple((p, t.value) for p, t in fields.items()),
        loaded.source.where(("regels", index, "velden", first)),
    )


def reidentifiable_across(covenants: list[LoadedCovenant]) -> list[Reidentifiable]:
    """Every recipient that can re-identify what one covenant protects through another, per
    pair of rules, whether or not the protecting covenant states that it may."""
    found: list[Reidentifiable] = []
    for loaded_b in covenants:
        b = loaded_b.model.convenant
        for index_b, rule_b in enumerate(loaded_b.model.regels):
            protected = _protecting(rule_b)
            if not protected:
                continue
            for loaded_a in covenants:
                a = loaded_a.model.convenant
                if a.id == b.id or not _periods_overlap(a, b):
                    continue
                for index_a, rule_a in enumerate(loaded_a.model.regels):
                    readable = _readable(rule_a)
                    sources = tuple(s for s in rule_b.bronnen if s in rule_a.bronnen)
                    if (
                        not readable
                        or rule_a.signaaltype != rule_b.signaaltype
                        or not sources
                        or not _areas_overlap(a, rule_a, b, rule_b)
                    ):
                        continue
                    for recipient in rule_b.ontvangers:
                        if recipient not in rule_a.ontvangers:
                            continue
                        kinds = {identifier_type(p) for p in readable} - {
                            identifier_type(p) for p in _readable(rule_b)
                        }
                        # unless the protecting covenant always gives it too, for every source
                        always = set(IDENTIFYING)
                        for source in sources:
                            always &= _always_readable(loaded_b, recipient, rule_b, source)
                        kinds -= always
                        if not kinds:
                            continue
                        identity = {
                            p: t for p, t in readable.items() if identifier_type(p) in kinds
                        }
                        stated = next(
                            (
                                s
                                for s in b.herleidbaar_via
                                if s.ontvanger == recipient and s.convenant == a.id
                            ),
                            None,
                        )
                        found.append(
                            Reidentifiable(
                                recipient,
                                rule_b.signaaltype,
                                sources,
                                tuple(sorted(kinds)),
                                _given(loaded_a, index_a, identity),
                                _given(loaded_b, index_b, protected),
                                stated,
                            )
                        )
    return found


def _text(finding: Reidentifiable) -> Text:
    return msg.reidentifiable_across(
        finding.recipient,
        finding.protected.covenant,
        finding.protected.rule,
        finding.signal_type,
        list(finding.sources),
        list(finding.protected.fields),
        finding.identity.covenant,
        finding.identity.rule,
        finding.identity.where,
        [path for path, _ in finding.identity.fields],
        list(finding.kinds),
    )


def combination_problems(
    covenants: list[LoadedCovenant], others: list[LoadedCovenant] | None = None
) -> list[str]:
    """What `check` refuses: every re-identification through another covenant that the
    protecting covenant does not state, and every statement that names the wrong thing.
    ``others``: covenants that are not being checked but in force beside them (the rest of the
    directory when one file is checked): combined with, never checked themselves."""
    checked = {c.model.convenant.id for c in covenants}
    problems = [
        f"{finding.protected.where}: {_text(finding)}"
        for finding in reidentifiable_across(covenants + list(others or ()))
        if finding.stated is None
        and checked & {finding.protected.covenant, finding.identity.covenant}
    ]
    known = [c.model.convenant.id for c in covenants + list(others or ())]
    for loaded in covenants:
        kop = loaded.model.convenant
        for i, statement in enumerate(kop.herleidbaar_via):
            at = ("convenant", "herleidbaar_via", i)
            if statement.ontvanger not in kop.partijen:
                hint = did_you_mean(suggestion(statement.ontvanger, list(kop.partijen)))
                text = msg.statement_not_a_party(statement.ontvanger, hint)
                problems.append(f"{loaded.source.where((*at, 'ontvanger'))}: {text}")
            if statement.convenant == kop.id:
                text = msg.statement_own_covenant(kop.id)
                problems.append(f"{loaded.source.where((*at, 'convenant'))}: {text}")
            elif statement.convenant not in known:
                other_ids = [k for k in known if k != kop.id]
                hint = did_you_mean(suggestion(statement.convenant, other_ids))
                text = msg.statement_unknown_covenant(statement.convenant, hint, other_ids)
                problems.append(f"{loaded.source.where((*at, 'convenant'))}: {text}")
    return problems


def combination_warnings(covenants: list[LoadedCovenant]) -> list[str]:
    """Statements under ``herleidbaar_via`` that allow what no pair of rules makes possible."""
    used = {
        (f.protected.covenant, f.recipient, f.identity.covenant)
        for f in reidentifiable_across(covenants)
    }
    known = {c.model.convenant.id for c in covenants}
    found = []
    for loaded in covenants:
        kop = loaded.model.convenant
        for i, statement in enumerate(kop.herleidbaar_via):
            if statement.convenant not in known or statement.convenant == kop.id:
                continue  # a problem already
            if (kop.id, statement.ontvanger, statement.convenant) not in used:
                where = loaded.source.where(("convenant", "herleidbaar_via", i))
                text = msg.statement_without_finding(statement.ontvanger, statement.convenant)
                found.append(f"{where}: {text}")
    return found
