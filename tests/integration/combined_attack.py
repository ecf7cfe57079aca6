"""Issue 26, attack 1: one recipient under two covenants joins a pseudonym to a name.

A second, nationwide covenant gives CoMensha only a BSN pseudonym of a signal's victim, while
Midden-Nederland gives it the name. CoMensha reads its inbox as any Kafka client would and
pairs its two views of one signal by what the Kafka records carry besides their content: the
timestamp and the position (partition, offset). From the pairs of the Utrecht signals it builds
a table pseudonym -> name, and looks up the pseudonyms of later Rotterdam signals that it
received only under the nationwide covenant.

The truth it is scored against comes from the router's own keys (opening each view's reference
to its event id), which the recipient does not have.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import topics
from pipeline.broker.reading import read_to_end
from pipeline.client.publisher import Publisher
from pipeline.client.schema_topic import load_schema_topic
from pipeline.codec.framing import decode
from pipeline.codec.schema_store import SchemaStore
from pipeline.privacy.references import parse_reference
from pipeline.settings import Settings
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import _with_check_digit

RECIPIENT = "comensha"
NATIONWIDE = "landelijk-registratie"
UTRECHT, ROTTERDAM = "GM0344", "GM0599"


def nationwide_covenant(statement: bool) -> str:
    """The nationwide covenant of the attack: CoMensha gets a BSN pseudonym, nothing else of
    the person; with ``statement``, the covenant says this may be re-identified through
    Midden-Nederland (`herleidbaar_via`), so `check` lets it through."""
    said = (
        """
  herleidbaar_via:
    - ontvanger: comensha
      convenant: midden-nederland
      reden: >
        Proef: CoMensha mag de landelijke pseudoniemen naast de namen uit Midden-Nederland
        leggen; gemeten wordt wat de router daarbij nog aan koppeling geeft.
"""
        if statement
        else ""
    )
    return f"""convenant:
  id: {NATIONWIDE}
  titel: Landelijke registratie van mogelijke slachtoffers (proef)
  versie: "2026.1"
  geldig:
    van: 2025-01-01
  werkgebied: landelijk
  partijen: [politie, nla, comensha]
  doelen:
    registratie: Landelijke registratie van mogelijke slachtoffers door CoMensha
  grondslagen:
    wpg-16:
      omschrijving: Wet politiegegevens, artikel 16
      staat_toe: [bijzonder, strafrechtelijk]{said}
regels:
  - id: L1
    bronnen: [politie, nla]
    signaaltype: Signaal
    ontvangers: [comensha]
    doel: registratie
    grondslag: wpg-16
    bewaartermijn: P5Y
    velden:
      slachtoffer.bsn: pseudoniem
"""


@dataclass(frozen=True)
class Person:
    bsn: str
    voornamen: str
    achternaam: str

    @property
    def name(self) -> str:
        return f"{self.voornamen} {self.achternaam}"


def people(count: int, seed: int = 26) -> list[Person]:
    """``count`` people with valid, distinct BSNs and names."""
    rng = random.Random(seed)
    factory = SignalFactory(seed=seed)
    found: dict[str, Person] = {}
    while len(found) < count:
        bsn = _with_check_digit(rng.randint(10_000_000, 99_999_999))
        if bsn and bsn not in found:
            found[bsn] = Person(bsn, factory.fake.first_name(), factory.fake.last_name())
    return list(found.values())


def signals(
    crowd: list[Person], count: int, gemeente: str, seed: int, first: list[Person] | None = None
) -> list[dict[str, Any]]:
    """``count`` politie Signalen in ``gemeente``: about each of ``first`` once, then drawn
    from ``crowd``."""
    rng = random.Random(seed)
    factory = SignalFactory(seed=seed, now=dt.datetime.now(dt.UTC))
    chosen = list(first or []) + [rng.choice(crowd) for _ in range(count - len(first or []))]
    rng.shuffle(chosen)
    documents = []
    for person in chosen:
        document = factory.make("politie", "Signaal").document
        document["slachtoffer"].update(
            bsn=person.bsn, voornamen=person.voornamen, achternaam=person.achternaam
        )
        document["slachtoffer"]["adres"]["gemeentecode"] = gemeente
        document["politie_eenheid"] = "MIDDEN_NEDERLAND" if gemeente == UTRECHT else "ROTTERDAM"
        documents.append(document)
    return documents


@dataclass(frozen=True)
class Held:
    """One view in the recipient's inbox, as a Kafka client reads it."""

    partition: int
    offset: int
    timestamp: int
    covenant: str
    datum: dict[str, Any]
    event_id: str  # the truth: known to the router only

    @property
    def name(self) -> str | None:
        person = self.datum.get("slachtoffer") or {}
        if person.get("voornamen") is None:
            return None
        return f"{person['voornamen']} {person['achternaam']}"

    @property
    def pseudonym(self) -> str | None:
        return (self.datum.get("slachtoffer") or {}).get("bsn")


def read_held(
    settings: Settings, bootstrap: str, opened: Callable[[str], str], wanted: set[str]
) -> list[Held]:
    """The recipient's views of the ``wanted`` events (``opened``: reference -> event id)."""
    store: SchemaStore = load_schema_topic(settings, bootstrap)
    held = []
    for record in read_to_end(settings, bootstrap, topics.inbox(RECIPIENT)):
        _, datum = decode(record.value, store)
        reference = datum["envelope"]["event_ref"]
        event_id = opened(reference)
        if event_id in wanted:
            covenant = parse_reference(reference)[1].split("/", 1)[0]
            held.append(
                Held(record.partition, record.offset, record.timestamp, covenant, datum, event_id)
            )
    return held


