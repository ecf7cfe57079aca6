"""Changes of a covenant as a whole, from its compiled heading: added or removed, version,
validity, area (municipalities by code and name), parties, purposes and legal bases as
declared, and who may re-identify (herleiders); and per recipient, a ``herleidbaar_via``
statement that undoes (or restores) what the covenant protects for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.covenant.reidentifiers import herleider_changes
from pipeline.language import Text
from pipeline.officer.comparison.engine import Kind
from pipeline.officer.comparison.facts import Area, Heading, PolicyFacts
from pipeline.places.areas import place_labels


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "onbepaald"


def _places(area: Area | None) -> set[str]:
    if area is None:
        return {"landelijk"}
    return set(place_labels(area.municipalities, area.police_units))


def _changed_entries(
    cid: str, what_nl: str, what_en: str, was: dict[str, str], now: dict[str, str]
) -> list[Text]:
    out = []
    for key in sorted(set(was) | set(now)):
        if key not in was:
            out.append(Text(f"{cid}: {what_nl} {key} erbij: {now[key]}", f"{cid}: {what_en} {key} added"))
        elif key not in now:
            out.append(Text(f"{cid}: {what_nl} {key} vervalt", f"{cid}: {what_en} {key} removed"))
        elif " ".join(was[key].split()) != " ".join(now[key].split()):
            out.append(
                Text(
                    f"{cid}: {what_nl} {key} anders omschreven: {was[key]} → {now[key]}",
                    f"{cid}: {what_en} {key} reworded",
                )
            )
    return out


def _heading_changes(cid: str, was: Heading, now: Heading) -> list[Text]:
    out = []
    if was.version != now.version:
        out.append(
            Text(f"{cid}: versie {was.version} → {now.version}", f"{cid}: version {was.version} -> {now.version}")
        )
    gained = sorted(_places(now.area) - _places(was.area))
    lost = sorted(_places(was.area) - _places(now.area))
    if gained or lost:
        nl = "; ".join(
            p for p in (f"erbij: {', '.join(gained)}" if gained else "", f"eraf: {', '.join(lost)}" if lost else "") if p
        )
        en = "; ".join(
            p for p in (f"added: {', '.join(gained)}" if gained else "", f"removed: {', '.join(lost)}" if lost else "") if p
        )
        out.append(Text(f"{cid}: werkgebied gewijzigd ({nl})", f"{cid}: area changed ({en})"))
    if (was.valid_from, was.valid_until) != (now.valid_from, now.valid_until):
        out.append(
            Text(
                f"{cid}: geldig van {_date(was.valid_from)} tot {_date(was.valid_until)} → van "
                f"{_date(now.valid_from)} tot {_date(now.valid_until)}",
                f"{cid}: validity {_date(was.valid_from)}..{_date(was.valid_until)} -> "
                f"{_date(now.valid_from)}..{_date(now.valid_until)}",
            )
        )
    for party in sorted(set(now.parties) - set(was.parties)):
        out.append(Text(f"{cid}: partij {party} treedt toe", f"{cid}: party {party} joins"))
    for party in sorted(set(was.parties) - set(now.parties)):
        out.append(Text(f"{cid}: partij {party} treedt uit", f"{cid}: party {party} leaves"))
    out += _changed_entries(cid, "doel", "purpose", dict(was.purposes), dict(now.purposes))
    out += _changed_entries(
        cid,
        "koppeldomein",
        "linkage domain",
        {name: ", ".join(members) for name, members in was.domains},
        {name: ", ".join(members) for name, members in now.domains},
    )
    out += _changed_entries(
        cid,
        "grondslag",
        "legal basis",
        {b.key: f"{b.text} (staat toe: {', '.join(b.allows) or 'geen bijzondere gegevens'})" for b in was.bases},
        {b.key: f"{b.text} (staat toe: {', '.join(b.allows) or 'geen bijzondere gegevens'})" for b in now.bases},
    )
    return out + herleider_changes(cid, was.kop, now.kop)


def covenant_changes(before: PolicyFacts, after: PolicyFacts) -> list[Text]:
    """Changes of each covenant as a whole (a new version number alone is one line, no more)."""
    out = []
    for cid in sorted(set(before.headings) | set(after.headings)):
        was, now = before.headings.get(cid), after.headings.get(cid)
        if was is None:
            out.append(Text(f"convenant {cid} is nieuw", f"covenant {cid} is new"))
        elif now is None:
            out.append(Text(f"convenant {cid} is weg", f"covenant {cid} is gone"))
        else:
            out += _heading_changes(cid, was, now)
    return out


@dataclass(frozen=True)
class StatementChange:
    """A ``herleidbaar_via`` statement of ``covenant`` for ``recipient`` through ``through``
    that is new (what the covenant protects is undone for that recipient: less protected),
    gone (protected again), or given another reason."""

    kind: Kind
    covenant: str
    recipient: str
    through: str
    reason_before: str | None
    reason_after: str | None
    since: dt.date


def _statements(heading: Heading | None) -> dict[tuple[str, str], str]:
    if heading is None:
        return {}
    return {
        (s.ontvanger, s.convenant): " ".join(s.reden.split()) for s in heading.kop.herleidbaar_via
    }


def statement_changes(before: PolicyFacts, after: PolicyFacts) -> list[StatementChange]:
    """Every herleidbaar_via statement added, removed or given another reason, per covenant."""
    out = []
    for cid in sorted(set(before.headings) | set(after.headings)):
        was_heading, now_heading = before.headings.get(cid), after.headings.get(cid)
        was, now = _statements(was_heading), _statements(now_heading)
        heading = now_heading or was_heading
        since = heading.valid_from if heading is not None else dt.date.min
        for key in sorted(set(was) | set(now)):
            old, new = was.get(key), now.get(key)
            if old == new:
                continue
            kind = Kind.WEAKER if old is None else Kind.STRONGER if new is None else Kind.GROUNDS
            out.append(StatementChange(kind, cid, key[0], key[1], old, new, since))
    return out
