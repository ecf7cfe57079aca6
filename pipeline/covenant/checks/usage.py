"""Definitions in a covenant's heading that no rule uses: a legal basis or purpose that serves
no disclosure misleads whoever reads the annex (warnings)."""

from __future__ import annotations

import yaml

from pipeline.covenant.loader import LoadedCovenant
from pipeline.messages import heading as msg


def unused_definitions(covenants: list[LoadedCovenant]) -> list[str]:
    """Every legal basis and purpose of a heading that no rule or statistics rule names."""
    found = []
    for loaded in covenants:
        model = loaded.model
        bases = {r.grondslag for r in model.regels} | {s.grondslag for s in model.statistieken}
        purposes = {r.doel for r in model.regels} | {s.doel for s in model.statistieken}
        for name in model.convenant.grondslagen:
            if name not in bases:
                where = _key_where(loaded, "grondslagen", name)
                found.append(f"{where}: {msg.unused_basis(name)}")
        for name in model.convenant.doelen:
            if name not in purposes:
                where = _key_where(loaded, "doelen", name)
                found.append(f"{where}: {msg.unused_purpose(name)}")
    return found


def _key_where(loaded: LoadedCovenant, block: str, name: str) -> str:
    """``file:line:column`` of the key ``name`` in the heading's ``block`` (where the officer
    wrote it; the value of a basis may start on the line below)."""
    node = loaded.source.node(("convenant", block))
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else ():
        if key.value == name:
            mark = key.start_mark
            return f"{loaded.source.path}:{mark.line + 1}:{mark.column + 1}"
    return loaded.source.where(("convenant", block, name))
