"""What two recipients could join on: the identifier-like values their views of one event share.

For the demo and for anyone auditing test data: per event, the views that different linkage
domains received should share no value that could serve as a join key (texts of 8 characters or
more, exact moments), except fields a covenant passes on to both as they are. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Envelope fields that are covenant text, not data about the event.
_COVENANT_TEXT = frozenset({"doelen", "event_type", "source"})


def identifier_like(view: Mapping[str, Any], prefix: str = "") -> dict[Any, set[str]]:
    """Values of a view that could serve as a join key, with the field paths they stand in."""
    found: dict[Any, set[str]] = {}
    for name, value in view.items():
        path = f"{prefix}{name}"
        if prefix == "envelope." and name in _COVENANT_TEXT:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                for v, paths in identifier_like(item, f"{path}.").items():
                    found.setdefault(v, set()).update(paths)
            elif (isinstance(item, str) and len(item) >= 8) or isinstance(item, dt.datetime):
                found.setdefault(item, set()).add(path)
    return found


@dataclass(frozen=True)
class Shared:
    """A value two recipients in different linkage domains both received for one event."""

    event: str
    recipients: tuple[str, str]
    paths: tuple[str, ...]


def shared_values(
    views: Iterable[tuple[str, str, str, Mapping[str, Any]]],
    passed_on: Mapping[str, frozenset[str]] | None = None,
) -> list[Shared]:
    """Values that recipients in different domains share per event. ``views``: (event id,
    recipient, linkage domain, view); ``passed_on``: per recipient the field paths it receives
    as they are (doorgeven), which two recipients may legitimately share."""
    allowed = passed_on or {}
    by_event: dict[str, list[tuple[str, str, dict[Any, set[str]]]]] = {}
    for event, recipient, domain, view in views:
        by_event.setdefault(event, []).append((recipient, domain, identifier_like(view)))
    found = []
    for event, received in by_event.items():
        for (ra, da, va), (rb, db, vb) in itertools.combinations(received, 2):
            if da == db:
                continue
            for value in va.keys() & vb.keys():
                paths = va[value] & vb[value]
                clear = allowed.get(ra, frozenset()) & allowed.get(rb, frozenset())
                if not paths & clear:
                    found.append(Shared(event, (ra, rb), tuple(sorted(va[value] | vb[value]))))
    return found
