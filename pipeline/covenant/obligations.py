"""What a covenant says about its accountability under the AVG, beyond who receives what: who
is controller and how (art. 26 or separately), where data subjects exercise their rights, and
the security measures the parties agreed. Read by `convenant explain` for the annex; nothing
here changes what the router discloses."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

#: AVG art. 6 lid 1: the grounds for a lawful processing, by their letter.
AVG_6 = {
    "a": "toestemming van de betrokkene",
    "b": "uitvoering van een overeenkomst",
    "c": "wettelijke verplichting",
    "d": "vitaal belang",
    "e": "taak van algemeen belang of openbaar gezag",
    "f": "gerechtvaardigd belang",
}
#: AVG art. 9 lid 2: the exceptions to the ban on special categories, by their letter.
AVG_9 = {
    "a": "uitdrukkelijke toestemming",
    "b": "arbeidsrecht, sociale zekerheid en sociale bescherming",
    "c": "vitaal belang",
    "d": "stichting of vereniging zonder winstoogmerk",
    "e": "door de betrokkene zelf openbaar gemaakt",
    "f": "rechtsvordering",
    "g": "zwaarwegend algemeen belang, op grond van een wet",
    "h": "gezondheidszorg en sociale diensten",
    "i": "volksgezondheid",
    "j": "archivering, wetenschappelijk of historisch onderzoek, statistiek",
}


class Kader(StrEnum):
    """The law a disclosure falls under: the AVG, or the police and justice regimes that
    implement Directive (EU) 2016/680, where the AVG does not apply."""

    AVG = "avg"
    WPG = "wpg"
    WJSG = "wjsg"


class Verhouding(StrEnum):
    """How the parties are controllers: each for its own part, or jointly (AVG art. 26)."""

    ZELFSTANDIG = "zelfstandig"
    GEZAMENLIJK = "gezamenlijk"


class Verantwoordelijken(BaseModel):
    """``verwerkingsverantwoordelijken``: who answers for the processing, and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verhouding: Verhouding
    toelichting: str | None = Field(None, min_length=20)
    regeling: str | None = Field(
        None,
        min_length=20,
        description="With `gezamenlijk`: the essence of the arrangement (AVG art. 26 lid 2).",
    )
    contactpunt: str | None = Field(
        None, description="With `gezamenlijk`: the party that is the data subjects' contact point."
    )
    verwerker: str | None = Field(
        None,
        min_length=10,
        description="Who runs ketenstroom for the parties, as processor (AVG art. 28).",
    )


class RechtenBetrokkenen(BaseModel):
    """``rechten_betrokkenen``: where a data subject exercises their rights (AVG art. 12-22)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    loket: str = Field(description="The party a data subject can turn to for every party.")
    contact: str = Field(min_length=5, description="How to reach it: address, web page.")
    beperkingen: str | None = Field(
        None, min_length=20, description="When a right may be restricted, and on what law."
    )


class Beveiligingsafspraken(BaseModel):
    """``beveiliging`` in the heading: the measures the parties agreed, in words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    normenkader: str | None = Field(None, min_length=2)
    maatregelen: tuple[str, ...] = Field(min_length=1)
    datalekken: str | None = Field(None, min_length=20)
