"""Where and when an event lay, kept in its claim, so a follow-up stays inside its scope.

A covenant covers an area and a period. A follow-up (a Statusupdate, a Verwijzing, a Controle
with ``gekoppelde_signalen``) is about the events it refers to: it is disclosed under a covenant
only if every event it refers to lay in that covenant's area and period, whatever
``ook_zonder_locatie`` lets the follow-up itself do without a location (issue 26, attack 8: a
Statusupdate about a Rotterdam signal reached gemeente-utrecht, free text included).

The referred events are long gone when a follow-up comes, so each event's claim
(router.event_index) keeps its ``Scope``: the places it lay (its own, and those of everything
it refers to, for a follow-up of a follow-up) and the span of their event times. The area in
force judges the places when the follow-up is routed, as it judged the events. A place is a
few municipality codes and police units (covenant.scope.Place); a claim keeps at most
``MAX_PLACES`` of them.

A claim written before scopes were kept (format version 1), or an event the router no longer
remembers, has no scope: a follow-up about it is withheld under every covenant, and the log
says why (``referred_event_unknown``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.covenant.policy import Policy, ViewPlan
from pipeline.covenant.scope import IN, OUT, Place
from pipeline.errors import CodecError
from pipeline.router.dead_letter import Reason

#: Most places one claim keeps: a Controle linking signals from more places is refused.
MAX_PLACES = 100
#: Why a follow-up was withheld under a covenant (the disclosure log's ``reason``).
REFERRED_OUTSIDE_AREA = "referred_event_outside_area"
REFERRED_OUTSIDE_PERIOD = "referred_event_outside_period"
REFERRED_UNKNOWN = "referred_event_unknown"


@dataclass(frozen=True)
class Scope:
    """The places an event and everything it refers to lay, and the span of their times."""

    places: tuple[Place, ...]
    earliest_ms: int
    latest_ms: int

    def to_json(self) -> dict[str, Any]:
        """As the claim topic keeps it (compact, deterministic)."""
        return {
            "occurred": [self.earliest_ms, self.latest_ms],
            "places": [
                [list(p.gemeenten), list(p.eenheden), list(p.unlocated) if p.unlocated else None]
                for p in self.places
            ],
        }

    def json_text(self) -> str:
        """``json.dumps(self.to_json(), sort_keys=True)``, built directly: every value is a
        municipality code, police unit, partner id or type name (covenant.scope.Place), which
        JSON writes as it is (routing writes one per signal)."""
        places = ", ".join(
            [
                f"[{_strings(p.gemeenten)}, {_strings(p.eenheden)}, "
                f"{_strings(p.unlocated) if p.unlocated else 'null'}]"
                for p in self.places
            ]
        )
        return f'{{"occurred": [{self.earliest_ms}, {self.latest_ms}], "places": [{places}]}}'

    def packed(self) -> str:
        """A compact form for the on-disk index: ``g,g|u,u;!source!type;...@earliest,latest``
        (no value holds one of those characters: see ``json_text``)."""
        places = ";".join(
            f"!{p.unlocated[0]}!{p.unlocated[1]}"
            if p.unlocated
            else f"{','.join(p.gemeenten)}|{','.join(p.eenheden)}"
            for p in self.places
        )
        return f"{places}@{self.earliest_ms},{self.latest_ms}"

    @classmethod
    def unpacked(cls, text: str) -> Scope:
        """Read ``packed``'s form."""
        places_text, _, times = text.rpartition("@")
        places = []
        for part in places_text.split(";") if places_text else ():
            if part.startswith("!"):
                _, source, signal_type = part.split("!")
                places.append(Place(unlocated=(source, signal_type)))
            else:
                codes, _, units = part.partition("|")
                places.append(Place(_split(codes), _split(units)))
        earliest, latest = (int(t) for t in times.split(","))
        return cls(tuple(places), earliest, latest)

    @classmethod
    def from_json(cls, body: Any) -> Scope:
        """Read ``to_json``'s form; ValueError (or KeyError, TypeError) if it is not one."""
        places = []
        for codes, units, unlocated in body["places"]:
            place = Place(
                tuple(str(c) for c in codes),
                tuple(str(u) for u in units),
                (str(unlocated[0]), str(unlocated[1])) if unlocated else None,
            )
            places.append(place)
        earliest, latest = (int(t) for t in body["occurred"])
        if len(places) > MAX_PLACES or earliest > latest:
            raise ValueError("not a scope")
        return cls(tuple(places), earliest, latest)


def _strings(values: tuple[str, ...]) -> str:
    return '["' + '", "'.join(values) + '"]' if values else "[]"


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def scope_of(
    datum: dict[str, Any],
    signal_type: str,
    source: str,
    policy: Policy,
    referred: Sequence[Scope | None],
) -> Scope | None:
    """The scope a routed record's claim keeps: its own place and time with those of what it
    refers to; None when one of those is unknown. CodecError when it lay in too many places."""
    if any(s is None for s in referred):
        return None
    known = [s for s in referred if s is not None]
    locator = policy.locators.get(signal_type)
    own = locator.place(datum, source, signal_type) if locator is not None else None
    places = tuple(dict.fromkeys([*([own] if own else []), *(p for s in known for p in s.places)]))
    if len(places) > MAX_PLACES:
        raise CodecError(
            Reason.TOO_MANY_PLACES,
            f"the events it refers to lay in {len(places)} places, more than {MAX_PLACES}: "
            "send it as several records, each referring to fewer",
        )
    occurred = _ms(datum["envelope"]["occurred_at"])
    return Scope(
        places,
        min([occurred, *(s.earliest_ms for s in known)]),
        max([occurred, *(s.latest_ms for s in known)]),
    )


def withheld_under(plan: ViewPlan, referred: Sequence[Scope | None], policy: Policy) -> str | None:
    """Why a record that refers to events with these scopes is withheld under ``plan``'s
    covenant (a reason for the log), or None when every one lay in its area and period."""
    if not referred:
        return None
    if any(s is None for s in referred):
        return REFERRED_UNKNOWN
    grant = plan.grants[0]  # one covenant: one validity period
    for scope in referred:
        assert scope is not None
        for moment in (scope.earliest_ms, scope.latest_ms):
            if not grant.valid_at(dt.datetime.fromtimestamp(moment / 1000, dt.UTC)):
                return REFERRED_OUTSIDE_PERIOD
        if plan.area is None:
            continue  # nationwide
        for place in scope.places:
            where = plan.area.where_place(place)
            if where is OUT:
                return REFERRED_OUTSIDE_AREA
            if where is not IN and not (
                place.unlocated is not None
                and policy.discloses_without_location(plan.covenant_id, *place.unlocated)
            ):
                return REFERRED_OUTSIDE_AREA
    return None
