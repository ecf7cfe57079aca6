"""A published covenant version is frozen: what a (covenant id, ``versie``) means never changes.

Every processing-activity id, every register entry and every view schema name carries the
covenant's ``versie``; log lines point at them for years. So the text of a version, as parsed
(comments and layout do not count), may never change once it was published: a change needs a
new ``versie``. Pure: compares covenant models, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.covenant.model import Convenant

VersionKey = tuple[str, str]
"""(covenant id, versie)."""


@dataclass(frozen=True)
class RuleChange:
    """One rule of a version that differs: added, removed, or changed in ``parts``."""

    id: str
    how: Literal["added", "removed", "changed"]
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Changed:
    """What differs between a published covenant version and a text under the same ``versie``."""

    covenant: str
    versie: str
    #: Rules (record and statistics rules) added, removed or changed, by id.
    rules: tuple[RuleChange, ...]
    #: Heading elements that differ (``geldig``, ``werkgebied``, ``herleiders``, ...).
    heading: tuple[str, ...]


def key_of(model: Convenant) -> VersionKey:
    """The version a covenant text claims to be."""
    return model.convenant.id, model.convenant.versie


def _by_id(items: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {item.id: item.model_dump(mode="json") for item in items}


def changes(published: Convenant, proposed: Convenant) -> Changed | None:
    """What ``proposed`` changes of ``published`` (the same covenant and ``versie``); None
    when both mean the same."""
    old_head = published.convenant.model_dump(mode="json")
    new_head = proposed.convenant.model_dump(mode="json")
    heading = tuple(k for k in sorted({*old_head, *new_head}) if old_head.get(k) != new_head.get(k))
    old_rules = _by_id([*published.regels, *published.statistieken])
    new_rules = _by_id([*proposed.regels, *proposed.statistieken])
    rules = tuple(
        _rule_change(r, old_rules.get(r), new_rules.get(r))
        for r in sorted({*old_rules, *new_rules})
        if old_rules.get(r) != new_rules.get(r)
    )
    if not heading and not rules:
        return None
    covenant, versie = key_of(published)
    return Changed(covenant, versie, rules, heading)


def frozen_violations(
    published: Mapping[VersionKey, Convenant], proposed: Iterable[Convenant]
) -> list[Changed]:
    """Every proposed covenant whose ``versie`` was published with another meaning."""
    found = []
    for model in proposed:
        before = published.get(key_of(model))
        if before is None:
            continue
        changed = changes(before, model)
        if changed is not None:
            found.append(changed)
    return found


def _rule_change(rule: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> RuleChange:
    if old is None:
        return RuleChange(rule, "added")
    if new is None:
        return RuleChange(rule, "removed")
    return RuleChange(
        rule, "changed", tuple(k for k in sorted({*old, *new}) if old.get(k) != new.get(k))
    )
