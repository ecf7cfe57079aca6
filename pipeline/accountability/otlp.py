"""The disclosure log as OTLP JSON lines in the shape of Logius' Logboek Dataverwerkingen, so an
organisation's own logboek (or any OpenTelemetry collector) can take the lines in.

One line = one ``ExportTraceServiceRequest`` (resourceSpans / scopeSpans / spans) holding one
span: the log line's trace and span id, name, start and end (ns), status, and the ``dpl.core``
attributes (processing_activity_id, data_subject_id, data_subject_id_type, foreign_operation.*).
What the standard does not name is kept under the ``ketenstroom.`` namespace, outside ``dpl.``
(whose namespaces only a ratified extension may add). Pure: a record in, a JSON text out.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pipeline import __version__

#: OTLP's status codes (opentelemetry-proto trace.proto, Status.StatusCode).
STATUS_CODES = {"UNSET": 0, "OK": 1, "ERROR": 2}
#: OTLP's SpanKind INTERNAL: the router's own processing, neither a call in nor out.
SPAN_KIND_INTERNAL = 1
SCOPE = "ketenstroom.verantwoording"
SERVICE = "ketenstroom"
#: How a partner (the publisher, dpl.core.foreign_operation.processor) is named as a URI: the
#: partner registry holds no web address per partner, so a URN of its registry id.
PARTNER_URN = "urn:ketenstroom:deelnemer:"

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Log fields that become ketenstroom.* attributes when they have a value.
_OWN = (
    "event_id",
    "event_type",
    "source",
    "recipient",
    "outcome",
    "view_fingerprint",
    "reason",
    "requester",
    "proof",
)


def unix_nano(moment: dt.datetime) -> str:
    """Nanoseconds since the epoch, as OTLP JSON writes 64-bit integers (a decimal string)."""
    return str((moment - _EPOCH) // dt.timedelta(microseconds=1) * 1000)


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {"arrayValue": {"values": [_value(v) for v in value]}}
    return {"stringValue": str(value)}


def attributes(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The span's attributes: dpl.core first, then ketenstroom's own; only those with a value."""
    pairs: list[tuple[str, Any]] = [
        ("dpl.core.processing_activity_id", record.get("processing_activity_id")),
        ("dpl.core.data_subject_id", record.get("data_subject_id")),
        ("dpl.core.data_subject_id_type", record.get("data_subject_id_type")),
    ]
    if record.get("foreign_span_id"):
        processor = record.get("foreign_processor")
        pairs += [
            (
                "dpl.core.foreign_operation.processor",
                f"{PARTNER_URN}{processor}" if processor else None,
            ),
            ("dpl.core.foreign_operation.trace_id", record.get("foreign_trace_id")),
            ("dpl.core.foreign_operation.span_id", record["foreign_span_id"]),
        ]
    more = list(record.get("more_processing_activity_ids") or ())
    if more:
        pairs.append(("ketenstroom.more_processing_activity_ids", more))
    pairs += [(f"ketenstroom.{name}", record.get(name)) for name in _OWN]
    return [{"key": k, "value": _value(v)} for k, v in pairs if v is not None and v != ""]


def span(record: dict[str, Any]) -> dict[str, Any]:
    """One log line as an OTLP span."""
    shown: dict[str, Any] = {
        "traceId": record["trace_id"],
        "spanId": record["span_id"],
        "name": record["name"],
        "kind": SPAN_KIND_INTERNAL,
        "startTimeUnixNano": unix_nano(record["start_time"]),
        "endTimeUnixNano": unix_nano(record["end_time"]),
        "attributes": attributes(record),
        "status": {"code": STATUS_CODES[str(record["status_code"])]},
    }
    if record.get("parent_span_id"):
        shown["parentSpanId"] = record["parent_span_id"]
    return shown


def export_line(record: dict[str, Any]) -> str:
    """One log line as one OTLP JSON line (an ExportTraceServiceRequest with one span)."""
    request = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": SERVICE}}]
                },
                "scopeSpans": [
                    {"scope": {"name": SCOPE, "version": __version__}, "spans": [span(record)]}
                ],
            }
        ]
    }
    return json.dumps(request, ensure_ascii=False, separators=(",", ":"))
