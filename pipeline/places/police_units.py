"""The police units (politie-eenheden) as the signals name them (the symbols of
``politie_eenheid`` in schemas/signalen/signaal.avsc) and as people say them: ten regional
units and the Landelijke Eenheid (Politiewet 2012, art. 25)."""

from __future__ import annotations

NAMES: dict[str, str] = {
    "NOORD_NEDERLAND": "Noord-Nederland",
    "OOST_NEDERLAND": "Oost-Nederland",
    "MIDDEN_NEDERLAND": "Midden-Nederland",
    "NOORD_HOLLAND": "Noord-Holland",
    "AMSTERDAM": "Amsterdam",
    "DEN_HAAG": "Den Haag",
    "ROTTERDAM": "Rotterdam",
    "ZEELAND_WEST_BRABANT": "Zeeland-West-Brabant",
    "OOST_BRABANT": "Oost-Brabant",
    "LIMBURG": "Limburg",
    "LANDELIJKE_EENHEID": "Landelijke Eenheid",
}


def unit_name(symbol: str) -> str:
    """``Midden-Nederland (MIDDEN_NEDERLAND)``: the plain name, and the word a covenant file
    uses; a symbol not known here stays as it is."""
    name = NAMES.get(symbol)
    return f"{name} ({symbol})" if name else symbol


def unit_label(symbol: str) -> str:
    """``politie-eenheid Midden-Nederland (MIDDEN_NEDERLAND)``."""
    return f"politie-eenheid {unit_name(symbol)}"
