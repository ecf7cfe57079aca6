"""Names of CBS municipality codes (GM....), for the annex: a code alone means nothing to a
reader. A stop-gap: the codes of the shipped and tested covenants only, each checked against
CBS's list of municipalities (2024). Replace ``NAMES`` with the full CBS list once it is in the
repository as data; a code not in it is shown without a name, never with a guessed one."""

from __future__ import annotations

NAMES: dict[str, str] = {
    "GM0014": "Groningen",
    "GM0307": "Amersfoort",
    "GM0308": "Baarn",
    "GM0310": "De Bilt",
    "GM0312": "Bunnik",
    "GM0313": "Bunschoten",
    "GM0317": "Eemnes",
    "GM0321": "Houten",
    "GM0327": "Leusden",
    "GM0331": "Lopik",
    "GM0335": "Montfoort",
    "GM0339": "Renswoude",
    "GM0340": "Rhenen",
    "GM0342": "Soest",
    "GM0344": "Utrecht",
    "GM0345": "Veenendaal",
    "GM0351": "Woudenberg",
    "GM0352": "Wijk bij Duurstede",
    "GM0353": "IJsselstein",
    "GM0355": "Zeist",
    "GM0356": "Nieuwegein",
    "GM0589": "Oudewater",
    "GM0632": "Woerden",
    "GM0687": "Middelburg",
    "GM0736": "De Ronde Venen",
    "GM0748": "Bergen op Zoom",
    "GM0758": "Breda",
    "GM0826": "Oosterhout",
    "GM0840": "Rucphen",
    "GM1581": "Utrechtse Heuvelrug",
    "GM1904": "Stichtse Vecht",
    "GM1961": "Vijfheerenlanden",
}


def municipality(code: str) -> str:
    """``Utrecht (GM0344)``, or the code alone when its name is not known here."""
    name = NAMES.get(code)
    return f"{name} ({code})" if name else code
