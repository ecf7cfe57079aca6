"""Faker (nl_NL) signals: valid BSNs, Dutch names, addresses and municipalities."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from faker import Faker

#: Municipalities of the Utrecht region (the example covenant's area) ...
REGIO_UTRECHT = ("GM0344", "GM0307", "GM0355", "GM0356", "GM0345", "GM0353")
#: ... and elsewhere (Amsterdam, Rotterdam, Breda): no Midden-Nederland party receives these.
ELDERS = ("GM0363", "GM0599", "GM0758")
GEMEENTEN = REGIO_UTRECHT + ELDERS
NATIONALITEITEN = ("NLD", "ROU", "BGR", "POL", "NGA", "UKR", "CHN", "VNM", "HUN", "ERI", None)
SECTOREN = (
    "land- en tuinbouw",
    "horeca",
    "schoonmaak",
    "bouw",
    "logistiek",
    "prostitutie",
    "nagelstudio",
    "distributiecentra",
    "huishoudelijk werk",
)

#: (source, signal type, weight): what the demo partners publish, and how often. Follow-ups
#: that refer to an earlier event (a Statusupdate, a Verwijzing about a signal) come from
#: ``SignalFactory.follow_up``, once the events they refer to exist.
DEFAULT_MIX: tuple[tuple[str, str, int], ...] = (
    ("politie", "Signaal", 40),
    ("nla", "Signaal", 10),
    ("nla", "Controle", 15),
    ("comensha", "Signaal", 10),
    ("comensha", "Verwijzing", 10),
    ("gemeente-utrecht", "Signaal", 10),
)


@dataclass(frozen=True)
class SyntheticSignal:
    """A document as a partner system would publish it."""

    source: str
    event_type: str
    document: dict[str, Any]


class SignalFactory:
    """Deterministic for a seed: the same seed gives the same stream."""

    def __init__(self, seed: int = 2024, now: dt.datetime | None = None) -> None:
        self.fake = Faker("nl_NL")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.now = now or dt.datetime.now(dt.UTC)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _envelope(self, event_type: str, source: str) -> dict[str, Any]:
        occurred = self.now - dt.timedelta(minutes=self.rng.randint(10, 60 * 24 * 60))
        recorded = occurred + dt.timedelta(minutes=self.rng.randint(0, 600))
        recorded = min(recorded, self.now)
        return {
            "event_id": self._uuid(),
            "event_type": event_type,
            "source": source,
            "occurred_at": occurred.isoformat(),
            "recorded_at": recorded.isoformat(),
            "trace_id": f"{self.rng.getrandbits(128) | 1:032x}",
            "span_id": f"{self.rng.getrandbits(64) | 1:016x}",
        }

    def person(self) -> dict[str, Any]:
        """A possible victim with a valid BSN (sometimes unknown), name, birth date and address."""
        f = self.fake
        born = f.date_of_birth(minimum_age=15, maximum_age=55)
        return {
            "bsn": f.ssn() if self.rng.random() < 0.7 else None,
            "voornamen": f.first_name(),
            "achternaam": f.last_name(),
            "geboortedatum": born.isoformat(),
            "geslacht": self.rng.choice(["MAN", "VROUW", "VROUW", "ANDERS", "ONBEKEND"]),
            "nationaliteit": self.rng.choice(NATIONALITEITEN),
            "adres": {
                "straat": f.street_name(),
                "huisnummer": f.building_number(),
                "postcode": f.postcode(),
                "woonplaats": f.city(),
                "gemeentecode": self._gemeente(),
            },
        }

    def _gemeente(self) -> str:
        """Mostly the Utrecht region, sometimes elsewhere in the country."""
        return self.rng.choice(REGIO_UTRECHT if self.rng.random() < 0.85 else ELDERS)

    def signaal(self, source: str) -> dict[str, Any]:
        melder = {
            "politie": "POLITIE",
            "nla": "NLA",
            "kmar": "KMAR",
            "gemeente-utrecht": "GEMEENTE",
            "comensha": "OVERIG",
            "fairwork": "FAIRWORK",
        }.get(source, "OVERIG")
        indicators = [
            "GEEN_EIGEN_WOONRUIMTE",
            "LANGE_WERKDAGEN",
            "ONDERBETALING",
            "GEEN_TOEGANG_PASPOORT",
            "SCHULD_AAN_WERKGEVER",
            "WONEN_OP_WERKPLEK",
            "BEDREIGING",
        ]
        return {
            "envelope": self._envelope("Signaal", source),
            "melder_type": melder,
            "uitbuitingsvorm": self.rng.choice(
                ["SEKSUEEL", "ARBEID", "ARBEID", "CRIMINEEL", "ONBEKEND"]
            ),
            "sector": self.rng.choice(SECTOREN),
            "indicatoren": self.rng.sample(indicators, self.rng.randint(1, 4)),
            "slachtoffer": self.person(),
            "politie_eenheid": "MIDDEN_NEDERLAND" if source == "politie" else None,
            "urgent": self.rng.random() < 0.15,
            "toestemming_ref": None,
            "omschrijving": self.fake.sentence(nb_words=12),
        }

    def verwijzing(self, source: str, signaal_ref: str | None = None) -> dict[str, Any]:
        """A referral; ``signaal_ref``: the signal it is about (own event id or a reference)."""
        return {
            "envelope": self._envelope("Verwijzing", source),
            "verwijzing_id": f"VW-{self.rng.randint(100000, 999999)}",
            "signaal_ref": signaal_ref,
            "van": source,
            "naar": "zorgcoordinatie-utrecht",
            "dossiertype": self.rng.choice(
                ["REGISTRATIE", "REGISTRATIE_OPVANG", "REGISTRATIE_INFO_ADVIES"]
            ),
            "opvang_gevraagd": self.rng.random() < 0.5,
            "bedenktijd_gevraagd": self.rng.random() < 0.3,
            "toestemming_ref": f"TS-{self.rng.randint(1000, 9999)}",
            "slachtoffer": self.person(),
        }

    def controle(self, source: str) -> dict[str, Any]:
        envelope = self._envelope("Controle", source)
        return {
            "envelope": envelope,
            "inspectie_id": f"NLA-{self.rng.randint(10000, 99999)}",
            "datum": envelope["occurred_at"][:10],
            "gemeentecode": self._gemeente(),
            "sector": self.rng.choice(SECTOREN),
            "kvk_nummer": self.fake.bothify("########"),
            "bevindingen": self.rng.sample(
                [
                    "ILLEGALE_TEWERKSTELLING",
                    "BOVENMATIGE_WERKTIJDEN",
                    "ONDERBETALING",
                    "SCHIJNCONSTRUCTIE",
                    "UITBUITING",
                ],
                self.rng.randint(1, 3),
            ),
            "aangetroffen_werkenden": self.rng.randint(1, 40),
            "mogelijke_slachtoffers": self.rng.randint(0, 5),
            "gekoppelde_signalen": [],
        }

    def statusupdate(self, source: str, ref_id: str | None = None) -> dict[str, Any]:
        """A status update about ``ref_id`` (an own event id or a received reference)."""
        return {
            "envelope": self._envelope("Statusupdate", source),
            "ref_id": ref_id or self._uuid(),
            "status": self.rng.choice(
                ["ONTVANGEN", "BEOORDEELD", "OPSPORINGSONDERZOEK", "AFGESLOTEN"]
            ),
            "reden": None,
            "bewaren_tot": None,
        }

    def make(self, source: str, event_type: str) -> SyntheticSignal:
        """One document of ``event_type`` from ``source``."""
        build = {
            "Signaal": self.signaal,
            "Verwijzing": self.verwijzing,
            "Controle": self.controle,
            "Statusupdate": self.statusupdate,
        }[event_type]
        return SyntheticSignal(source, event_type, build(source))

    def follow_up(self, source: str, event_type: str, ref: str) -> SyntheticSignal:
        """A Statusupdate or Verwijzing from ``source`` about the earlier event ``ref``: an event
        id ``source`` published itself, or the reference it received for another's event."""
        if event_type == "Statusupdate":
            return SyntheticSignal(source, event_type, self.statusupdate(source, ref))
        return SyntheticSignal(source, event_type, self.verwijzing(source, ref))

    def stream(
        self, count: int, mix: tuple[tuple[str, str, int], ...] = DEFAULT_MIX
    ) -> Iterator[SyntheticSignal]:
        """``count`` documents drawn from the weighted ``mix`` of sources and types."""
        kinds = [(s, t) for s, t, _ in mix]
        weights = [w for _, _, w in mix]
        for _ in range(count):
            source, event_type = self.rng.choices(kinds, weights)[0]
            yield self.make(source, event_type)
