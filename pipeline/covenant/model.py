"""The covenant file format (YAML, Dutch keywords), as pydantic models."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipeline.covenant.obligations import (
    Beveiligingsafspraken,
    Kader,
    RechtenBetrokkenen,
    Verantwoordelijken,
)
from pipeline.disclosure_control.control import MINIMUM_THRESHOLD, Nullen
from pipeline.messages import combinations as combination_msg
from pipeline.messages import covenant as covenant_msg
from pipeline.places.municipalities import closest
from pipeline.privacy.keyring import unb64
from pipeline.statistics.dimensions import Dimensie
from pipeline.statistics.periods import Periodesoort

_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
#: ISO 8601 duration in years, months, weeks and days (e.g. P5Y, P18M, P6M2W).
ISO_DURATION = r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$"


class Categorie(StrEnum):
    """Categories of personal data that need a legal basis allowing them (AVG art. 9 and 10)."""

    BIJZONDER = "bijzonder"
    STRAFRECHTELIJK = "strafrechtelijk"


#: Avro field property that marks a field's data categories, e.g. ``["bijzonder"]``.
CATEGORY_PROPERTY = "gegevenscategorie"


class Behandeling(StrEnum):
    """How a field is treated on its way to a recipient."""

    DOORGEVEN = "doorgeven"
    WEGLATEN = "weglaten"
    PSEUDONIEM = "pseudoniem"
    PSEUDONIEM_HERLEIDBAAR = "pseudoniem-herleidbaar"
    GEBOORTEJAAR = "geboortejaar"
    LEEFTIJDSCATEGORIE = "leeftijdscategorie"
    PC4 = "pc4"
    GEMEENTE = "gemeente"
    VERSLEUTELD = "versleuteld"
    DATUM = "datum"


class Geldigheid(BaseModel):
    """Validity period: from ``van`` (inclusive) until ``tot`` (exclusive, optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    van: dt.date
    tot: dt.date | None = None

    @field_validator("tot")
    @classmethod
    def _ordered(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        # a field check, not a model check: the mistake is reported at the `tot` value
        start = info.data.get("van")
        if value is not None and isinstance(start, dt.date) and value <= start:
            raise ValueError(str(covenant_msg.period_order()))
        return value


_GEMEENTECODE = r"^GM[0-9]{4}$"


class Werkgebied(BaseModel):
    """The area a covenant covers: CBS municipality codes and/or police units.

    A signal is in the area when its municipality (``gemeentecode``) is one of ``gemeenten``;
    for a signal without a municipality, when its police unit is one of ``politie_eenheden``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    gemeenten: tuple[str, ...] = ()
    politie_eenheden: tuple[str, ...] = ()

    @field_validator("gemeenten")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [v for v in value if not re.fullmatch(_GEMEENTECODE, v)]
        if wrong:
            guess = closest(str(wrong[0]))
            hint = covenant_msg.did_you_mean(f"{guess.code} ({guess.name})" if guess else None)
            raise ValueError(str(covenant_msg.not_a_municipality_code(wrong[0], hint)))
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Werkgebied:
        if not self.gemeenten and not self.politie_eenheden:
            raise ValueError(str(covenant_msg.empty_area()))
        return self


LANDELIJK = "landelijk"


class Koppeldomein(BaseModel):
    """Parties that share pseudonyms and event references (a linkage domain of one covenant).

    ``herleidbaar_door``: members that also receive an identifier readably and so can
    re-identify the others' pseudonyms; allowed only when named here, each with its reason.

    A domain of one party is allowed: it gives that party pseudonyms and references of its own
    under a new name, unrelated to those it received under its default domain
    (``<covenant>/<party>``): the way to make a withdrawn name not recognisable through the
    pseudonyms it was received beside (pipeline.officer.comparison.recognition).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    partijen: tuple[str, ...] = Field(min_length=1)
    herleidbaar_door: dict[str, str] = Field(default_factory=dict)

    @field_validator("herleidbaar_door")
    @classmethod
    def _reasons(cls, value: dict[str, str]) -> dict[str, str]:
        for party, reason in value.items():
            if len(str(reason).strip()) < 20:
                raise ValueError(str(covenant_msg.reidentification_reason(party)))
        return value


class HerleidbaarVia(BaseModel):
    """A recipient that may re-identify what this covenant protects (a pseudonym or a
    generalisation of a person) through another covenant that gives it the person's identity
    (BSN or name); allowed only when named here, with the other covenant and the reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ontvanger: str
    convenant: str
    reden: str

    @field_validator("reden")
    @classmethod
    def _reason(cls, value: str) -> str:
        if len(value.strip()) < 20:
            raise ValueError(str(combination_msg.reason_too_short()))
        return value


class Herleider(BaseModel):
    """A person who may re-identify a reversible pseudonym, for one party of the covenant.

    ``publieke_sleutel`` is the raw Ed25519 public key (base64url, from ``ketenstroom keys
    herleider``): a re-identification request must be signed with its private half.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    naam: str = Field(min_length=3)
    namens: str
    publieke_sleutel: str

    @field_validator("publieke_sleutel")
    @classmethod
    def _ed25519(cls, value: str) -> str:
        try:
            raw = unb64(value)
        except ValueError:  # binascii.Error is one
            raw = b""
        if len(raw) != 32:
            raise ValueError(str(covenant_msg.not_a_public_key()))
        return value


class Grondslag(BaseModel):
    """A legal basis: its description, which special data categories it allows, and (for the
    annex) the law it falls under with its AVG art. 6 ground, art. 9 exception and art. 10
    basis (``pipeline.covenant.obligations``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    omschrijving: str = Field(min_length=1)
    staat_toe: tuple[Categorie, ...] = ()
    kader: Kader = Kader.AVG
    avg_6: Literal["a", "b", "c", "d", "e", "f"] | None = None
    avg_9: Literal["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] | None = None
    avg_10: str | None = Field(None, min_length=5)


class Voorwaarde(BaseModel):
    """A declarative condition on one field; all conditions of a rule must hold.

    Exactly one test: ``is`` (equals; for a list: contains), ``in`` (one of; for a list: any of),
    ``vanaf``/``tot`` (range, ``tot`` exclusive), or ``minderjarig`` (a birth date field: minor or
    not at event time; an unknown birth date satisfies neither).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    veld: str
    is_: Any = Field(None, alias="is")
    in_: tuple[Any, ...] | None = Field(None, alias="in", min_length=1)
    vanaf: int | float | dt.date | None = None
    tot: int | float | dt.date | None = None
    minderjarig: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Voorwaarde:
        tests = [
            "is_" in self.model_fields_set,
            self.in_ is not None,
            self.vanaf is not None or self.tot is not None,
            self.minderjarig is not None,
        ]
        if sum(tests) != 1:
            raise ValueError(str(covenant_msg.one_test(self.veld)))
        return self

    def describe(self) -> str:
        """The condition in one short line, for explain and diff."""
        if "is_" in self.model_fields_set:
            return f"{self.veld} is {self.is_}"
        if self.in_ is not None:
            return f"{self.veld} in {', '.join(map(str, self.in_))}"
        if self.minderjarig is not None:
            return f"{self.veld}: {'minderjarig' if self.minderjarig else 'meerderjarig'}"
        bounds = [
            f">= {self.vanaf}" if self.vanaf is not None else "",
            f"< {self.tot}" if self.tot is not None else "",
        ]
        return f"{self.veld} {' and '.join(b for b in bounds if b)}"


class Kop(BaseModel):
    """The covenant's heading: identity, version, period, parties, purposes, legal bases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    titel: str = Field(min_length=1)
    versie: str = Field(min_length=1)
    geldig: Geldigheid
    werkgebied: Werkgebied | Literal["landelijk"] = Field(
        description="The area the covenant covers, or `landelijk` for the whole country."
    )
    partijen: tuple[str, ...] = Field(min_length=1)
    doelen: dict[str, str] = Field(min_length=1)
    grondslagen: dict[str, Grondslag] = Field(min_length=1)
    koppeldomeinen: dict[str, Koppeldomein] = Field(
        default_factory=dict,
        description="Named linkage domains: parties that share pseudonyms. Default: each recipient alone.",
    )
    verwerkingsregister: str | None = Field(
        None, description="Base URI of the register of processing activities."
    )
    herleiders: tuple[Herleider, ...] = Field(
        (),
        description="Who may re-identify a reversible pseudonym of this covenant's domains, "
        "each with the party they act for and their public key.",
    )
    verwerkingsverantwoordelijken: Verantwoordelijken | None = None
    rechten_betrokkenen: RechtenBetrokkenen | None = None
    beveiliging: Beveiligingsafspraken | None = None
    herleidbaar_via: tuple[HerleidbaarVia, ...] = Field(
        (),
        description="Recipients that may re-identify what this covenant protects through "
        "another covenant that gives them the identity, each with that covenant and the reason.",
    )

    @field_validator("grondslagen", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        """``wgs: Wet ...`` is short for ``wgs: {omschrijving: Wet ...}``."""
        if isinstance(value, dict):
            return {k: {"omschrijving": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("koppeldomeinen", mode="before")
    @classmethod
    def _domain_short_form(cls, value: Any) -> Any:
        """``zorgketen: [a, b]`` is short for ``zorgketen: {partijen: [a, b]}``."""
        if isinstance(value, dict):
            return {k: {"partijen": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    @property
    def landelijk(self) -> bool:
        """True when the covenant covers the whole country."""
        return self.werkgebied == LANDELIJK


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
    bewaartermijn: str = Field(pattern=ISO_DURATION, description="ISO 8601 duration, e.g. P5Y.")
    voorwaarden: tuple[Voorwaarde, ...] = ()
    ook_zonder_locatie: bool = Field(
        False,
        description="Under a covenant with an area: also disclose signals whose location is unknown.",
    )
    velden: dict[str, Behandeling] = Field(min_length=1)

    @field_validator("bewaartermijn")
    @classmethod
    def _not_empty_duration(cls, value: str) -> str:
        if value == "P":
            raise ValueError(str(covenant_msg.empty_duration()))
        return value


class Beveiliging(BaseModel):
    """Statistical disclosure control of a statistics rule's tables (docs/statistiek.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drempel: int = Field(
        MINIMUM_THRESHOLD, description="Cells below this count are never published."
    )
    bescherming: int | None = Field(
        None,
        ge=1,
        description="Narrowest range a suppressed cell may be narrowed down to (default: drempel).",
    )
    nullen: Nullen = Nullen.ONDERDRUKKEN
    afronden: int | None = Field(
        None, ge=2, description="Round published counts to a multiple of this number."
    )

    @model_validator(mode="after")
    def _sound(self) -> Beveiliging:
        if self.drempel < MINIMUM_THRESHOLD:
            raise ValueError(
                f"drempel {self.drempel} is te laag: cellen onder {MINIMUM_THRESHOLD} worden "
                f"nooit gepubliceerd; een convenant mag de drempel alleen verhogen"
            )
        if self.afronden is not None and self.drempel % self.afronden:
            raise ValueError(
                f"afronden op {self.afronden} past niet bij drempel {self.drempel}: kies een getal "
                "waardoor de drempel deelbaar is (bijv. 5 bij drempel 10), anders kan een "
                "afgerond aantal onder de drempel uitkomen"
            )
        return self

    @property
    def protection(self) -> int:
        """The protection level in force (bescherming, else drempel)."""
        return self.bescherming or self.drempel


class Statistiekregel(BaseModel):
    """A rule of kind statistiek: a recipient gets counts per period, never a record or field.

    ``tabellen`` lists the tables (each the dimensions it crosses, with margins); ``dimensies``
    is short for one table. ``indeling`` gives the categories of open text dimensions (sector,
    nationaliteit, gemeente); every other value counts as OVERIG.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    soort: Literal["statistiek"] = "statistiek"
    artikel: str | None = None
    omschrijving: str | None = None
    bronnen: tuple[str, ...] = Field(min_length=1)
    signaaltypen: tuple[str, ...] = Field(min_length=1)
    ontvangers: tuple[str, ...] = Field(min_length=1)
    doel: str
    grondslag: str
    periode: Periodesoort
    tabellen: tuple[tuple[Dimensie, ...], ...] = Field(min_length=1)
    indeling: dict[Dimensie, tuple[str, ...]] = Field(default_factory=dict)
    beveiliging: Beveiliging = Field(default_factory=Beveiliging)
    ook_zonder_locatie: bool = Field(
        False,
        description="Under a covenant with an area: also count signals whose location is unknown.",
    )

    @model_validator(mode="before")
    @classmethod
    def _counts_only(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        if "velden" in value:
            raise ValueError(
                "een statistiekregel geeft geen velden door, alleen aantallen per cel: haal "
                "`velden` weg en noem de dimensies onder `tabellen` (of `dimensies`)"
            )
        if "dimensies" in value:
            if "tabellen" in value:
                raise ValueError("noem `dimensies` (één tabel) of `tabellen`, niet allebei")
            dimensions = value["dimensies"]
            value = {k: v for k, v in value.items() if k != "dimensies"}
            value["tabellen"] = [dimensions]
        return value

    @field_validator("tabellen")
    @classmethod
    def _tables(cls, value: tuple[tuple[Dimensie, ...], ...]) -> tuple[tuple[Dimensie, ...], ...]:
        for table in value:
            if not table:
                raise ValueError("een tabel noemt minstens één dimensie")
            if len(set(table)) != len(table):
                raise ValueError(f"tabel {', '.join(table)} noemt een dimensie twee keer")
        return value

    @property
    def dimensions(self) -> tuple[Dimensie, ...]:
        """Every dimension any table uses, in order of appearance."""
        return tuple(dict.fromkeys(d for table in self.tabellen for d in table))


class Convenant(BaseModel):
    """A whole covenant file: record rules (``regels``) and statistics rules (``statistieken``).

    Statistics rules are kept apart from record rules, so no code that turns record rules into
    views can ever mistake one for the other.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    convenant: Kop
    regels: tuple[Regel, ...] = ()
    statistieken: tuple[Statistiekregel, ...] = ()

    @model_validator(mode="after")
    def _some_rule(self) -> Convenant:
        if not self.regels and not self.statistieken:
            raise ValueError("noem minstens één regel onder `regels` of `statistieken`")
        return self
