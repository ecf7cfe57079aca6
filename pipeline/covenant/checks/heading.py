"""Checks of the heading's accountability elements: legal bases under the AVG (art. 6 ground,
art. 9 exception, art. 10 basis, or another law), controllers, data subject rights, security.
Contradictions are errors; what is missing for the annex is a warning (the routing does not
depend on it)."""

from __future__ import annotations

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Categorie
from pipeline.covenant.obligations import Kader, Verhouding
from pipeline.language import Text, join
from pipeline.messages import covenant as covenant_msg
from pipeline.messages import heading as msg
from pipeline.registry import Registry
from pipeline.yaml_files.structure import suggestion


def _at(loaded: LoadedCovenant, loc: tuple[str | int, ...], text: Text) -> str:
    return f"{loaded.source.where(('convenant', *loc))}: {text}"


def heading_problems(loaded: LoadedCovenant, registry: Registry) -> list[str]:
    """Contradictions in the accountability elements, each at its line."""
    kop = loaded.model.convenant
    found = []
    real = [p for p in kop.partijen if registry.get(p) is not None]
    parties = [
        (("verwerkingsverantwoordelijken", "contactpunt"), "contactpunt",
         kop.verwerkingsverantwoordelijken.contactpunt if kop.verwerkingsverantwoordelijken
         else None),
        (("rechten_betrokkenen", "loket"), "loket",
         kop.rechten_betrokkenen.loket if kop.rechten_betrokkenen else None),
    ]  # fmt: skip
    for loc, key, party in parties:
        if party is not None and party not in kop.partijen:
            hint = covenant_msg.did_you_mean(suggestion(party, real))
            found.append(_at(loaded, loc, msg.not_a_party_here(key, party, hint)))
    controllers = kop.verwerkingsverantwoordelijken
    if (
        controllers is not None
        and controllers.verhouding is Verhouding.GEZAMENLIJK
        and controllers.regeling is None
    ):
        found.append(
            _at(
                loaded,
                ("verwerkingsverantwoordelijken", "verhouding"),
                msg.joint_without_arrangement(),
            )
        )
    for name, basis in kop.grondslagen.items():
        if basis.kader is Kader.AVG:
            continue
        for key in ("avg_6", "avg_9", "avg_10"):
            if getattr(basis, key) is not None:
                text = msg.avg_outside_avg(name, basis.kader.value, key)
                found.append(_at(loaded, ("grondslagen", name, key), text))
    return found


def heading_warnings(covenants: list[LoadedCovenant]) -> list[str]:
    """What the annex needs and the heading does not say: the AVG grounds of each basis under
    the AVG, and the controllers, data subject rights and security measures."""
    found = []
    for loaded in covenants:
        kop = loaded.model.convenant
        for name, basis in kop.grondslagen.items():
            if basis.kader is not Kader.AVG:
                continue
            missing = [
                text
                for absent, text in (
                    (basis.avg_6 is None, msg.no_avg_6(name)),
                    (
                        Categorie.BIJZONDER in basis.staat_toe and basis.avg_9 is None,
                        msg.no_avg_9(name),
                    ),
                    (
                        Categorie.STRAFRECHTELIJK in basis.staat_toe and basis.avg_10 is None,
                        msg.no_avg_10(name),
                    ),
                )
                if absent
            ]
            if missing:  # one warning per basis, saying all that is missing
                found.append(_at(loaded, ("grondslagen", name), join(missing, ". Ook: ")))
        absent = [
            str(msg.ELEMENT_WORDS[key])
            for key in ("verwerkingsverantwoordelijken", "rechten_betrokkenen", "beveiliging")
            if getattr(kop, key) is None
        ]
        if absent:
            found.append(_at(loaded, ("id",), msg.missing_elements(absent)))
    return found
