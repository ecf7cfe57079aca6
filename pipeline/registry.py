"""The partner registry (convenanten/deelnemers.yaml): who takes part, and their topics."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline import topics
from pipeline.yaml_files.source import read_yaml, validate_model

REGISTRY_FILE = "deelnemers.yaml"
#: Kafka user names of the pipeline's own roles start with this (pipeline/ops/acls.py).
RESERVED_PREFIX = "ketenstroom"


class Soort(StrEnum):
    """Kind of organisation; decides nothing by itself, but reads well in explain output."""

    POLITIE = "politie"
    KMAR = "kmar"
    NLA = "nla"
    OM = "om"
    IND = "ind"
    GEMEENTE = "gemeente"
    ZORGCOORDINATIE = "zorgcoordinatie"
    COMENSHA = "comensha"
    VEILIG_THUIS = "veilig-thuis"
    JEUGDZORG = "jeugdzorg"
    RIEC = "riec"
    HULPVERLENING = "hulpverlening"
    NATIONAAL_RAPPORTEUR = "nationaal-rapporteur"


class Deelnemer(BaseModel):
    """One partner organisation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,62}$")
    naam: str = Field(min_length=1)
    soort: Soort
    publiceert: bool = True
    ontvangt: bool = True


class Registry(BaseModel):
    """All partners; ids are unique."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deelnemers: tuple[Deelnemer, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> Registry:
        seen: set[str] = set()
        for partner in self.deelnemers:
            if partner.id.startswith(RESERVED_PREFIX):
                raise ValueError(
                    f"partner id {partner.id!r}: ids starting with {RESERVED_PREFIX!r} name the "
                    "pipeline's own Kafka users"
                )
            if partner.id in seen:
                raise ValueError(f"partner id {partner.id!r} appears twice")
            seen.add(partner.id)
        return self

    def get(self, partner_id: str) -> Deelnemer | None:
        """The partner with this id, or None."""
        return next((p for p in self.deelnemers if p.id == partner_id), None)

    @property
    def ids(self) -> list[str]:
        """All partner ids, in file order."""
        return [p.id for p in self.deelnemers]

    def inbound_topics(self) -> list[str]:
        """The inbound topic of every partner that publishes."""
        return [topics.inbound(p.id) for p in self.deelnemers if p.publiceert]

    def inbox_topics(self) -> list[str]:
        """The inbox of every partner that receives."""
        return [topics.inbox(p.id) for p in self.deelnemers if p.ontvangt]

    def all_topics(self) -> list[str]:
        """Every topic the pipeline needs, inbound, inboxes and its own."""
        own = [
            topics.DEAD_LETTER,
            topics.DISCLOSURE_LOG,
            topics.REGISTER,
            topics.SCHEMAS,
            topics.COVENANTS,
            topics.COVENANT_STATUS,
            topics.EVENT_IDS,
            topics.DLQ_REPLAYS,
            topics.STATISTICS_FACTS,
            topics.STATISTICS_PUBLICATIONS,
            topics.STATISTICS_CLAIMS,
        ]
        return self.inbound_topics() + self.inbox_topics() + own


def load_registry(convenanten_dir: Path) -> Registry:
    """Load and validate ``deelnemers.yaml``; errors name file, line and field."""
    return validate_model(read_yaml(convenanten_dir / REGISTRY_FILE), Registry)
