"""The annex's parts on re-identification, in Dutch: who may bring a reversible pseudonym back
to the BSN (``herleiders``), and which recipients may re-identify what this covenant protects
through what another covenant gives them readably (``herleidbaar_via``), and why."""

from __future__ import annotations

from pipeline.covenant.loader import LoadedCovenant
from pipeline.messages import combinations as combination_msg
from pipeline.officer.annex.accountability import Name, Part
from pipeline.privacy.keyring import unb64
from pipeline.privacy.reidentification import key_id


def herleiders(loaded: LoadedCovenant) -> Part:
    """Who may re-identify a reversible pseudonym, for whom, with which key."""
    kop = loaded.model.convenant
    rows = tuple((h.naam, h.namens, key_id(unb64(h.publieke_sleutel))) for h in kop.herleiders)
    if not rows:
        return Part(
            "Wie mag herleiden",
            (
                "Niemand: dit convenant noemt geen herleiders, dus geen herleidbaar pseudoniem "
                "wordt via ketenstroom teruggebracht tot het BSN.",
            ),
        )
    return Part(
        "Wie mag herleiden",
        (
            "Alleen deze personen mogen een herleidbaar pseudoniem (pseudoniem-herleidbaar) laten "
            "terugbrengen tot het BSN, alleen voor pseudoniemen die de partij namens wie zij "
            "handelen heeft ontvangen, en alleen met een verzoek dat zij met hun eigen sleutel "
            "ondertekenen, met een reden. Elke herleiding staat met het ondertekende verzoek in "
            "het verantwoordingslog.",
        ),
        ("herleider", "namens", "sleutel"),
        rows,
    )


def through_other_covenants(loaded: LoadedCovenant, name: Name, recipient: str | None) -> Part:
    """Who may re-identify what this covenant protects through another covenant, and why (only
    ``recipient``'s statements when the annex is for one recipient)."""
    kop = loaded.model.convenant
    rows = tuple(
        (name(s.ontvanger), s.convenant, " ".join(s.reden.split()))
        for s in kop.herleidbaar_via
        if recipient is None or s.ontvanger == recipient
    )
    title = combination_msg.statements_title().nl
    if not rows:
        return Part(title, (combination_msg.annex_no_statements(kop.id).nl,))
    headers = tuple(t.nl for t in combination_msg.annex_statements_headers())
    return Part(title, (combination_msg.annex_statements(kop.id).nl,), headers, rows)
