"""The covenant file format (YAML, Dutch keywords), as pydantic models."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"


class Behandeling(StrEnum):
    """How a field is treated on its way to a recipient."""

    DOORGEVEN = "doorgeven"
    WEGLATEN = "weglaten"
    PSEUDONIEM = "pseudoniem"
    GEBOORTEJAAR = "geboortejaar"
    LEEFTIJDSCATEGORIE = "leeftijdscategorie"
    PC4 = "pc4"
    GEMEENTE = "gemeente"
    VERSLEUTELD = "versleuteld"


#: Treatments this version can carry out; the others are refused by `convenant check`.
SUPPORTED_TREATMENTS = frozenset({Behandeling.DOORGEVEN, Behandeling.WEGLATEN})


class Geldigheid(BaseModel):
    """Validity period: from ``van`` (inclusive) until ``tot`` (exclusive, optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    van: dt.date
    tot: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Geldigheid:
        if self.tot is not None and self.tot <= self.van:
            raise ValueError("tot must lie after van")
        return self


class Kop(BaseModel):
    """The covenant's heading: identity, version, period, parties, purposes, legal bases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    titel: str = Field(min_length=1)
    versie: str = Field(min_length=1)
    geldig: Geldigheid
    partijen: tuple[str, ...] = Field(min_length=1)
    doelen: dict[str, str] = Field(min_length=1)
    grondslagen: dict[str, str] = Field(min_length=1)
    verwerkingsregister: str | None = Field(
        None, description="Base URI of the register of processing activities."
    )


class Regel(BaseModel):
    """One rule: which sources' signals of which type go to which recipients, which fields, why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    artikel: str | None = None
    omschrijving: str | None = None
    bronnen: tuple[str, ...] = Field(min_length=1)
    signaaltype: str
    ontvangers: tuple[str, ...] = Field(min_length=1)
    doel: str
    grondslag: str
    velden: dict[str, Behandeling] = Field(min_length=1)


class Convenant(BaseModel):
    """A whole covenant file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    convenant: Kop
    regels: tuple[Regel, ...] = Field(min_length=1)
