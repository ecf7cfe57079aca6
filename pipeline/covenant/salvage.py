"""What can still be checked in a covenant file that does not validate.

One structural mistake (``bewaartermijn: 5 jaar`` in one rule, an unquoted ``versie``) must not
hide the other mistakes of the file: the unknown field of another rule, a party missing from
the registry. So the parts that failed are pruned or given a neutral stand-in, and the rest is
validated again for `convenant check` to look at. A salvaged covenant is never compiled: its
file has problems already, and those fail the check.

Stand-ins are chosen to add no findings of their own: a failed legal basis allows every data
category, a failed area becomes ``landelijk`` (no area checks), a failed rule field that other
checks do not read gets a valid placeholder, and a rule whose sources, recipients, type,
purpose or basis failed is left out.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.covenant.model import Categorie, Convenant
from pipeline.yaml_files.structure import real_loc

_RULE_STAND_INS: dict[str, Any] = {"bewaartermijn": "P1Y"}
_RULE_OPTIONAL = {"artikel", "omschrijving", "ook_zonder_locatie"}
_HEADING_STAND_INS: dict[str, Any] = {
    "titel": "?",
    "versie": "?",
    "geldig": {"van": "1900-01-01"},
    "werkgebied": "landelijk",
}
_ALL_CATEGORIES = [c.value for c in Categorie]


def _prune(data: dict[str, Any], loc: tuple[str | int, ...], kind: str) -> bool:
    """Remove or stand in for the failed part at ``loc``; False when the file cannot be
    salvaged (a failed heading field that every rule depends on)."""
    heading = data.get("convenant")
    rules = data.get("regels")
    if loc[:1] == ("convenant",) and isinstance(heading, dict):
        if len(loc) == 1:
            return False
        key = loc[1]
        if kind == "extra_forbidden" and len(loc) == 2:
            heading.pop(key, None)
        elif key in _HEADING_STAND_INS:
            heading[key] = copy.deepcopy(_HEADING_STAND_INS[key])
        elif key in ("verwerkingsregister", "herleiders", "herleidbaar_via"):
            heading.pop(key, None)  # nothing a rule depends on: check the rest
        elif key == "id":
            heading["id"] = "onbekend"
        elif key == "grondslagen" and len(loc) >= 3 and isinstance(heading.get(key), dict):
            heading[key][loc[2]] = {"omschrijving": str(loc[2]), "staat_toe": _ALL_CATEGORIES}
        elif key == "doelen" and len(loc) >= 3 and isinstance(heading.get(key), dict):
            heading[key][loc[2]] = str(heading[key].get(loc[2]))
        elif key == "koppeldomeinen" and len(loc) >= 3 and isinstance(heading.get(key), dict):
            heading[key].pop(loc[2], None)
        elif key == "partijen" and len(loc) >= 3 and isinstance(heading.get(key), list):
            index = loc[2]
            if isinstance(index, int) and index < len(heading[key]):
                heading[key][index] = str(heading[key][index])
        else:
            return False
        return True
    if loc[:1] == ("regels",) and len(loc) >= 2 and isinstance(rules, list):
        index = loc[1]
        if not isinstance(index, int) or index >= len(rules) or not isinstance(rules[index], dict):
            return False
        rule = rules[index]
        name = str(loc[2]) if len(loc) > 2 else None
        if name == "velden" and len(loc) > 3 and isinstance(rule.get("velden"), dict):
            rule["velden"].pop(loc[3], None)
        elif name == "voorwaarden" and len(loc) > 3 and isinstance(loc[3], int):
            rule.setdefault("_dropped", set()).add(loc[3])
        elif name in _RULE_STAND_INS:
            rule[name] = _RULE_STAND_INS[name]
        elif name in _RULE_OPTIONAL or (kind == "extra_forbidden" and len(loc) == 3):
            rule.pop(name, None)
        else:
            rules[index] = None  # the rule is left out
        return True
    if kind == "extra_forbidden" and len(loc) == 1:
        data.pop(str(loc[0]), None)
        return True
    return False


def salvage(
    data: Any, root: yaml.Node | None, exc: ValidationError
) -> tuple[Convenant, yaml.Node | None] | None:
    """The covenant without its failed parts, for further checking, and the YAML node tree
    without them too (so later locations still point at the right lines); None if nothing
    is left to check."""
    if not isinstance(data, dict):
        return None
    pruned = copy.deepcopy(data)
    for err in exc.errors():
        loc = real_loc(data, err["loc"], err["type"] == "missing")
        if not _prune(pruned, loc, err["type"]):
            return None
    rules = pruned.get("regels")
    kept_rules: list[int] = []
    kept_conditions: dict[int, list[int]] = {}
    if isinstance(rules, list):
        kept = []
        for index, rule in enumerate(rules):
            if rule is None:
                continue
            dropped = rule.pop("_dropped", set())
            if dropped and isinstance(rule.get("voorwaarden"), list):
                keep = [j for j in range(len(rule["voorwaarden"])) if j not in dropped]
                rule["voorwaarden"] = [rule["voorwaarden"][j] for j in keep]
                kept_conditions[index] = keep
            kept.append(rule)
            kept_rules.append(index)
        if not kept:
            return None
        pruned["regels"] = kept
    try:
        model = Convenant.model_validate(pruned)
    except ValidationError:
        return None
    return model, _pruned_nodes(root, kept_rules, kept_conditions)


def _pruned_nodes(
    root: yaml.Node | None, kept_rules: list[int], kept_conditions: dict[int, list[int]]
) -> yaml.Node | None:
    """A copy of the node tree holding only the kept rules and conditions."""
    if not isinstance(root, yaml.MappingNode):
        return root
    pairs = []
    for key, value in root.value:
        if key.value == "regels" and isinstance(value, yaml.SequenceNode):
            items = []
            for index in kept_rules:
                if index >= len(value.value):
                    continue
                rule = value.value[index]
                if index in kept_conditions and isinstance(rule, yaml.MappingNode):
                    rule = _keep_conditions(rule, kept_conditions[index])
                items.append(rule)
            value = yaml.SequenceNode(value.tag, items, value.start_mark, value.end_mark)
        pairs.append((key, value))
    return yaml.MappingNode(root.tag, pairs, root.start_mark, root.end_mark)


def _keep_conditions(rule: yaml.MappingNode, keep: list[int]) -> yaml.MappingNode:
    pairs = []
    for key, value in rule.value:
        if key.value == "voorwaarden" and isinstance(value, yaml.SequenceNode):
            items = [value.value[j] for j in keep if j < len(value.value)]
            value = yaml.SequenceNode(value.tag, items, value.start_mark, value.end_mark)
        pairs.append((key, value))
    return yaml.MappingNode(rule.tag, pairs, rule.start_mark, rule.end_mark)
