"""The FG's reports on real log lines of route(): the export checked field by field against
Logboek Dataverwerkingen and OTLP's own protobuf definitions; the overview's counts."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pipeline.accountability.inzage import Inzage
from pipeline.accountability.lines import Period, RecentLines
from pipeline.accountability.otlp import PARTNER_URN, export_line, export_request
from pipeline.accountability.overview import Overview
from pipeline.accountability.person import by_bsn, name_parts
from pipeline.router.core import route
from pipeline.router.event_index import Claim, EventIndex
from tests.helpers import in_utrecht, inbound, log_entries, signal_bytes

HEX32 = re.compile(r"[0-9a-f]{32}")
HEX16 = re.compile(r"[0-9a-f]{16}")
#: The dpl.core attributes the standard names (Logius, Logboek Dataverwerkingen, Logboek
#: component: attributes): three always, foreign_operation.* when another party's operation
#: led to this one. trace_id of the foreign operation is from the standard's earlier draft and
#: the reference libraries; nothing else may use the dpl. namespace without an extension.
REQUIRED = (
    "dpl.core.processing_activity_id",
    "dpl.core.data_subject_id",
    "dpl.core.data_subject_id_type",
)
FOREIGN = (
    "dpl.core.foreign_operation.processor",
    "dpl.core.foreign_operation.span_id",
    "dpl.core.foreign_operation.trace_id",
)


@pytest.fixture
def lines(policy, factory, now):
    """The log lines of a signal about BSN 111222333 in Utrecht (several recipients)."""
    document = in_utrecht(factory.make("politie", "Signaal").document)
    document["slachtoffer"]["bsn"] = "111222333"
    _, raw = signal_bytes(policy.store, document, "politie", now)
    result = route(inbound("politie", raw), policy, now)
    assert result.dead_letter is None and len(result.log) >= 3
    return log_entries(result, policy)


def _attributes(span: dict) -> dict[str, object]:
    found = {}
    for attribute in span["attributes"]:
        ((kind, value),) = attribute["value"].items()
        assert kind in ("stringValue", "arrayValue"), attribute
        found[attribute["key"]] = value
    return found


def test_the_export_has_every_required_field_of_the_standard(lines, policy):
    for record in lines:
        text = export_line(record)
        assert "\n" not in text  # one JSON line
        # OTLP's own definitions accept it as an ExportTraceServiceRequest, unknown fields refused
        parsed = json_format.Parse(text, ExportTraceServiceRequest(), ignore_unknown_fields=False)
        # ... and it is exactly the request built with OpenTelemetry's classes, written with
        # protobuf's JSON mapping, ids in hex as OTLP's JSON encoding wants them (protobuf's
        # mapping reads a hex id as base64, so the ids are compared apart)
        assert parsed.resource_spans[0].scope_spans[0].spans[0].name == record["name"]
        built = export_request(record)
        for message in (parsed, built):
            for part in message.resource_spans[0].scope_spans[0].spans:
                part.trace_id, part.span_id, part.parent_span_id = b"", b"", b""
        assert parsed == built
        (resource,) = parsed.resource_spans
        (scope,) = resource.scope_spans
        (span,) = scope.spans
        body = json.loads(text)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
        # trace_id (16 bytes) and span_id (8 bytes): OTLP JSON writes them as lowercase hex
        assert HEX32.fullmatch(body["traceId"]) and body["traceId"] == record["trace_id"]
        assert HEX16.fullmatch(body["spanId"]) and body["spanId"] == record["span_id"]
        assert span.name == record["name"] and span.name
        start_ms = int(record["start_time"].timestamp() * 1000)
        assert span.start_time_unix_nano == start_ms * 1_000_000
        assert span.start_time_unix_nano <= span.end_time_unix_nano
        assert body["startTimeUnixNano"] == str(span.start_time_unix_nano)  # 64-bit as a string
        # status: Unset, Ok or Error; routing is Ok
        assert span.status.code == 1 and record["status_code"] == "OK"
        attributes = _attributes(body)
        for key in REQUIRED:
            assert key in attributes, key
        activity = str(attributes["dpl.core.processing_activity_id"])
        assert urlparse(activity).scheme in ("https", "urn") and activity in policy.register
        assert attributes["dpl.core.data_subject_id"] == record["data_subject_id"]
        assert str(attributes["dpl.core.data_subject_id"]).startswith("PS1.k1.verantwoording.bsn.")
        assert attributes["dpl.core.data_subject_id_type"] == "BSN"
        for key in FOREIGN:
            assert key in attributes, key
        assert attributes["dpl.core.foreign_operation.processor"] == f"{PARTNER_URN}politie"
        assert HEX16.fullmatch(str(attributes["dpl.core.foreign_operation.span_id"]))
        assert HEX32.fullmatch(str(attributes["dpl.core.foreign_operation.trace_id"]))
        # the disclosure's own trace is not the publisher's: the link is only in the log
        assert body["traceId"] != attributes["dpl.core.foreign_operation.trace_id"]
        assert {k for k in attributes if k.startswith("dpl.")} <= {*REQUIRED, *FOREIGN}
        assert attributes["ketenstroom.recipient"] == record["recipient"]
        assert "111222333" not in text


def test_the_overview_counts_per_rule_recipient_and_field(lines, policy):
    overview = Overview("midden-nederland", Period(), policy.register)
    recent = RecentLines()
    for record in lines + lines:  # a redelivered batch counts once
        if not recent.repeated(0, record):
            overview.add(record)
    report = overview.report()
    rules = {r["regel"]: r for r in report["regels"]}
    assert {r["versie"] for r in report["regels"]} == {"2025.1"}  # a row per rule and version
    recipients = {line["recipient"] for line in lines}
    assert (
        rules["R3"]["verstrekkingen"] == 1 and rules["R3"]["per_ontvanger"]["gemeente-utrecht"] == 1
    )
    assert rules["R1"]["per_ontvanger"] == {"om": 1}
    fields = {(f["ontvanger"], f["veld"]): f for f in report["velden"]}
    assert fields[("gemeente-utrecht", "slachtoffer.bsn")]["behandeling"] == (
        "pseudoniem-herleidbaar"
    )
    assert fields[("gemeente-utrecht", "slachtoffer.bsn")]["verstrekkingen"] == 1
    unused = report["zonder_verstrekking"]
    # a Controle rule (R5) and a Verwijzing rule (R6) disclosed nothing for one Signaal
    assert {"R5", "R6"} <= {r["regel"] for r in unused["regels"]}
    assert all(rules[r["regel"]]["verstrekkingen"] == 0 for r in unused["regels"])
    assert {
        "versie": "2025.1",
        "ontvanger": "riec-midden-nederland",
        "veld": "kvk_nummer",
    } in unused["velden"]
    assert report["regels_in_log"] == len(recipients)
    assert Overview("midden-nederland", Period(), {}).activities == {}


def test_inzage_shows_fields_and_legal_basis_from_the_register(lines, policy, keyring):
    inzage = Inzage(by_bsn("111 222 333", keyring.verantwoording), Period(), policy.register)
    for record in lines:
        inzage.add(record)
    shown = {e["ontvanger"]: e for e in inzage.entries()}
    assert set(shown) == {line["recipient"] for line in lines}
    gemeente = shown["gemeente-utrecht"]
    assert gemeente["velden"]["slachtoffer.bsn"] == "pseudoniem-herleidbaar"
    (grounds,) = gemeente["verwerkingen"]
    assert (
        grounds["regel"] == "R3" and grounds["grondslag"] == "wgs" and grounds["artikel"] == "6.1"
    )
    assert grounds["doel"] == "bestuurlijk" and grounds["bewaartermijn"] == "P1Y"
    assert "Wet gegevensverwerking" in grounds["grondslag_tekst"]
    assert "111222333" not in json.dumps(inzage.report()["regels"], ensure_ascii=False)


def test_a_name_splits_into_every_given_names_and_surname():
    assert name_parts("Maria José  de Vries") == sorted(
        {
            "maria",
            "maria jose",
            "maria jose de",
            "maria jose de vries",
            "jose de vries",
            "de vries",
            "vries",
        }
    )


def test_a_repeated_line_is_dropped_within_the_window_per_partition():
    recent = RecentLines(size=3)
    lines = [{"event_id": f"e{n}", "span_id": "s", "outcome": "DISCLOSED"} for n in range(5)]
    assert [recent.repeated(0, line) for line in lines[:3]] == [False] * 3
    assert recent.repeated(0, lines[0])  # a redelivery right after the original
    assert not recent.repeated(1, lines[0])  # another partition keeps its own window
    for line in lines[3:]:
        recent.repeated(0, line)
    assert not recent.repeated(0, lines[1])  # beyond the window: the documented limit


def test_a_follow_up_about_two_people_has_a_line_per_person_and_counts_once(
    policy, factory, now, keyring
):
    """A Controle linked to the signals of two people is about both (AVG art. 15 asks for it):
    one line per person per disclosure, the second under a child span of the first (the span
    the view carries); the overview counts each disclosure once."""
    index = EventIndex()
    ids = []
    for offset, bsn in enumerate(("111222333", "123456782")):
        signal = in_utrecht(factory.make("nla", "Signaal").document)
        signal["slachtoffer"]["bsn"] = bsn
        _, raw = signal_bytes(policy.store, signal, "nla", now)
        routed = route(inbound("nla", raw, offset=offset), policy, now, index)
        assert routed.claim is not None and routed.dead_letter is None
        index.learn_record(routed.claim.key, routed.claim.value)
        ids.append(signal["envelope"]["event_id"])
    controle = in_utrecht(factory.make("nla", "Controle").document)
    controle["gekoppelde_signalen"] = ids
    _, raw = signal_bytes(policy.store, controle, "nla", now)
    result = route(inbound("nla", raw, offset=2), policy, now, index)
    entries = log_entries(result, policy)
    assert len(result.deliveries) == 2 and len(entries) == 4  # riec and gemeente, two people
    by_span = {e["span_id"]: e for e in entries}
    children = [e for e in entries if e["parent_span_id"] is not None]
    assert len(children) == 2
    for child in children:
        parent = by_span[child["parent_span_id"]]
        assert (parent["recipient"], parent["trace_id"]) == (child["recipient"], child["trace_id"])
        assert parent["data_subject_id"] != child["data_subject_id"]
    spans = {o.headers[2][1].decode().split("-")[2] for o in result.deliveries}
    assert spans == {e["span_id"] for e in entries if e["parent_span_id"] is None}
    for bsn in ("111 222 333", "123456782"):
        inzage = Inzage(by_bsn(bsn, keyring.verantwoording), Period(), policy.register)
        for record in entries:
            inzage.add(record)
        assert {e["ontvanger"] for e in inzage.entries()} == {
            "riec-midden-nederland",
            "gemeente-utrecht",
        }
    overview = Overview("midden-nederland", Period(), policy.register)
    for record in entries:
        overview.add(record)
    (r5,) = [r for r in overview.report()["regels"] if r["regel"] == "R5"]
    assert r5["verstrekkingen"] == 2
    # A redelivered claim keeps whom the event is about (topic JSON and the SQLite index)
    claim = Claim.from_bytes(result.claim.value)
    assert len(claim.subjects) == 2 and Claim.from_bytes(claim.to_bytes()) == claim
    reopened = EventIndex()
    reopened.learn_record(result.claim.key, result.claim.value)
    reopened.flush()
    assert reopened.get(controle["envelope"]["event_id"]).subjects == claim.subjects


def test_the_inzage_table_says_in_plain_dutch_why_a_disclosure_was_withheld():
    """The FG reads a withheld line's reason as a sentence, not the log's code; the JSON keeps
    the code, and a code the table does not know is shown as it is."""
    from pipeline.cli.verantwoording import _why
    from pipeline.language import Language, speaking

    with speaking(Language.NL):
        assert _why("reference_of_other_covenant") == (
            "het bericht verwijst naar een signaal dat de afzender onder een ander convenant kreeg"
        )
        assert "geen plaats" in _why("no_location")
        assert _why("iets_nieuws") == "iets_nieuws"
    with speaking(Language.EN):
        assert "another covenant" in _why("reference_of_other_covenant")
