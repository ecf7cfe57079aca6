"""The register of processing activities: what is fixed per covenant version, rule and recipient.

A disclosure-log line names only what varies per disclosure (when, which event, to whom, under
which activities). What an activity is, its covenant, rule, article, purpose, legal basis with
their texts, retention, conditions, area, and the fields and treatments each recipient gets, is
published once per covenant version on the compacted topic ``ketenstroom.verwerkingsregister``
(key: the activity's id), the way Logboek Dataverwerkingen's ``processing_activity_id`` points
into an organisation's register. Pure: built from the covenants, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling, Kop, Regel, Statistiekregel, Werkgebied
from pipeline.covenant.rules import (
    ROUTING_ACTIVITY,
    activity_id,
    domain_name,
    effective_fields,
    reidentification_activity_id,
)

#: Schema of a register entry (schemas/ketenstroom/verwerking.avsc).
REGISTER_SCHEMA = "nl.ketenstroom.log.Verwerking"


def _area(kop: Kop) -> str:
    if not isinstance(kop.werkgebied, Werkgebied):
        return "landelijk"
    parts = []
    if kop.werkgebied.gemeenten:
        parts.append("gemeenten " + ", ".join(kop.werkgebied.gemeenten))
    if kop.werkgebied.politie_eenheden:
        parts.append("politie-eenheden " + ", ".join(kop.werkgebied.politie_eenheden))
    return "; ".join(parts)


@dataclass(frozen=True)
class Activity:
    """One register entry, as the register schema holds it (Dutch field names)."""

    record: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.record["id"])

    def treatments(self, recipient: str) -> dict[str, str]:
        """Field path -> treatment of everything this activity gives ``recipient`` ({} if none)."""
        for entry in self.record["ontvangers"]:
            if entry["partij"] == recipient:
                return dict(entry["behandelingen"])
        return {}


def _entry(
    kop: Kop, rule: Regel, treatments: dict[str, Behandeling], domains: dict[str, str]
) -> Activity:
    basis = kop.grondslagen.get(rule.grondslag)
    return Activity(
        {
            "id": activity_id(kop, rule.id),
            "convenant_id": kop.id,
            "convenant_versie": kop.versie,
            "convenant_titel": kop.titel,
            "regel": rule.id,
            "artikel": rule.artikel,
            "omschrijving": " ".join(rule.omschrijving.split()) if rule.omschrijving else None,
            "doel": rule.doel,
            "doel_tekst": kop.doelen.get(rule.doel, ""),
            "grondslag": rule.grondslag,
            "grondslag_tekst": basis.omschrijving if basis is not None else "",
            "bewaartermijn": rule.bewaartermijn,
            "signaaltype": rule.signaaltype,
            "bronnen": list(rule.bronnen),
            "voorwaarden": [c.describe() for c in rule.voorwaarden],
            "werkgebied": _area(kop),
            "ontvangers": [
                {
                    "partij": recipient,
                    "koppeldomein": domains[recipient],
                    "behandelingen": {
                        p: t.value for p, t in treatments.items() if t is not Behandeling.WEGLATEN
                    },
                }
                for recipient in rule.ontvangers
            ],
        }
    )


def _statistics_entry(kop: Kop, rule: Statistiekregel) -> Activity:
    """A statistics rule: each recipient gets counts per cell of its tables, never a field."""
    basis = kop.grondslagen.get(rule.grondslag)
    dimensions = sorted({d.value for table in rule.tabellen for d in table})
    return Activity(
        {
            "id": activity_id(kop, rule.id),
            "convenant_id": kop.id,
            "convenant_versie": kop.versie,
            "convenant_titel": kop.titel,
            "regel": rule.id,
            "artikel": rule.artikel,
            "omschrijving": " ".join(rule.omschrijving.split()) if rule.omschrijving else None,
            "doel": rule.doel,
            "doel_tekst": kop.doelen.get(rule.doel, ""),
            "grondslag": rule.grondslag,
            "grondslag_tekst": basis.omschrijving if basis is not None else "",
            "bewaartermijn": "-",
            "signaaltype": ", ".join(rule.signaaltypen),
            "bronnen": list(rule.bronnen),
            "voorwaarden": [
                f"aantallen per {rule.periode.value}, drempel {rule.beveiliging.drempel}"
            ],
            "werkgebied": _area(kop),
            "ontvangers": [
                {
                    "partij": recipient,
                    "koppeldomein": "-",
                    "behandelingen": {d: "statistiek" for d in [*dimensions, "aantal"]},
                }
                for recipient in rule.ontvangers
            ],
        }
    )


def _fixed(
    activity: str, kop: Kop | None, purpose: str, text: str, parties: Iterable[str] = ()
) -> Activity:
    """An activity that is no rule: routing to nobody, or re-identification under a covenant."""
    return Activity(
        {
            "id": activity,
            "convenant_id": kop.id if kop else "ketenstroom",
            "convenant_versie": kop.versie if kop else "-",
            "convenant_titel": kop.titel if kop else "ketenstroom",
            "regel": purpose,
            "artikel": None,
            "omschrijving": text,
            "doel": purpose,
            "doel_tekst": text,
            "grondslag": "-",
            "grondslag_tekst": "-",
            "bewaartermijn": "-",
            "signaaltype": "*",
            "bronnen": [],
            "voorwaarden": [],
            "werkgebied": _area(kop) if kop else "landelijk",
            "ontvangers": [
                {"partij": p, "koppeldomein": "-", "behandelingen": {}} for p in parties
            ],
        }
    )


def register_of(covenants: Iterable[LoadedCovenant]) -> dict[str, Activity]:
    """Every processing activity of these covenants, by id: record rules, statistics rules,
    re-identification under each covenant, and routing to nobody (the pipeline's own)."""
    register: dict[str, Activity] = {
        ROUTING_ACTIVITY: _fixed(
            ROUTING_ACTIVITY,
            None,
            "routering",
            "Signalen routeren volgens de convenanten; geen regel gaf dit signaal aan iemand",
        )
    }
    for loaded in covenants:
        kop = loaded.model.convenant
        for rule in loaded.model.regels:
            domains = {r: domain_name(kop, r) for r in rule.ontvangers}
            entry = _entry(kop, rule, effective_fields(rule), domains)
            register[entry.id] = entry
        for figures in loaded.model.statistieken:
            entry = _statistics_entry(kop, figures)
            register[entry.id] = entry
        if kop.herleiders:
            entry = _fixed(
                reidentification_activity_id(kop),
                kop,
                "herleiding",
                "Herleiden van een herleidbaar pseudoniem, op een ondertekend verzoek van een "
                "herleider die dit convenant noemt",
                sorted({h.namens for h in kop.herleiders}),
            )
            register[entry.id] = entry
    return register


def disclosed(record: Mapping[str, Any], register: Mapping[str, Activity]) -> dict[str, str] | None:
    """Field path -> treatment of what a disclosure-log line's recipient received, from the
    register entries it names; None when an entry is not in ``register``."""
    treatments: dict[str, str] = {}
    first = record.get("processing_activity_id")
    for activity in ([first] if first else []) + list(
        record.get("more_processing_activity_ids") or ()
    ):
        entry = register.get(activity)
        if entry is None:
            return None
        treatments.update(entry.treatments(str(record["recipient"])))
    return treatments


@dataclass(frozen=True)
class Redefinition:
    """A register entry that would give an id in the register another meaning."""

    id: str
    covenant: str
    versie: str
    rule: str
    #: The entry's parts that differ (``behandelingen van comensha``, ``voorwaarden``, ...).
    parts: tuple[str, ...]


def differing_parts(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of what differs between two register entries of one id (empty: the same)."""
    parts = [k for k in sorted({*old, *new}) if k != "ontvangers" and old.get(k) != new.get(k)]
    before = {r["partij"]: r for r in old.get("ontvangers", ())}
    after = {r["partij"]: r for r in new.get("ontvangers", ())}
    for party in sorted({*before, *after}):
        if party not in before or party not in after:
            parts.append(f"ontvanger {party}")
        elif before[party] != after[party]:
            parts.append(f"behandelingen van {party}")
    return tuple(parts)


def redefinitions(
    known: Mapping[str, Activity], new: Mapping[str, Activity]
) -> list[Redefinition]:
    """Every entry of ``new`` whose id ``known`` holds with another content: a register entry
    is written once and never changes, or old log lines would tell a new story."""
    found = []
    for activity_id_, entry in sorted(new.items()):
        old = known.get(activity_id_)
        if old is None:
            continue
        parts = differing_parts(old.record, entry.record)
        if parts:
            record = entry.record
            found.append(
                Redefinition(
                    activity_id_,
                    str(record["convenant_id"]),
                    str(record["convenant_versie"]),
                    str(record["regel"]),
                    parts,
                )
            )
    return found


ActivityKind = Literal["verstrekking", "statistiek", "herleiding", "routering"]


def activity_kind(entry: Activity) -> ActivityKind:
    """What kind of processing an entry registers: a rule's disclosures, a statistics rule's
    publications, re-identification under a covenant, or routing to nobody."""
    record = entry.record
    if record["id"] == ROUTING_ACTIVITY:
        return "routering"
    if record["regel"] == "herleiding" and record["grondslag"] == "-":
        return "herleiding"
    treatments = [t for r in record["ontvangers"] for t in r["behandelingen"].values()]
    if treatments and all(t == "statistiek" for t in treatments):
        return "statistiek"
    return "verstrekking"
