"""Turn a partner's JSON document into a complete, valid signal record ready to encode."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import uuid
from typing import Any

from pipeline.codec.json_input import JsonInputError, from_json
from pipeline.codec.schema_store import SchemaEntry, SchemaStore
from pipeline.errors import InvalidRecordError
from pipeline.legal_time import legal_day
from pipeline.messages import signals as msg
from pipeline.signals.validation import is_minor, validate_signal


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def complete_envelope(
    document: dict[str, Any], event_type: str, source: str, now: dt.datetime
) -> dict[str, Any]:
    """A copy of ``document`` whose envelope has every field, filled from the publisher's context."""
    doc = copy.deepcopy(document)
    envelope = doc.setdefault("envelope", {})
    if not isinstance(envelope, dict):
        raise JsonInputError(str(msg.expected_object("envelope")))
    claimed = envelope.get("source", source)
    if claimed != source:
        raise InvalidRecordError(str(msg.wrong_source(source, claimed)))
    declared = envelope.get("event_type", event_type)
    if declared != event_type:
        raise InvalidRecordError(str(msg.wrong_event_type(declared, event_type)))
    envelope["source"] = source
    envelope["event_type"] = event_type
    envelope.setdefault("event_id", str(uuid.uuid4()))
    envelope.setdefault("occurred_at", _iso(now))
    envelope.setdefault("recorded_at", _iso(now))
    envelope.setdefault("trace_id", secrets.token_hex(16))
    envelope.setdefault("span_id", secrets.token_hex(8))
    return doc


def _derive_minor(datum: dict[str, Any], claimed: object) -> None:
    """Set ``minderjarig`` from the birth date at event time; a contradicting claim is an error."""
    subject = datum.get("slachtoffer")
    born = subject.get("geboortedatum") if subject else None
    if born is None:
        return
    derived = is_minor(born, legal_day(datum["envelope"]["occurred_at"]))
    if claimed is not None and claimed != derived:
        raise InvalidRecordError(str(msg.minor_contradicts()))
    datum["minderjarig"] = derived


def event_type_of(document: dict[str, Any], given: str | None, store: SchemaStore) -> str:
    """The signal type: given explicitly, or named in ``envelope.event_type``."""
    envelope = document.get("envelope")
    named = envelope.get("event_type") if isinstance(envelope, dict) else None
    event_type = given or named
    if not isinstance(event_type, str) or event_type not in store.signal_types():
        raise JsonInputError(str(msg.which_type(list(store.signal_types()))))
    return event_type


def prepare(
    document: dict[str, Any],
    source: str,
    store: SchemaStore,
    now: dt.datetime,
    event_type: str | None = None,
) -> tuple[SchemaEntry, dict[str, Any]]:
    """Validate a JSON document as a signal from ``source`` and return its schema and datum."""
    if not isinstance(document, dict):
        raise JsonInputError(str(msg.signal_is_object()))
    kind = event_type_of(document, event_type, store)
    entry = store.current(kind)
    completed = complete_envelope(document, kind, source, now)
    claimed_minor = completed.get("minderjarig")
    if claimed_minor is None and any(f["name"] == "minderjarig" for f in entry.expanded["fields"]):
        subject = completed.get("slachtoffer")
        if not isinstance(subject, dict) or subject.get("geboortedatum") is None:
            raise JsonInputError(str(msg.minor_needed()))
        completed["minderjarig"] = False  # a stand-in; _derive_minor sets the real value
    datum = from_json(entry.expanded, completed)
    _derive_minor(datum, claimed_minor)
    validate_signal(kind, datum, now)
    return entry, datum
