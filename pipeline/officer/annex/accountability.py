"""The annex's accountability sections, in Dutch: the parties with their role and what each
supplies and receives, the legal bases split into AVG art. 6, 9 and 10 (or the police and
justice law they fall under), data subject rights and where to exercise them, the security
measures in words, and a "wie ziet wat" matrix of recipients and kinds of data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling, Categorie, Grondslag
from pipeline.covenant.obligations import AVG_6, AVG_9, Kader, Verhouding
from pipeline.registry import Registry

NOT_LAID_DOWN = "niet vastgelegd in het convenant"
_KADER = {
    Kader.WPG: "Wet politiegegevens (Richtlijn (EU) 2016/680); de AVG is op deze verstrekking "
    "niet van toepassing",
    Kader.WJSG: "Wet justitiële en strafvorderlijke gegevens (Richtlijn (EU) 2016/680); de AVG "
    "is op deze verstrekking niet van toepassing",
}


@dataclass(frozen=True)
class Part:
    """A titled part: paragraphs and an optional table (headers, rows)."""

    title: str
    paragraphs: tuple[str, ...]
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


Name = Callable[[str], str]


def bases(loaded: LoadedCovenant) -> Part:
    """Each legal basis: the law it falls under, AVG art. 6 ground, art. 9 exception, art. 10."""
    rows = []
    for name, basis in loaded.model.convenant.grondslagen.items():
        special = Categorie.BIJZONDER in basis.staat_toe
        criminal = Categorie.STRAFRECHTELIJK in basis.staat_toe
        if basis.kader is not Kader.AVG:
            rows.append((name, basis.omschrijving, _KADER[basis.kader], _categories(basis)))
            continue
        six = (
            f"art. 6 lid 1 sub {basis.avg_6}: {AVG_6[basis.avg_6]}"
            if basis.avg_6
            else NOT_LAID_DOWN
        )
        parts = []
        if special:
            nine = f"sub {basis.avg_9}: {AVG_9[basis.avg_9]}" if basis.avg_9 else NOT_LAID_DOWN
            parts.append(f"bijzondere persoonsgegevens, art. 9 lid 2 {nine}")
        if criminal:
            parts.append(f"strafrechtelijke gegevens, art. 10: {basis.avg_10 or NOT_LAID_DOWN}")
        rows.append(
            (name, basis.omschrijving, six, "; ".join(parts) or "alleen gewone persoonsgegevens")
        )
    return Part(
        "Grondslagen: AVG art. 6, 9 en 10",
        (
            "Per grondslag: de wettelijke grond van de verwerking (AVG art. 6 lid 1), en welke "
            "bijzondere persoonsgegevens (met de uitzondering van art. 9 lid 2) en "
            "strafrechtelijke gegevens (met de wet die ze toestaat, art. 10) een regel onder "
            "deze grondslag mag delen. Verstrekkingen door politie en justitie vallen onder "
            "hun eigen wetten, niet onder de AVG.",
        ),
        ("grondslag", "omschrijving", "AVG art. 6 of de wet", "mag ook delen (art. 9 en 10)"),
        tuple(rows),
    )


def _categories(basis: Grondslag) -> str:
    words = {
        Categorie.BIJZONDER: "bijzondere persoonsgegevens",
        Categorie.STRAFRECHTELIJK: "strafrechtelijke gegevens",
    }
    return "; ".join(words[c] for c in basis.staat_toe) or "alleen gewone persoonsgegevens"


def controllers(loaded: LoadedCovenant, name: Name, registry: Registry) -> Part:
    """Who is controller and how; per party its role, what it supplies and what it receives."""
    model = loaded.model
    kop = model.convenant
    chosen = kop.verwerkingsverantwoordelijken
    lines: list[str] = []
    if chosen is None:
        lines.append(f"Verhouding van de verwerkingsverantwoordelijken: {NOT_LAID_DOWN}.")
        role = "niet vastgelegd"
    elif chosen.verhouding is Verhouding.GEZAMENLIJK:
        lines.append(
            "De partijen zijn gezamenlijk verwerkingsverantwoordelijk (AVG art. 26): zij "
            "bepalen samen doel en middelen."
        )
        if chosen.regeling:
            lines.append(f"Regeling (art. 26 lid 2): {' '.join(chosen.regeling.split())}")
        if chosen.contactpunt:
            lines.append(f"Contactpunt voor betrokkenen: {name(chosen.contactpunt)}.")
        role = "gezamenlijk (art. 26)"
    else:
        lines.append(
            "Elke partij is zelfstandig verwerkingsverantwoordelijke: voor wat zij verstrekt, "
            "en vanaf ontvangst voor wat zij ontvangt."
        )
        role = "zelfstandig"
    if chosen is not None and chosen.toelichting:
        lines.append(" ".join(chosen.toelichting.split()))
    if chosen is not None and chosen.verwerker:
        lines.append(f"Verwerker (AVG art. 28): {' '.join(chosen.verwerker.split())}")
    rows = []
    for party in kop.partijen:
        supplies = sorted(
            {r.signaaltype for r in model.regels if party in r.bronnen}
            | {t for s in model.statistieken if party in s.bronnen for t in s.signaaltypen}
        )
        receives = sorted({r.signaaltype for r in model.regels if party in r.ontvangers})
        counts = sorted({"aantallen" for s in model.statistieken if party in s.ontvangers})
        rows.append(
            (
                name(party),
                role,
                ", ".join(supplies) or "niets",
                ", ".join(receives + counts) or "niets",
            )
        )
    return Part(
        "Partijen, hun rol, wat zij leveren en ontvangen",
        tuple(lines),
        ("partij", "verantwoordelijk", "levert", "ontvangt"),
        tuple(rows),
    )


#: The rights of data subjects under the AVG, and the grounds of art. 6 under which each holds.
_RIGHTS = (
    ("inzage", "art. 15", "altijd"),
    ("rectificatie", "art. 16", "altijd"),
    ("beperking van de verwerking", "art. 18", "altijd"),
    ("wissing", "art. 17", "niet voor zover de verwerking nodig is voor een wettelijke "
     "verplichting of een taak van algemeen belang (art. 17 lid 3)"),
    ("bezwaar", "art. 21", "bij een verwerking op grond van art. 6 lid 1 sub e of f"),
    ("overdraagbaarheid", "art. 20", "alleen bij toestemming of een overeenkomst (sub a, b)"),
    ("toestemming intrekken", "art. 7 lid 3", "bij een verwerking op toestemming (sub a)"),
    ("klacht bij de Autoriteit Persoonsgegevens", "art. 77", "altijd"),
)  # fmt: skip


def rights(loaded: LoadedCovenant, name: Name) -> Part:
    """Data subject rights, when each holds under this covenant, and where to exercise them."""
    kop = loaded.model.convenant
    grounds = {b.avg_6 for b in kop.grondslagen.values() if b.kader is Kader.AVG}
    police = [b for b in kop.grondslagen.values() if b.kader is not Kader.AVG]
    rows = []
    for right, article, when in _RIGHTS:
        applies = {
            "art. 21": bool(grounds & {"e", "f"}),
            "art. 20": bool(grounds & {"a", "b"}),
            "art. 7 lid 3": "a" in grounds,
        }.get(article, True)
        rows.append((right, f"AVG {article}", when if applies else "niet onder dit convenant"))
    chosen = kop.rechten_betrokkenen
    lines = []
    if chosen is None:
        lines.append(f"Waar betrokkenen terechtkunnen: {NOT_LAID_DOWN}.")
    else:
        lines.append(
            f"Een betrokkene kan voor elke partij terecht bij {name(chosen.loket)}: "
            f"{' '.join(chosen.contact.split()).rstrip('.')}. Het loket stuurt een verzoek door naar de "
            "partij die het aangaat; elke partij blijft zelf verantwoordelijk voor het antwoord, "
            "binnen een maand (AVG art. 12 lid 3)."
        )
        if chosen.beperkingen:
            lines.append(f"Beperkingen: {' '.join(chosen.beperkingen.split())}")
    if police:
        lines.append(
            "Voor gegevens die politie en justitie verstrekken, gelden de rechten van de Wet "
            "politiegegevens en de Wet justitiële en strafvorderlijke gegevens."
        )
    lines.append(
        "Welke partij wanneer welke gegevens over iemand ontving, staat in het "
        "verantwoordingslog; de functionaris gegevensbescherming kan dat per persoon opvragen "
        "(ketenstroom verantwoording inzage)."
    )
    return Part("Rechten van betrokkenen", tuple(lines), ("recht", "artikel", "geldt"), tuple(rows))


def security(loaded: LoadedCovenant) -> Part:
    """The security measures in words: what the pipeline does by itself for this covenant's
    rules, and what the parties agreed."""
    model = loaded.model
    kop = model.convenant
    used = {t for r in model.regels for t in r.velden.values()}
    rows = [
        (
            "alleen wat een regel noemt",
            "Een veld dat geen regel noemt, verlaat de pijplijn nooit; een partij die geen regel "
            "noemt, ontvangt niets. Elke ontvanger krijgt een eigen, beperkte kopie (view).",
        )
    ]
    if used & {Behandeling.PSEUDONIEM, Behandeling.PSEUDONIEM_HERLEIDBAAR}:
        rows.append(
            (
                "pseudonimisering",
                "Identificerende gegevens gaan waar een regel dat zegt als pseudoniem: met een "
                "geheime sleutel afgeleid, per koppeldomein verschillend, zodat ontvangers hun "
                "gegevens niet onderling kunnen koppelen. Een herleidbaar pseudoniem gaat alleen "
                "met een ondertekend verzoek van een herleider terug tot het BSN.",
            )
        )
    if Behandeling.VERSLEUTELD in used:
        rows.append(
            (
                "versleuteling",
                "Velden die een regel versleuteld geeft, zijn versleuteld met de publieke sleutel "
                "van de ontvanger (HPKE, X25519 en AES-256-GCM): alleen die ontvanger kan ze lezen.",
            )
        )
    rows.append(
        (
            "verantwoording (logging)",
            "Elke verstrekking komt als regel in het verantwoordingslog (naar de standaard "
            "Logboek Dataverwerkingen): wie, wanneer, welke velden en onder welke regel; de "
            "betrokkene alleen als pseudoniem, nooit met BSN of naam.",
        )
    )
    rows.append(
        (
            "bewaartermijnen",
            "Elke regel noemt hoe lang de ontvanger de gegevens mag bewaren; de termijn gaat met "
            "elke verstrekking mee. Daarna verwijdert de ontvanger ze.",
        )
    )
    rows.append(
        (
            "ondertekend convenant",
            "De pijplijn voert alleen een convenant uit dat een bevoegde functionaris heeft "
            "ondertekend; elke versie blijft bewaard.",
        )
    )
    agreed = kop.beveiliging
    lines: list[str] = []
    if agreed is None:
        lines.append(f"Afspraken van de partijen over beveiliging: {NOT_LAID_DOWN}.")
    else:
        if agreed.normenkader:
            lines.append(f"Normenkader: {agreed.normenkader}.")
        rows += [("afspraak van de partijen", " ".join(m.split())) for m in agreed.maatregelen]
        if agreed.datalekken:
            rows.append(("datalekken", " ".join(agreed.datalekken.split())))
    return Part("Beveiliging", tuple(lines), ("maatregel", "wat"), tuple(rows))


def who_sees_what(loaded: LoadedCovenant) -> Part:
    """A matrix: per recipient and signal type, which kinds of data arrive and in what form."""
    model = loaded.model
    recipients = sorted({r for rule in model.regels for r in rule.ontvangers})
    kinds = (
        ("identiteit", {"slachtoffer.voornamen", "slachtoffer.achternaam", "slachtoffer.bsn"}),
        ("geboortedatum", {"slachtoffer.geboortedatum"}),
        ("adres", {"slachtoffer.adres.straat", "slachtoffer.adres.huisnummer",
                   "slachtoffer.adres.postcode", "slachtoffer.adres.woonplaats"}),
        ("uitbuiting", {"uitbuitingsvorm", "indicatoren", "sector"}),
        ("vrije tekst", {"omschrijving"}),
    )  # fmt: skip
    rows = []
    for recipient in recipients:
        treatments: dict[str, set[str]] = {}
        types = sorted({r.signaaltype for r in model.regels if recipient in r.ontvangers})
        for rule in model.regels:
            if recipient in rule.ontvangers:
                for path, treatment in rule.velden.items():
                    if treatment is not Behandeling.WEGLATEN:
                        treatments.setdefault(path, set()).add(treatment.value)
        cells = [recipient, ", ".join(types)]
        for _, paths in kinds:
            given = {t for p in paths for t in treatments.get(p, set())}
            cells.append(_form(given))
        rows.append(tuple(cells))
    return Part(
        "Wie ziet wat",
        (
            "Per ontvanger welke soort gegevens aankomt, en in welke vorm: leesbaar, als "
            "pseudoniem, versleuteld of ingekort (bijvoorbeeld alleen de vier cijfers van de "
            "postcode). Een streepje: niets van die soort.",
        ),
        ("ontvanger", "signalen", *(k for k, _ in kinds)),
        tuple(rows),
    )


def _form(given: set[str]) -> str:
    if not given:
        return "-"
    if "doorgeven" in given:
        return "leesbaar" + (" (deels)" if len(given) > 1 else "")
    words = {
        "pseudoniem": "pseudoniem",
        "pseudoniem-herleidbaar": "herleidbaar pseudoniem",
        "versleuteld": "versleuteld",
        "leeftijdscategorie": "leeftijdsklasse",
        "geboortejaar": "geboortejaar",
        "pc4": "postcode (4 cijfers)",
        "gemeente": "gemeente",
        "datum": "dag",
    }
    return ", ".join(sorted(words.get(g, g) for g in given))
