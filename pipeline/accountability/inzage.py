"""Inzage (AVG art. 15): every line of the disclosure log about one person, with what the
register of processing activities says of it: to whom, which fields, how treated, under which
covenant, rule, article, legal basis and purpose; and every re-identification.

Fed one log record at a time; keeps only the person's own lines (so memory grows with what one
person has, never with the log). Holds no plaintext: the person is found by the log's own
pseudonyms, and what is shown are field names, treatments and the register's texts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from pipeline.accountability.lines import Period, line_key
from pipeline.accountability.person import Person
from pipeline.covenant.register import Activity, disclosed
from pipeline.errors import KetenstroomError
from pipeline.privacy.generalise import LEGAL_TZ
from pipeline.privacy.keyring import unb64
from pipeline.privacy.pseudonyms import parse_label
from pipeline.privacy.reidentification import (
    REIDENTIFIED,
    key_id,
    read_request,
    verify_signature,
)
from pipeline.router.disclosure import DISCLOSED, NO_RECIPIENT, WITHHELD, activity_ids

#: The kind of each line, as the FG reads it.
KINDS = {
    DISCLOSED: "verstrekt",
    WITHHELD: "tegengehouden",
    NO_RECIPIENT: "geen ontvanger",
    REIDENTIFIED: "herleid",
}


def _moment(value: dt.datetime) -> str:
    return value.astimezone(LEGAL_TZ).isoformat(timespec="seconds")


def grounds(activity_id: str, register: Mapping[str, Activity]) -> dict[str, Any]:
    """What the register says of one processing activity (or that it is not there)."""
    entry = register.get(activity_id)
    if entry is None:
        return {"verwerking": activity_id, "in_register": False}
    r = entry.record
    return {
        "verwerking": activity_id,
        "in_register": True,
        "convenant": r["convenant_id"],
        "convenant_versie": r["convenant_versie"],
        "convenant_titel": r["convenant_titel"],
        "regel": r["regel"],
        "artikel": r.get("artikel"),
        "grondslag": r["grondslag"],
        "grondslag_tekst": r["grondslag_tekst"],
        "doel": r["doel"],
        "doel_tekst": r["doel_tekst"],
        "bewaartermijn": r["bewaartermijn"],
    }


#: covenant id -> the public keys of its herleiders (from the covenant files the FG holds).
Herleiders = Mapping[str, frozenset[str]]


def _reidentification(record: dict[str, Any], herleiders: Herleiders | None) -> dict[str, Any]:
    """Who re-identified, for whom, why, and whether the signed request in ``proof`` verifies:
    its signature, and (with the covenants at hand) whether the covenant names its key. A line
    signed with a key the covenant does not name proves nothing about who asked."""
    found: dict[str, Any] = {
        "herleider": record.get("requester"),
        "namens": record.get("recipient"),
        "handtekening": "ontbreekt",
    }
    proof = record.get("proof")
    if proof:
        try:
            request, signature = read_request(proof)
            _, _, domain, kind, _ = parse_label(request.pseudoniem)
        except KetenstroomError:
            return {**found, "handtekening": "onleesbaar"}
        if not verify_signature(request, signature):
            verdict = "klopt niet"
        elif herleiders is None:
            verdict = "klopt (sleutel niet tegen het convenant gecontroleerd)"
        elif request.publieke_sleutel in herleiders.get(domain.partition("/")[0], frozenset()):
            verdict = "klopt"
        else:
            verdict = "klopt, maar de sleutel staat niet (meer) bij de herleiders van het convenant"
        found.update(
            verzoek_id=request.verzoek_id,
            koppeldomein=domain,
            soort_pseudoniem=kind,
            sleutel=key_id(unb64(request.publieke_sleutel)),
            aangevraagd_op=request.aangevraagd_op.isoformat(),
            handtekening=verdict,
        )
    return found


def entry(
    record: dict[str, Any],
    register: Mapping[str, Activity],
    herleiders: Herleiders | None = None,
) -> dict[str, Any]:
    """One log line as the inzage shows it."""
    outcome = str(record["outcome"])
    shown: dict[str, Any] = {
        "soort": KINDS.get(outcome, outcome.lower()),
        "tijdstip": _moment(record["start_time"]),
        "ontvanger": record.get("recipient"),
        "signaaltype": record["event_type"],
        "bron": record["source"],
        "event_id": record["event_id"],
        "trace_id": record["trace_id"],
        "span_id": record["span_id"],
        "reden": record.get("reason"),
    }
    if outcome == REIDENTIFIED:
        return {**shown, **_reidentification(record, herleiders)}
    fields = disclosed(record, register) if outcome == DISCLOSED else {}
    shown["velden"] = dict(sorted(fields.items())) if fields is not None else None
    shown["verwerkingen"] = [grounds(a, register) for a in activity_ids(record)]
    return shown


class Inzage:
    """Collects the lines about one person within a period, once each (the log repeats a line
    after a redelivery: same event, span and outcome)."""

    def __init__(
        self,
        person: Person,
        period: Period,
        register: Mapping[str, Activity],
        herleiders: Herleiders | None = None,
    ) -> None:
        self.person = person
        self.herleiders = herleiders
        self.period = period
        self.register = register
        self._lines: dict[tuple[str, str, str], dict[str, Any]] = {}

    def about(self, record: dict[str, Any]) -> bool:
        """True when the line is about this person."""
        subject = record.get("data_subject_id")
        if subject is None:
            return False
        if record["outcome"] == REIDENTIFIED:
            return subject in self.person.reidentified or subject in self.person.ids
        return subject in self.person.ids

    def add(self, record: dict[str, Any]) -> None:
        """Take one log line into account."""
        if self.about(record) and self.period.contains(record["start_time"]):
            self._lines.setdefault(line_key(record), record)

    def found_by(self, record: dict[str, Any]) -> str | None:
        """By which of the person's identities a line was found (person.Person.found_by)."""
        subject = record.get("data_subject_id")
        if subject is None:
            return None
        if record["outcome"] == REIDENTIFIED and subject in self.person.reidentified_by:
            return self.person.reidentified_by[str(subject)]
        return self.person.found_by.get(str(subject))

    def entries(self) -> list[dict[str, Any]]:
        """The person's lines as the inzage shows them, oldest first, each saying by which
        identity it was found (``gevonden_op``)."""
        ordered = sorted(self._lines.values(), key=lambda r: (r["start_time"], r["span_id"]))
        return [
            {**entry(r, self.register, self.herleiders), "gevonden_op": self.found_by(r)}
            for r in ordered
        ]

    def report(self) -> dict[str, Any]:
        """The whole inzage as JSON-ready data."""
        return {
            "betrokkene": self.person.asked,
            "soort_id": self.person.id_type,
            "periode": self.period.bounds(),
            "regels": self.entries(),
        }


def as_json(report: dict[str, Any]) -> str:
    """The report as one JSON document (UTF-8, readable)."""
    return json.dumps(report, ensure_ascii=False, indent=2)
