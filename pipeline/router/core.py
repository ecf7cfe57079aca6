"""route(): the whole routing decision as one pure function, no I/O."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipeline import topics
from pipeline.codec.framing import decode, encode
from pipeline.covenant.conditions import value_at
from pipeline.covenant.fields import ENVELOPE
from pipeline.covenant.policy import Grant, Policy, Withheld
from pipeline.errors import CodecError, InvalidRecordError
from pipeline.legal_time import legal_day
from pipeline.privacy.encryption import Sealer
from pipeline.privacy.subjects import BY_NAME, data_subject
from pipeline.privacy.treatments import Context
from pipeline.router.dead_letter import Reason, dead_letter
from pipeline.router.delivery import view_timestamp_ms
from pipeline.router.disclosure import (
    NO_LOCATION,
    NO_RECIPIENT,
    OTHER_COVENANT,
    WITHHELD,
    Subject,
    disclosure_log,
)
from pipeline.router.event_index import (
    Claim,
    EventIndex,
    claim_record,
    duplicate_detail,
    origin_of,
)
from pipeline.router.event_scope import Scope, scope_of, withheld_under
from pipeline.router.records import Inbound, Outbound, RouteResult
from pipeline.router.references import resolve_references
from pipeline.signals.validation import validate_signal

#: Header a publisher sets on a signal (its own event id); never on a view.
EVENT_ID_HEADER = "ketenstroom-event-id"
#: Header of a view: the recipient's own reference to the event (also the view's key).
EVENT_REF_HEADER = "ketenstroom-event-ref"
SCHEMA_HEADER = "ketenstroom-schema"
TRACEPARENT_HEADER = "traceparent"
#: Larger inbound values are refused unread (a signal is a few hundred bytes to a few KiB).
MAX_SIGNAL_BYTES = 64 * 1024
#: More inbound headers, or more header bytes (names and values), are refused unread. The
#: router's own clients send three headers of ~150 bytes; tracing adds a few. Kafka bounds a
#: record (headers included) only by ``max.message.bytes``, 1,048,588 by default.
MAX_HEADERS = 64
MAX_HEADER_BYTES = 16 * 1024
#: A record about more people is refused: each is a log line per disclosure and ~60 bytes of
#: its claim, and a follow-up takes the people of every event it refers to (a Controle linking
#: Controles multiplies them). A Controle about more people is sent as several.
MAX_SUBJECTS = 100


def route(
    record: Inbound,
    policy: Policy,
    now: dt.datetime,
    index: EventIndex | None = None,
    sealer: Sealer | None = None,
) -> RouteResult:
    """Decide what becomes of one inbound record. Never raises: failures become dead letters.

    With an ``index`` of event ids already routed, a signal whose id was routed from another
    record is a dead letter; the same record read again is routed again, identically.
    ``sealer`` holds the batch's data keys for encrypted fields (a fresh one without).
    """
    try:
        return _route(record, policy, now, index, sealer or Sealer())
    except CodecError as exc:
        return _dead(record, exc.reason, exc.detail, policy)
    except Exception as exc:
        return _dead(record, Reason.INTERNAL_ERROR, f"{type(exc).__name__} while routing", policy)


def _dead(record: Inbound, reason: str, detail: str, policy: Policy) -> RouteResult:
    return RouteResult(
        dead_letter=dead_letter(record, reason, detail, policy.version, policy.dead_letter_key)
    )


def route_batch(
    records: Iterable[Inbound], policy: Policy, now: dt.datetime, index: EventIndex
) -> list[RouteResult]:
    """Route records in order; each routed signal's claim is known to the ones after it."""
    results = []
    sealer = Sealer()  # one data key per recipient for the whole batch
    for record in records:
        result = route(record, policy, now, index, sealer)
        if result.claimed is not None:
            # a claim the index cannot keep is not known, as learn_record refuses it
            with contextlib.suppress(ValueError):
                index.learn(*result.claimed)
        results.append(result)
    return results


