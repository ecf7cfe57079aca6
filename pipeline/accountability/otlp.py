"""The disclosure log as OTLP JSON lines in the shape of Logius' Logboek Dataverwerkingen, so an
organisation's own logboek (or any OpenTelemetry collector) can take the lines in.

One line = one ``ExportTraceServiceRequest`` (resourceSpans / scopeSpans / spans) holding one
span: the log line's trace and span id, name, start and end (ns), status, and the ``dpl.core``
attributes (processing_activity_id, data_subject_id, data_subject_id_type, foreign_operation.*).
What the standard does not name is kept under the ``ketenstroom.`` namespace, outside ``dpl.``
(whose namespaces only a ratified extension may add).

The request is built with OpenTelemetry's own protobuf classes (opentelemetry-proto) and written
with protobuf's JSON mapping (json_format), so its shape is theirs. OTLP's JSON encoding differs
from protobuf's in one respect, which is applied afterwards: trace and span ids are hex, not
base64. Pure: a record in, a JSON text out.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from pipeline import __version__

#: The log's status words as OTLP's status codes (trace.proto, Status.StatusCode).
STATUS_CODES = {
    "UNSET": Status.STATUS_CODE_UNSET,
    "OK": Status.STATUS_CODE_OK,
    "ERROR": Status.STATUS_CODE_ERROR,
}
SCOPE = "ketenstroom.verantwoording"
SERVICE = "ketenstroom"
#: How a partner (the publisher, dpl.core.foreign_operation.processor) is named as a URI: the
#: partner registry holds no web address per partner, so a URN of its registry id.
PARTNER_URN = "urn:ketenstroom:deelnemer:"
#: The span fields OTLP's JSON encoding writes as hex where protobuf's writes base64.
HEX_IDS = ("traceId", "spanId", "parentSpanId")

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


def unix_nano(moment: dt.datetime) -> int:
    """Nanoseconds since the epoch (at the log's millisecond precision)."""
    return (moment - _EPOCH) // dt.timedelta(microseconds=1) * 1000


def _value(value: Any) -> AnyValue:
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[_value(v) for v in value]))
    return AnyValue(string_value=str(value))


def attributes(record: dict[str, Any]) -> list[KeyValue]:
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
    return [KeyValue(key=k, value=_value(v)) for k, v in pairs if v is not None and v != ""]


def span(record: dict[str, Any]) -> Span:
    """One log line as an OTLP span."""
    return Span(
        trace_id=bytes.fromhex(record["trace_id"]),
        span_id=bytes.fromhex(record["span_id"]),
        parent_span_id=bytes.fromhex(record.get("parent_span_id") or ""),
        name=record["name"],
        kind=Span.SPAN_KIND_INTERNAL,  # the router's own processing, neither a call in nor out
        start_time_unix_nano=unix_nano(record["start_time"]),
        end_time_unix_nano=unix_nano(record["end_time"]),
        attributes=attributes(record),
        status=Status(code=STATUS_CODES[str(record["status_code"])]),
    )


def export_request(record: dict[str, Any]) -> ExportTraceServiceRequest:
    """One log line as an ExportTraceServiceRequest with one span."""
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=[KeyValue(key="service.name", value=_value(SERVICE))]),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(name=SCOPE, version=__version__),
                        spans=[span(record)],
                    )
                ],
            )
        ]
    )


def export_line(record: dict[str, Any]) -> str:
    """One log line as one OTLP JSON line (OTLP/HTTP's JSON encoding of the request)."""
    document = json_format.MessageToDict(
        export_request(record), use_integers_for_enums=True, preserving_proto_field_name=False
    )
    for resource in document["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for shown in scope["spans"]:
                for name in HEX_IDS:
                    if name in shown:
                        shown[name] = base64.b64decode(shown[name]).hex()
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
