"""What `convenant check` says about the partner registry (deelnemers.yaml)."""

from __future__ import annotations

from pipeline.language import Text


def duplicate_partner(partner_id: str, first_line: int) -> Text:
    """A partner id that appears twice."""
    return Text(
        f"deelnemer-id {partner_id!r} staat twee keer in het register (eerst op regel "
        f"{first_line}); elke deelnemer staat er één keer in: haal deze weg of geef haar een "
        "andere id",
        f"partner id {partner_id!r} appears twice (first on line {first_line})",
    )


def reserved_partner(partner_id: str, prefix: str) -> Text:
    """A partner id that starts like the pipeline's own Kafka users."""
    return Text(
        f"deelnemer-id {partner_id!r} begint met {prefix!r}; zo heten de eigen onderdelen van "
        "de pijplijn. Kies een andere id, bijvoorbeeld naar de naam van de organisatie",
        f"partner id {partner_id!r}: ids starting with {prefix!r} name the pipeline's own "
        "Kafka users",
    )


def no_partners() -> Text:
    """deelnemers.yaml has no list of partners."""
    return Text(
        "het register noemt geen deelnemers: zet onder `deelnemers:` elke partner met `- id:`, "
        "`naam:` en `soort:`",
        "the registry lists no partners under `deelnemers:`",
    )
