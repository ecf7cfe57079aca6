"""One publication of one rule's period: what is due, its disclosure control, its records.

Pure: the counts (state.FactState) and earlier versions (state.PublicationLedger) come in, the
records to send come out, in the order that keeps a crash from leaving half a publication
unnoticed: first the claim (pipeline.statistics.claims: the whole publication, which is only
sent if it is the first claim to its name), then the Statistiek records and their log records,
then the publications-topic entry with ``klaar: true``. A version claimed but not complete is
sent again exactly as claimed (``resend``), by whichever publisher finds it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline import topics
from pipeline.codec.framing import encode
from pipeline.codec.schema_store import SchemaEntry, SchemaStore
from pipeline.covenant.statistics import StatisticsRule
from pipeline.disclosure_control.suppression import Earlier, Protected, protect
from pipeline.disclosure_control.tables import CellSpace, build_space
from pipeline.router.records import Outbound
from pipeline.statistics.claims import CLAIMS_TOPIC
from pipeline.statistics.dimensions import Dimensie, structurally_zero
from pipeline.statistics.log import publication_log_record
from pipeline.statistics.periods import is_closed, parse_period
from pipeline.statistics.state import (
    PUBLICATIONS_TOPIC,
    FactState,
    PublicationLedger,
    Published,
    Status,
)

STATISTIEK_SCHEMA = "nl.ketenstroom.Statistiek"
LOG_SCHEMA = "nl.ketenstroom.log.Verantwoording"
_SEPARATOR = "\x1f"  # joins a microcell's categories in the publications topic


@dataclass(frozen=True)
class Outputs:
    """A publication's records in the order they must be acknowledged."""

    claim: Outbound  # the publication (klaar: false) on the claims topic
    records: tuple[Outbound, ...]  # Statistiek records and log records
    done: Outbound  # the entry with klaar: true
    body: dict[str, Any]


def space_of(rule: StatisticsRule) -> CellSpace:
    """The cell space of a rule's tables."""
    return build_space(
        rule.tables,
        rule.categories,
        lambda values: structurally_zero({Dimensie(k): v for k, v in values.items()}),
    )


def _counts_of(space: CellSpace, tally: Mapping[tuple[str, ...], int]) -> tuple[Any, int]:
    """Microcell counts, and how many facts fit no microcell (must be none)."""
    placed = {k: n for k, n in tally.items() if space.microcell(k) is not None}
    return space.counts(placed), sum(tally.values()) - sum(placed.values())


def _stored_counts(space: CellSpace, body: Mapping[str, Any]) -> Any:
    tally = {tuple(k.split(_SEPARATOR)): int(n) for k, n in body["tellingen"].items()}
    return _counts_of(space, tally)[0]


