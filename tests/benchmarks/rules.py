"""The covenant grown to N rules, for (d): does routing cost grow with the number of rules?

The realistic way a covenant grows: more municipalities join, each receiving politie signals
only about its own municipality (a condition on ``slachtoffer.adres.gemeentecode``). The
benchmark's signals come from existing municipalities, so every signal yields the same views
under 10 rules as under 1,000; only the rules the router must consider grow. (The conditions
name real municipalities the synthetic signals never come from; there are only 342, so past
that several organisations share one municipality: `check` refuses a code that is no
municipality, in a condition as in an area.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.codec.schema_store import load_store
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenant_texts
from pipeline.covenant.policy import Policy
from pipeline.places.municipalities import municipalities
from pipeline.privacy.keyring import Keyring
from pipeline.registry import Deelnemer, Registry, load_registry
from pipeline.synthetic.generator import GEMEENTEN

ROOT = Path(__file__).resolve().parents[2]
COVENANT = "midden-nederland.yaml"


def _municipality(n: int) -> str:
    return f"gemeente-b{n:04d}"


#: CBS codes no synthetic signal carries: a rule on one of them never renders for them.
QUIET_CODES = tuple(sorted(set(municipalities()) - set(GEMEENTEN)))


def quiet_code(n: int) -> str:
    """The municipality code of synthetic rule ``n`` (several rules share one past 333)."""
    return QUIET_CODES[n % len(QUIET_CODES)]


def _rule(n: int) -> dict[str, Any]:
    return {
        "id": f"RG{n:04d}",
        "omschrijving": "Een aangesloten gemeente ontvangt signalen over haar eigen gemeente.",
        "bronnen": ["politie"],
        "signaaltype": "Signaal",
        "ontvangers": [_municipality(n)],
        "doel": "bestuurlijk",
        "grondslag": "wgs",
        "bewaartermijn": "P1Y",
        "voorwaarden": [{"veld": "slachtoffer.adres.gemeentecode", "is": quiet_code(n)}],
        "velden": {
            "uitbuitingsvorm": "doorgeven",
            "sector": "doorgeven",
            "indicatoren": "doorgeven",
            "slachtoffer.adres.gemeentecode": "doorgeven",
            "minderjarig": "doorgeven",
        },
    }


def scaled_policy(rules: int, keyring: Keyring, convenanten: Path = ROOT / "convenanten") -> Policy:
    """The shipped covenant plus municipality rules up to ``rules`` rules in all."""
    covenant = yaml.safe_load((convenanten / COVENANT).read_text(encoding="utf-8"))
    extra = rules - len(covenant["regels"])
    if extra < 0:
        raise ValueError(f"the shipped covenant has {len(covenant['regels'])} rules already")
    covenant["convenant"]["partijen"] += [_municipality(n) for n in range(extra)]
    # the rules' municipalities lie all over the country: so does the grown covenant
    covenant["convenant"]["werkgebied"] = "landelijk"
    covenant["regels"] += [_rule(n) for n in range(extra)]
    base = load_registry(convenanten)
    registry = Registry(
        deelnemers=base.deelnemers
        + tuple(
            Deelnemer(id=_municipality(n), naam=f"Gemeente {n}", soort="gemeente", publiceert=False)
            for n in range(extra)
        )
    )
    texts = {COVENANT: yaml.safe_dump(covenant, allow_unicode=True, sort_keys=False)}
    store = load_store(ROOT / "schemas")
    return compile_policy(load_covenant_texts(texts, "bench"), registry, store, keyring)