@dataclass(frozen=True)
class Score:
    """What the recipient could build, scored against the truth."""

    same_millisecond: int  # signals whose two views share a timestamp to the millisecond
    by_time: int  # right pairs when matching by timestamp (position in the partition breaks ties)
    by_position: int  # right pairs when matching by relative position in the partitions alone
    by_adjacency: int  # right pairs among views at adjacent offsets of one partition
    people_named: int  # pseudonyms whose name the best of these tables gives correctly
    later_named: int  # later signals (nationwide view only) named correctly by that table
    later: int


def _fractions(views: list[Held]) -> dict[tuple[int, int], float]:
    """How far along its partition each view is (0 first, 1 last): what an attacker without
    timestamps can say about when a view was written, relative to views in other partitions."""
    by_partition: dict[int, list[Held]] = {}
    for view in views:
        by_partition.setdefault(view.partition, []).append(view)
    out = {}
    for partition, held in by_partition.items():
        held.sort(key=lambda h: h.offset)
        for rank, view in enumerate(held):
            out[(partition, view.offset)] = rank / max(len(held) - 1, 1)
    return out


def _match(
    named: list[Held], pseudonymous: list[Held], key: Callable[[Held], Any]
) -> list[tuple[Held, Held]]:
    """One-to-one pairs, in the order ``key`` gives (the best matching along one line)."""
    return list(zip(sorted(named, key=key), sorted(pseudonymous, key=key), strict=False))


def _adjacent(views: list[Held]) -> list[tuple[Held, Held]]:
    """A named and a pseudonymous view at neighbouring offsets of one partition."""
    place = {(h.partition, h.offset): h for h in views}
    pairs = []
    for view in views:
        if view.covenant == NATIONWIDE:
            continue
        for step in (1, -1):
            other = place.get((view.partition, view.offset + step))
            if other is not None and other.covenant == NATIONWIDE:
                pairs.append((view, other))
                break
    return pairs


def _table(pairs: list[tuple[Held, Held]]) -> dict[str, str]:
    """Pseudonym -> the name most often paired with it."""
    votes: dict[str, Counter[str]] = {}
    for named, pseudonymous in pairs:
        if named.name and pseudonymous.pseudonym:
            votes.setdefault(pseudonymous.pseudonym, Counter())[named.name] += 1
    return {p: c.most_common(1)[0][0] for p, c in votes.items()}


def score(held: list[Held], first: set[str], later: set[str], truth: dict[str, str]) -> Score:
    """Score the attack: ``first`` are the Utrecht events (two views each), ``later`` the
    Rotterdam ones; ``truth`` maps an event id to its victim's name. Offsets count only
    relative to the views the attacker holds (the inbox may hold others' views too)."""
    mine = [h for h in held if h.event_id in first]
    named = [h for h in mine if h.covenant != NATIONWIDE]
    pseudonymous = [h for h in mine if h.covenant == NATIONWIDE]
    by_event = {h.event_id: h for h in pseudonymous}
    fraction = _fractions(list(held))
    attempts = {
        "time": _match(
            named, pseudonymous, lambda h: (h.timestamp, fraction[(h.partition, h.offset)])
        ),
        "position": _match(named, pseudonymous, lambda h: fraction[(h.partition, h.offset)]),
        "adjacency": _adjacent(mine),
    }
    right = {k: sum(a.event_id == b.event_id for a, b in ps) for k, ps in attempts.items()}
    true_table = {h.pseudonym: truth[h.event_id] for h in pseudonymous if h.pseudonym}
    tables = [_table(ps) for ps in attempts.values()]
    table = max(tables, key=lambda t: sum(true_table.get(p) == n for p, n in t.items()))
    later_views = [h for h in held if h.event_id in later and h.covenant == NATIONWIDE]
    return Score(
        same_millisecond=sum(1 for a in named if by_event[a.event_id].timestamp == a.timestamp),
        by_time=right["time"],
        by_position=right["position"],
        by_adjacency=right["adjacency"],
        people_named=sum(1 for p, name in table.items() if true_table.get(p) == name),
        later_named=sum(
            1 for h in later_views if h.pseudonym and table.get(h.pseudonym) == truth[h.event_id]
        ),
        later=len(later_views),
    )


def publish_all(
    settings: Settings,
    bootstrap: str,
    store: SchemaStore,
    documents: list[dict[str, Any]],
    gap: float = 0.0,
) -> list[str]:
    """Publish as politie: in one go, or (``gap`` > 0) one at a time, ``gap`` seconds apart,
    as signals arrive in real life."""
    with Publisher(settings, bootstrap, "politie", store) as politie:
        if not gap:
            return [p.event_id for p in politie.publish_many(documents)]
        ids = []
        for document in documents:
            ids.append(politie.publish(document).event_id)
            time.sleep(gap)
        return ids


def write_covenants(directory: Path, statement: bool) -> None:
    """Midden-Nederland as shipped, and the nationwide covenant of the attack."""
    (directory / f"{NATIONWIDE}.yaml").write_text(nationwide_covenant(statement))