def decide(
    rule: StatisticsRule,
    period: str,
    facts: FactState,
    ledger: PublicationLedger,
    closed: bool,
    on_demand: bool,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """The publications-topic entry of the next version of ``rule``'s ``period``, or None when
    nothing is due: an open period is only published on demand, a closed one once and again
    only when its counts changed (a correction). It is audited against every version claimed
    before, complete or not: whoever claimed one may still send it."""
    history = ledger.history(rule.key, period)
    released = [h for h in history if h.complete]
    closed = closed or any(h.status != Status.VOORLOPIG for h in released)
    if not closed and not on_demand:
        return None
    tally, other = facts.tallies(rule.key, period, rule.definition)
    space = space_of(rule)
    counts, unplaced = _counts_of(space, tally)
    last = released[-1] if released else None
    same = (
        last is not None
        and last.body["definitie"] == rule.definition
        and np.array_equal(_stored_counts(space, last.body), counts)
    )
    if last is None:
        status = Status.DEFINITIEF if closed else Status.VOORLOPIG
    elif closed:
        if same and last.status != Status.VOORLOPIG:
            return None
        status = Status.DEFINITIEF if last.status == Status.VOORLOPIG else Status.CORRECTIE
    else:
        if same:
            return None
        status = Status.VOORLOPIG
    # Earlier versions of the same definition are known to the recipient: protect against
    # what comparing them with this one would tell.
    protected = protect(space, counts, rule.control, _earlier(space, rule, history))
    version = len(history) + 1  # versions are claimed as 1, 2, 3, ... only (claims.verdict)
    cells = _cells(space, protected)
    return {
        "publicatie_id": f"{rule.key}/{period}/v{version}",
        "regel": rule.key,
        "convenant": rule.covenant_id,
        "convenant_versie": rule.covenant_version,
        "regel_id": rule.rule_id,
        "artikel": rule.article,
        "doel": rule.purpose,
        "grondslag": rule.legal_basis,
        "verwerking": rule.processing_activity_id,
        "ontvangers": list(rule.recipients),
        "periode": period,
        "periodesoort": rule.period.value.upper(),
        "versie": version,
        "vervangt": last.version if last is not None else None,
        "status": status,
        "klaar": False,
        "definitie": rule.definition,
        "dimensies": list(rule.dimensions),
        "tabellen": [list(t) for t in rule.tables],
        "drempel": rule.control.threshold,
        "afronding": rule.control.rounding,
        "gepubliceerd_op": now.isoformat(),
        "tellingen": {_SEPARATOR.join(space.microcells[i]): int(n) for i, n in _nonzero(counts)},
        "cellen_getoond": [
            {"cel": [list(p) for p in space.cells[c].key]} for c in sorted(protected.shown)
        ],
        "cellen": cells,
        "buiten_telling": other + unplaced,
        "onbeschermbaar": [q.describe() for q in protected.unprotectable],
    }


def _earlier(space: CellSpace, rule: StatisticsRule, history: list[Published]) -> list[Earlier]:
    """Earlier versions of the same definition: the recipient has them, so this one is
    protected against what comparing them with it would tell."""
    return [
        Earlier(
            _stored_counts(space, h.body),
            frozenset(_cell_index(space, c["cel"]) for c in h.body["cellen_getoond"]),
        )
        for h in history
        if h.body["definitie"] == rule.definition
    ]


def _cells(space: CellSpace, protected: Protected) -> list[dict[str, Any]]:
    return [
        {
            "tabel": t,
            "adres": list(address),
            "aantal": protected.shown.get(index),
            "onderdrukt": index in protected.suppressed,
        }
        for t, table in enumerate(space.layout)
        for address, index in table
    ]


def verified(
    body: dict[str, Any], rules: Iterable[StatisticsRule], ledger: PublicationLedger
) -> bool:
    """True if a claimed publication is what disclosure control gives for its counts under a
    rule in force, audited against every version claimed before it: only then does anyone but
    its own publisher send it (the claims topic is not trusted to say what may leave)."""
    rule = next((r for r in rules if r.key == body.get("regel")), None)
    if rule is None or body.get("definitie") != rule.definition:
        return False
    try:
        space = space_of(rule)
        history = [
            h for h in ledger.history(rule.key, body["periode"]) if h.version < body["versie"]
        ]
        protected = protect(
            space, _stored_counts(space, body), rule.control, _earlier(space, rule, history)
        )
        return bool(_cells(space, protected) == body["cellen"])
    except (KeyError, TypeError, ValueError):
        return False


def _nonzero(counts: Any) -> list[tuple[int, int]]:
    return [(int(i), int(counts[i])) for i in np.flatnonzero(counts)]


def _cell_index(space: CellSpace, key: list[list[str]]) -> int:
    wanted = tuple((d, v) for d, v in key)
    for index, cell in enumerate(space.cells):
        if cell.key == wanted:
            return index
    raise ValueError(f"cell {wanted} is not in this space")


def outputs(body: dict[str, Any], store: SchemaStore) -> Outputs:
    """The records of a publication entry, in the order they must be acknowledged."""
    schema = store.current(STATISTIEK_SCHEMA)
    log_schema = store.current(LOG_SCHEMA)
    at = dt.datetime.fromisoformat(body["gepubliceerd_op"])
    records: list[Outbound] = []
    for recipient in body["ontvangers"]:
        for cell in body["cellen"]:
            records.append(_cell_record(schema, body, cell, recipient, at))
        records.append(publication_log_record(log_schema, body, recipient, schema.fingerprint_hex))
    key = f"{body['publicatie_id']}".encode()
    done = {**body, "klaar": True}
    return Outputs(
        claim=Outbound(CLAIMS_TOPIC, key, _json(body)),
        records=tuple(records),
        done=Outbound(PUBLICATIONS_TOPIC, key, _json(done)),
        body=done,
    )


def _cell_record(
    schema: SchemaEntry,
    body: dict[str, Any],
    cell: dict[str, Any],
    recipient: str,
    at: dt.datetime,
) -> Outbound:
    table = body["tabellen"][cell["tabel"]]
    datum: dict[str, Any] = {name.value: None for name in Dimensie}
    datum.update(dict(zip(table, cell["adres"], strict=True)))
    datum.update(
        publicatie_id=body["publicatie_id"],
        convenant_id=body["convenant"],
        convenant_versie=body["convenant_versie"],
        regel_id=body["regel_id"],
        periode=body["periode"],
        periodesoort=body["periodesoort"],
        versie=body["versie"],
        vervangt=body["vervangt"],
        status=body["status"],
        tabel=" x ".join(table),
        aantal=cell["aantal"],
        onderdrukt=cell["onderdrukt"],
        drempel=body["drempel"],
        afronding=body["afronding"],
        gepubliceerd_op=at,
    )
    # One key for the whole publication: its cells land on one partition, in table order.
    return Outbound(topics.inbox(recipient), body["publicatie_id"].encode(), encode(schema, datum))


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def resend(ledger: PublicationLedger) -> list[Published]:
    """Versions claimed whose records were not all acknowledged: they must be sent, as claimed."""
    return ledger.pending()


def margin_counts(body: dict[str, Any]) -> Counter[str]:
    """How many cells of a publication are shown and suppressed (for reports)."""
    return Counter("onderdrukt" if c["onderdrukt"] else "getoond" for c in body["cellen"])


def due(
    rules: Iterable[StatisticsRule],
    facts: FactState,
    ledger: PublicationLedger,
    grace: dt.timedelta,
    now: dt.datetime,
    period: str | None = None,
) -> list[dict[str, Any]]:
    """Every publication due now: with ``period`` (on demand), that period of every rule whose
    periods are of its kind; without, every closed period with something new."""
    wanted = parse_period(period) if period is not None else None
    bodies = []
    for rule in rules:
        if wanted is not None:
            if wanted.kind is not rule.period:
                continue
            candidates = [wanted]
        else:
            labels = set(facts.periods(rule.key)) | set(ledger.periods(rule.key))
            candidates = sorted(parse_period(p) for p in labels)
        for candidate in candidates:
            closed = is_closed(candidate, facts.watermark, grace)
            body = decide(rule, candidate.label, facts, ledger, closed, wanted is not None, now)
            if body is not None:
                bodies.append(body)
    return bodies