def _route(
    record: Inbound, policy: Policy, now: dt.datetime, index: EventIndex | None, sealer: Sealer
) -> RouteResult:
    header_bytes = sum(len(k.encode("utf-8", "surrogatepass")) + len(v) for k, v in record.headers)
    if len(record.headers) > MAX_HEADERS or header_bytes > MAX_HEADER_BYTES:
        detail = (
            f"{len(record.headers)} headers of {header_bytes} bytes exceed the limit of "
            f"{MAX_HEADERS} headers or {MAX_HEADER_BYTES} bytes"
        )
        return _dead(record, Reason.HEADERS_TOO_LARGE, detail, policy)
    partner = topics.partner_of_inbound(record.topic)
    if partner is None or partner not in policy.sources:
        return _dead(
            record,
            Reason.UNKNOWN_SOURCE_TOPIC,
            f"topic {record.topic!r} is not the inbound topic of a registered partner",
            policy,
        )
    if not record.value:
        return _dead(record, Reason.EMPTY_VALUE, "record has no value", policy)
    if len(record.value) > MAX_SIGNAL_BYTES:
        detail = f"value of {len(record.value)} bytes exceeds the limit of {MAX_SIGNAL_BYTES}"
        return _dead(record, Reason.RECORD_TOO_LARGE, detail, policy)
    entry, datum = decode(record.value, policy.store)
    if entry.kind != "signal":
        return _dead(
            record,
            Reason.NOT_A_SIGNAL,
            f"schema {entry.name} is not an inbound signal type",
            policy,
        )
    signal_type = entry.short_name
    validate_signal(signal_type, datum, now)
    envelope = datum["envelope"]
    claimed = [
        p for p in policy.publisher_fields.get(signal_type, ()) if value_at(datum, p) != partner
    ]
    if envelope["source"] != partner or claimed:
        field = "envelope.source" if envelope["source"] != partner else claimed[0]
        return _dead(
            record,
            Reason.SOURCE_MISMATCH,
            f"{field} differs from topic partner {partner!r}",  # free text: not echoed
            policy,
        )
    for path in policy.addressees.get(signal_type, ()):
        if value_at(datum, path) not in policy.recipients:
            raise InvalidRecordError(f"{path} names no partner that receives")
    # The id as text once: log records and claims carry it (a UUID decodes as an object).
    event_id = envelope["event_id"] = str(envelope["event_id"])
    first = index.get(event_id) if index is not None else None
    if first is not None and first.origin != origin_of(record):
        return _dead(
            record, Reason.DUPLICATE_EVENT_ID, duplicate_detail(first, Claim.of(record)), policy
        )
    resolved = resolve_references(datum, signal_type, partner, policy, index)
    # the claims of the events it refers to (None: not remembered): whom and where they were
    claims = [index.get(e) if index is not None else None for e in resolved.event_ids]
    subjects = _subjects(datum, claims, policy, now)
    referred = tuple(c.scope if c is not None else None for c in claims)
    scope = scope_of(datum, signal_type, partner, policy, referred)
    result = _disclose(
        envelope, datum, signal_type, policy, now, sealer, subjects, resolved.scope, referred
    )
    made = Claim.of(record, subjects, scope)
    return replace(
        result,
        claim=claim_record(event_id, made),
        claimed=(event_id, made),
        signal=(signal_type, datum),
    )


