"""The partner registry (convenanten/deelnemers.yaml): who takes part, and their topics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline import topics
from pipeline.messages import covenant as covenant_msg
from pipeline.messages import registry as registry_msg
from pipeline.yaml_files.source import (
    YamlSource,
    read_yaml,
    read_yaml_lenient,
    structure_problems,
    validate_model,
)

REGISTRY_FILE = "deelnemers.yaml"
#: A partner id: it names Kafka topics and users, so lowercase letters, digits and hyphens.
PARTNER_ID = r"^[a-z][a-z0-9-]{1,62}$"
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

    id: str = Field(pattern=PARTNER_ID)
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
        ids = [p.id for p in self.deelnemers]
        for index, partner_id in enumerate(ids):
            if partner_id.startswith(RESERVED_PREFIX):
                raise ValueError(str(registry_msg.reserved_partner(partner_id, RESERVED_PREFIX)))
            if partner_id in ids[:index]:
                raise ValueError(
                    str(registry_msg.duplicate_partner(partner_id, ids.index(partner_id) + 1))
                )
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


@dataclass(frozen=True)
class RegistryReading:
    """The registry as far as it could be read, and every problem in it (file:line:column)."""

    registry: Registry
    problems: list[str]


def _describe(data: Any, loc: tuple[str | int, ...]) -> Any:
    """A location by its partner (``deelnemer gemeente-breda``), not ``deelnemers.3``."""
    if len(loc) >= 2 and loc[0] == "deelnemers" and isinstance(loc[1], int):
        items = data.get("deelnemers") if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        partner_id = item.get("id") if isinstance(item, dict) else None
        return covenant_msg.in_partner(str(partner_id) if partner_id else None, loc[1] + 1)
    return None


def read_registry(convenanten_dir: Path) -> RegistryReading:
    """Read ``deelnemers.yaml`` for `convenant check`: every mistake at once, with the partners
    that could be read (a partner with a mistake in its name or kind still counts as known, so
    the covenants are not checked against a registry that lost her)."""
    source = read_yaml_lenient(convenanten_dir / REGISTRY_FILE)
    problems = list(source.problems)
    items = source.data.get("deelnemers") if isinstance(source.data, dict) else None
    if not isinstance(items, list) or not items:
        if not problems:
            problems.append(f"{source.where(('deelnemers',))}: {registry_msg.no_partners()}")
        return RegistryReading(Registry.model_construct(deelnemers=()), problems)
    try:
        Registry.model_validate(source.data)
    except ValidationError as exc:
        # the registry-wide errors (duplicates) are said below, each at its own line
        problems += structure_problems(source, Registry, exc, _describe, values_only=True)
    problems += _id_problems(source, items)
    return RegistryReading(Registry.model_construct(deelnemers=_readable(items)), problems)


def _id_problems(source: YamlSource, items: list[Any]) -> list[str]:
    """Reserved and duplicate ids, each at its own line."""
    problems = []
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        partner_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(partner_id, str):
            continue
        where = source.where(("deelnemers", index, "id"))
        if partner_id.startswith(RESERVED_PREFIX):
            problems.append(f"{where}: {registry_msg.reserved_partner(partner_id, RESERVED_PREFIX)}")
        if partner_id in first:
            line = source.line(("deelnemers", first[partner_id], "id"))
            problems.append(f"{where}: {registry_msg.duplicate_partner(partner_id, line)}")
        else:
            first[partner_id] = index
    return problems


def _readable(items: list[Any]) -> tuple[Deelnemer, ...]:
    """Every partner whose id can be read, once; a bad name or kind does not hide her."""
    partners: dict[str, Deelnemer] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        if not re.fullmatch(PARTNER_ID, item["id"]) or item["id"] in partners:
            continue
        soort = item.get("soort")
        partners[item["id"]] = Deelnemer.model_construct(
            id=item["id"],
            naam=str(item.get("naam") or item["id"]),
            soort=Soort(soort) if soort in {s.value for s in Soort} else Soort.HULPVERLENING,
            publiceert=item.get("publiceert") is not False,
            ontvangt=item.get("ontvangt") is not False,
        )
    return tuple(partners.values())
