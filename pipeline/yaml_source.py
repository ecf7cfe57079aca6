"""YAML files whose errors can point at file, line and column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import CovenantError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class YamlSource:
    """Parsed YAML plus its node tree, so a path like ('regels', 2, 'velden') maps to a line."""

    path: Path
    data: Any
    root: yaml.Node | None

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, column) of the deepest node along ``loc`` that exists."""
        node = self.root
        mark = node.start_mark if node is not None else None
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
            mark = child.start_mark
        if mark is None:
            return (1, 1)
        return (mark.line + 1, mark.column + 1)

    def where(self, loc: Sequence[str | int]) -> str:
        """``file:line:column`` for ``loc``."""
        line, column = self.locate(loc)
        return f"{self.path}:{line}:{column}"


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                child_value: yaml.Node = value
                return child_value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None


def read_yaml(path: Path) -> YamlSource:
    """Read and parse a YAML file; a syntax error becomes a CovenantError with its position."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CovenantError([f"{path}: cannot read: {exc.strerror}"]) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise CovenantError([f"{where}: not valid YAML: {exc.problem}"]) from exc
    return YamlSource(path=path, data=data, root=root)


def validate_model(source: YamlSource, model: type[M]) -> M:
    """Validate YAML data against a pydantic model; every problem names file:line:column and field."""
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        errors = exc.errors()
        locs = [tuple(err["loc"]) for err in errors]
        problems = []
        for err, loc in zip(errors, locs, strict=True):
            # pydantic also reports a parent list as too short when its items failed: noise
            if err["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o in locs):
                continue
            path = [p for p in loc if isinstance(p, str | int)]
            field = ".".join(str(p) for p in path) or "(file)"
            message = err["msg"]
            if err["type"] == "missing":
                message = f"required; add `{path[-1]}:` here"
            problems.append(f"{source.where(path)}: {field}: {message}")
        raise CovenantError(problems) from exc