def _disclose(
    envelope: dict[str, Any],
    datum: dict[str, Any],
    signal_type: str,
    policy: Policy,
    now: dt.datetime,
    sealer: Sealer,
    subjects: tuple[Subject, ...] = (),
    covenants: frozenset[str] | None = None,
    referred: tuple[Scope | None, ...] = (),
) -> RouteResult:
    """Views and log lines (one per data subject of ``subjects``) of one valid signal; under
    ``covenants`` (those its references bind it to: references.resolve_references) only,
    where it is not None; and only under covenants whose area and period held every event it
    refers to (``referred``: their scopes, router.event_scope)."""
    event_id = envelope["event_id"]
    deliveries: list[Outbound] = []
    log: list[Outbound] = []
    event_log = disclosure_log(policy).for_event(envelope, now, subjects)
    occurred = legal_day(envelope["occurred_at"])  # the Dutch day, as minderjarig is judged
    stamp = view_timestamp_ms(now)  # nothing to join two views on (router.delivery)
    for plan in policy.candidates(envelope["source"], signal_type, datum):
        grants = plan.select(datum, now)
        if grants is None:
            continue
        assert policy.keys is not None  # a policy with plans has keys (compile_policy)
        trace = policy.keys.trace(event_id, plan.disclosure, now)
        if isinstance(grants, Withheld):
            lines = event_log.record(trace, None, grants.grants, None, WITHHELD, NO_LOCATION)
            log.extend(_log_record(event_id, line) for line in lines)
            continue
        if covenants is not None and plan.covenant_id not in covenants:
            lines = event_log.record(trace, None, grants, None, WITHHELD, OTHER_COVENANT)
            log.extend(_log_record(event_id, line) for line in lines)
            continue
        outside = withheld_under(plan, referred, policy)
        if outside is not None:
            lines = event_log.record(trace, None, grants, None, WITHHELD, outside)
            log.extend(_log_record(event_id, line) for line in lines)
            continue
        reference = policy.keys.reference(event_id, plan.domain, now)
        ctx = Context(now, event_id, occurred, plan.recipient, plan.domain, reference, sealer)
        rendered = plan.render(datum, ctx, grants)
        rendered.body.setdefault(ENVELOPE, {}).update(
            event_ref=reference,
            event_type=signal_type,
            trace_id=trace[0],
            span_id=trace[1],
            doelen=_purposes(grants),
        )
        fingerprint = rendered.schema.fingerprint_hex
        headers = (
            (EVENT_REF_HEADER, reference.encode()),
            (SCHEMA_HEADER, fingerprint.encode()),
            (TRACEPARENT_HEADER, f"00-{trace[0]}-{trace[1]}-01".encode()),
        )
        key = reference.encode()
        deliveries.append(
            Outbound(plan.topic, key, encode(rendered.schema, rendered.body), headers, stamp)
        )
        lines = event_log.record(trace, plan.recipient, grants, fingerprint)
        log.extend(_log_record(event_id, line) for line in lines)
    if not deliveries:
        lines = event_log.record(_log_trace(event_id), None, (), None, NO_RECIPIENT)
        log.extend(_log_record(event_id, line) for line in lines)
    return RouteResult(tuple(deliveries), tuple(log))


def _subjects(
    datum: dict[str, Any], claims: list[Claim | None], policy: Policy, now: dt.datetime
) -> tuple[Subject, ...]:
    """Whom the signal is about, pseudonymised in the log's own domain: its own person when it
    names them by BSN or by name and birth date; else the people of the events it refers to
    (a Statusupdate about a signal is about that signal's victim), and its own person by name
    alone if it names one (a Verwijzing that names its person only by name is found by that
    name too, whatever signal it refers to); none: no person (or the referred events are past
    the horizon)."""
    own = None
    found = data_subject(datum)
    if found is not None and policy.keys is not None:
        id_type, kind, normalised = found
        own = (policy.keys.subject(kind, normalised, now), id_type)
        if id_type != BY_NAME:
            return (own,)
    referred = (s for c in claims if c is not None for s in c.subjects)
    subjects = tuple(dict.fromkeys([*referred, *([own] if own else [])]))
    if len(subjects) > MAX_SUBJECTS:
        raise CodecError(
            Reason.TOO_MANY_SUBJECTS,
            f"the events it refers to are about {len(subjects)} people, more than "
            f"{MAX_SUBJECTS}: send it as several records, each referring to fewer",
        )
    return subjects


def _purposes(grants: tuple[Grant, ...]) -> list[dict[str, str]]:
    """Purpose and retention of each grant a view was made under (each pair once)."""
    pairs = sorted({(g.purpose, g.retention) for g in grants})
    return [{"doel": purpose, "bewaartermijn": retention} for purpose, retention in pairs]


def _log_trace(event_id: str) -> tuple[str, str]:
    """A trace context for a log record that goes to nobody: deterministic, log-only."""
    digest = hashlib.sha256(f"ketenstroom/log/{event_id}".encode()).hexdigest()
    return digest[:32], digest[32:48]


def _log_record(event_id: str, value: bytes) -> Outbound:
    # Keyed by the event: a signal's lines stay together, in order, on one partition.
    return Outbound(topics.DISCLOSURE_LOG, event_id.encode(), value)
