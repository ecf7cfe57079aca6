"""The register of processing activities (AVG art. 30) as the FG reads it: per covenant and
version, every processing activity with its purpose, legal basis, recipients and what each
receives. Pure: from the register entries, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.covenant.register import Activity, activity_kind

#: How a kind of activity is named in the report.
KIND_WORDS = {
    "verstrekking": "verstrekking",
    "statistiek": "statistiek",
    "herleiding": "herleiding",
    "routering": "routering",
}


def register_report(
    register: Mapping[str, Activity],
    covenant: str | None = None,
    overwritten: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The register grouped per covenant and version (``covenant``: only that one), with the
    ids that someone tried to write again with another content (passed over, never used)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in sorted(register.values(), key=lambda e: (str(e.record["convenant_id"]), e.id)):
        r = entry.record
        if covenant is not None and r["convenant_id"] != covenant:
            continue
        group = groups.setdefault(
            (str(r["convenant_id"]), str(r["convenant_versie"])),
            {
                "convenant": r["convenant_id"],
                "versie": r["convenant_versie"],
                "titel": r["convenant_titel"],
                "werkgebied": r["werkgebied"],
                "verwerkingen": [],
            },
        )
        group["verwerkingen"].append(
            {
                "verwerking": entry.id,
                "soort": KIND_WORDS[activity_kind(entry)],
                "regel": r["regel"],
                "artikel": r.get("artikel"),
                "omschrijving": r.get("omschrijving"),
                "doel": r["doel"],
                "doel_tekst": r["doel_tekst"],
                "grondslag": r["grondslag"],
                "grondslag_tekst": r["grondslag_tekst"],
                "bewaartermijn": r["bewaartermijn"],
                "signaaltype": r["signaaltype"],
                "bronnen": list(r["bronnen"]),
                "voorwaarden": list(r["voorwaarden"]),
                "ontvangers": [
                    {
                        "partij": o["partij"],
                        "koppeldomein": o["koppeldomein"],
                        "behandelingen": dict(sorted(o["behandelingen"].items())),
                    }
                    for o in r["ontvangers"]
                ],
            }
        )
    return {
        "convenanten": [groups[k] for k in sorted(groups)],
        "overschreven_pogingen": dict(sorted((overwritten or {}).items())),
    }
