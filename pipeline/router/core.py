"""route(): the whole routing decision as one pure function, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipeline import topics
from pipeline.codec.framing import decode
from pipeline.covenant.fields import ENVELOPE
from pipeline.covenant.policy import Policy
from pipeline.errors import CodecError
from pipeline.privacy.treatments import Context
from pipeline.router.dead_letter import Reason, dead_letter
from pipeline.router.event_index import Claim, EventIndex, claim_record, duplicate_detail
from pipeline.router.records import Inbound, Outbound, RouteResult
from pipeline.signals.validation import validate_signal

EVENT_ID_HEADER = "ketenstroom-event-id"
SCHEMA_HEADER = "ketenstroom-schema"
TRACEPARENT_HEADER = "traceparent"
#: Larger inbound values are refused unread (a signal is a few hundred bytes to a few KiB).
MAX_SIGNAL_BYTES = 64 * 1024


def route(
    record: Inbound, policy: Policy, now: dt.datetime, index: EventIndex | None = None
) -> RouteResult:
    """Decide what becomes of one inbound record. Never raises: failures become dead letters.

    With an ``index`` of event ids already routed, a signal whose id was routed from another
    record is a dead letter; the same record read again is routed again, identically.
    """
    try:
        return _route(record, policy, now, index)
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
    for record in records:
        result = route(record, policy, now, index)
        if result.claim is not None:
            index.learn_record(result.claim.key, result.claim.value)
        results.append(result)
    return results


def _route(
    record: Inbound, policy: Policy, now: dt.datetime, index: EventIndex | None
) -> RouteResult:
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
    validate_signal(entry.short_name, datum, now)
    envelope = datum["envelope"]
    if envelope["source"] != partner:
        return _dead(
            record,
            Reason.SOURCE_MISMATCH,
            f"claimed source differs from topic partner {partner!r}",  # free text: not echoed
            policy,
        )
    # The id as text once: views, log records and claims all carry it (a UUID decodes as an object).
    event_id = envelope["event_id"] = str(envelope["event_id"])
    first = index.get(event_id) if index is not None else None
    claim = Claim.of(record)
    if first is not None and first.origin != claim.origin:
        return _dead(record, Reason.DUPLICATE_EVENT_ID, duplicate_detail(first, claim), policy)
    result = _disclose(envelope, datum, entry.short_name, policy, now)
    return replace(result, claim=claim_record(event_id, claim))


def _disclose(
    envelope: dict[str, Any],
    datum: dict[str, Any],
    signal_type: str,
    policy: Policy,
    now: dt.datetime,
) -> RouteResult:
    event_id = str(envelope["event_id"])
    key = event_id.encode()
    traceparent = f"00-{envelope['trace_id']}-{envelope['span_id']}-01".encode()
    deliveries: list[Outbound] = []
    log: list[Outbound] = []
    event_log = policy.disclosure_log.for_event(envelope, now)
    envelope_bytes = b""  # the same in every view (Policy checks): encoded once, when needed
    occurred = envelope["occurred_at"].date()
    for plan in policy.candidates(envelope["source"], signal_type, datum):
        rendered = plan.render(datum, Context(now, event_id, occurred, plan.recipient))
        if rendered is None:
            continue
        if not envelope_bytes:
            envelope_bytes = plan.encoder.part(0, {ENVELOPE: envelope})
        view = plan.encoder.join(envelope_bytes, plan.encoder.part(1, rendered.body))
        fingerprint = plan.schema.fingerprint_hex
        headers = (
            (EVENT_ID_HEADER, key),
            (SCHEMA_HEADER, fingerprint.encode()),
            (TRACEPARENT_HEADER, traceparent),
        )
        deliveries.append(Outbound(plan.topic, key, view, headers))
        entry = event_log.record(plan.recipient, rendered.fields, rendered.grants, fingerprint)
        log.append(_log_record(event_id, plan.recipient, entry))
    if not deliveries:
        log.append(_log_record(event_id, None, event_log.record(None, (), (), None)))
    return RouteResult(tuple(deliveries), tuple(log))


def _log_record(event_id: str, recipient: str | None, value: bytes) -> Outbound:
    return Outbound(topics.DISCLOSURE_LOG, f"{event_id}/{recipient or '-'}".encode(), value)
