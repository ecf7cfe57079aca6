"""One meaning per processing-activity id, across every covenant in force.

A disclosure-log line names what it was disclosed under by processing-activity id alone
(covenant.rules.activity_id: the covenant's ``verwerkingsregister``, the rule id and the
``versie``), and the register keeps one entry per id. Two covenants that share a
``verwerkingsregister`` (a region that copied another's covenant as its template), or a rule
named ``herleiding`` beside the covenant's re-identification, would give one id two meanings:
the register would silently keep one, and inzage and overzicht would show the disclosures of
one rule as those of the other. Refused, naming both places.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.rules import activity_id, reidentification_activity_id
from pipeline.language import Text
from pipeline.messages import publication as msg


def _activities(loaded: LoadedCovenant) -> Iterator[tuple[str, str, str, Text]]:
    """(activity id, block, file:line:column, what it is) of every activity of one covenant
    (block: ``regels``, ``statistieken`` or ``herleiders``)."""
    model = loaded.model
    kop = model.convenant
    named: list[tuple[str, int, str]] = [("regels", i, r.id) for i, r in enumerate(model.regels)]
    named += [("statistieken", i, r.id) for i, r in enumerate(model.statistieken)]
    for block, index, rule in named:
        where = loaded.source.where((block, index, "id"))
        yield activity_id(kop, rule), block, where, msg.activity_of_rule(rule, kop.id)
    if kop.herleiders:
        where = loaded.source.where(("convenant", "herleiders"))
        what = msg.activity_of_reidentification(kop.id)
        yield reidentification_activity_id(kop), "herleiders", where, what


def activity_collisions(
    covenants: Sequence[LoadedCovenant], others: Sequence[LoadedCovenant] = ()
) -> list[str]:
    """``file:line:column: text`` for every processing-activity id that two rules (or a rule
    and re-identification) of these covenants, or of these and ``others`` (in force beside
    them, not checked themselves), would share. Two record rules of one covenant with one id,
    and two files with one covenant id, are said elsewhere (duplicate_rule_id and
    duplicate_covenant_id), not again here."""
    checked = {id(c) for c in covenants}
    first: dict[str, tuple[LoadedCovenant, str, str, Text]] = {}
    found = []
    for loaded in [*covenants, *others]:
        for activity, block, where, what in _activities(loaded):
            earlier = first.setdefault(activity, (loaded, block, where, what))
            if earlier[3] is what:
                continue
            if earlier[0] is loaded and earlier[1] == block == "regels":
                continue  # one rule id twice in one covenant: said by duplicate_rule_id
            if earlier[0] is not loaded and _same_id(earlier[0], loaded):
                continue  # one covenant id in two files: said by the loader
            if id(loaded) in checked or id(earlier[0]) in checked:
                text = msg.activity_taken(activity, str(what), str(earlier[3]), earlier[2])
                found.append(f"{where}: {text}")
    return found


def _same_id(first: LoadedCovenant, second: LoadedCovenant) -> bool:
    return first.model.convenant.id == second.model.convenant.id
