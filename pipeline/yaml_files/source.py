"""YAML files whose errors point at file, line and column, in the writer's terms."""

from __future__ import annotations

import typing
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import CovenantError
from pipeline.messages import yaml as yaml_msg
from pipeline.yaml_files import structure as yaml_structure
from pipeline.yaml_files import syntax as yaml_syntax

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class YamlSource:
    """Parsed YAML plus its node tree, so a path like ('regels', 2, 'velden') maps to a line.

    ``problems`` holds the syntax mistakes found while reading (file:line:column: text); the
    data is then what could be read around them, for finding further mistakes only.
    """

    path: Path
    data: Any
    root: yaml.Node | None
    problems: tuple[str, ...] = ()

    def node(self, loc: Sequence[str | int]) -> yaml.Node | None:
        """The deepest node along ``loc`` that exists."""
        node = self.root
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, column) of the deepest node along ``loc`` that exists."""
        node = self.node(loc)
        if node is None:
            return (1, 1)
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def line(self, loc: Sequence[str | int]) -> int:
        """1-based line of ``loc``."""
        return self.locate(loc)[0]

    def where(self, loc: Sequence[str | int]) -> str:
        """``file:line:column`` for ``loc``, the file relative to the working directory."""
        line, column = self.locate(loc)
        return f"{shown(self.path)}:{line}:{column}"

    def raw(self, loc: Sequence[str | int]) -> str | None:
        """The text as written for the scalar exactly at ``loc`` (``2026.10``, not 2026.1)."""
        node = self.root
        for part in loc:
            node = _child(node, part)
            if node is None:
                return None
        return str(node.value) if isinstance(node, yaml.ScalarNode) else None


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


def shown(path: Path) -> str:
    """``path`` as an officer reads it in a message: relative to the working directory when it
    lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def read_yaml_lenient(path: Path) -> YamlSource:
    """Read a YAML file, collecting every syntax mistake in ``problems`` instead of stopping
    at the first; what could be read around them is in ``data``."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CovenantError(
            [f"{shown(path)}: {yaml_msg.cannot_read(exc.strerror or str(exc))}"]
        ) from exc
    except UnicodeDecodeError as exc:
        raise CovenantError([f"{shown(path)}: {yaml_msg.not_utf8()}"]) from exc
    parsed = yaml_syntax.parse(text)
    problems = tuple(f"{shown(path)}:{f.line}:{f.column}: {f.text}" for f in parsed.findings)
    scan = _scan(parsed.root)
    if scan.repeated is not None:
        # read no further: a value that repeats one that repeats another (aliases of aliases)
        # is a billion values to every tool that walks or prints it
        mark = scan.repeated.start_mark
        problem = f"{shown(path)}:{mark.line + 1}:{mark.column + 1}: {yaml_msg.alias()}"
        return YamlSource(path=path, data=None, root=None, problems=(*problems, problem))
    problems += tuple(
        f"{shown(path)}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: "
        f"{yaml_msg.hidden_character(f'U+{ord(char):04X}')}"
        for node, char in scan.hidden
    )
    return YamlSource(path=path, data=parsed.data, root=parsed.root, problems=problems)


#: Characters that change how the text around them shows (Unicode's bidirectional controls).
_DIRECTION = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _hidden(char: str) -> bool:
    """A control character (an escape such as ``"\\e"`` makes one: a terminal obeys it) other
    than a line break or tab, or a direction control (it reorders what a reader sees)."""
    return (unicodedata.category(char) == "Cc" and char not in "\n\t") or char in _DIRECTION


@dataclass(frozen=True)
class _Scan:
    """What a walk over a file's nodes found: scalars with a hidden character (and the first
    one), and the first node met twice (an anchor ``&a`` that an alias ``*a`` repeats)."""

    hidden: tuple[tuple[yaml.Node, str], ...]
    repeated: yaml.Node | None


def _scan(root: yaml.Node | None) -> _Scan:
    """Walk every node once. Covenant texts end up on terminals, in memos and in annexes: an
    escape sequence in a rule's description could erase the lines above it (a widening in the
    memo). An alias repeats a node: a file has no need for one, and nine lines of aliases of
    aliases are a billion values to whoever prints them (a check that never ends)."""
    seen: set[int] = set()
    hidden: list[tuple[yaml.Node, str]] = []
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop()
        if id(node) in seen:
            return _Scan(tuple(hidden), node)
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            found = next((c for c in str(node.value) if _hidden(c)), None)
            if found is not None:
                hidden.append((node, found))
        elif isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(reversed(node.value))
    return _Scan(tuple(hidden), None)


def read_yaml(path: Path) -> YamlSource:
    """Read and parse a YAML file; any syntax mistake is a CovenantError listing them all."""
    source = read_yaml_lenient(path)
    if source.problems:
        raise CovenantError(list(source.problems))
    return source


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the model accepts at the mapping that holds ``loc``'s last part."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) or next(
                (f for f in current.model_fields.values() if f.alias == part), None
            )
            if field is None:
                return []
            current = _inner_model(field.annotation)
        else:
            current = None  # a free-form mapping (field names, domain names)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    """The model inside ``X | None``, ``tuple[X, ...]`` or a union (first model found)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is dict:
        return None
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def structure_problems(
    source: YamlSource,
    model: type[BaseModel],
    exc: ValidationError,
    describe: yaml_structure.Describe | None = None,
    key_hint: yaml_structure.KeyHint | None = None,
    values_only: bool = False,
) -> list[str]:
    """Every validation error as ``file:line:column: <what it belongs to>: <what to do>``
    (``values_only``: leave out the errors about the file as a whole)."""
    problems = []
    seen: set[tuple[str, str]] = set()
    errors = [e for e in exc.errors() if e["loc"] or not values_only]
    locs = [tuple(e["loc"]) for e in errors]
    for err in errors:
        own = tuple(err["loc"])
        # pydantic also reports a parent list as too short when its items failed: noise
        if err["type"] == "too_short" and any(o[: len(own)] == own and o != own for o in locs):
            continue
        loc = yaml_structure.real_loc(source.data, err["loc"], err["type"] == "missing")
        text = yaml_structure.problem_text(
            err, loc, source.raw(loc), source.data, _allowed_keys(model, loc)
        )
        if text is None:
            continue
        if err["type"] == "extra_forbidden" and key_hint is not None:
            hint = key_hint(source.data, loc)
            text = hint if hint is not None else text
        where = source.where(loc[:-1] if err["type"] == "missing" else loc)
        owner = describe(source.data, loc) if describe else None
        line = f"{where}: {owner}: {text}" if owner is not None else f"{where}: {text}"
        if (where, str(text)) not in seen:
            seen.add((where, str(text)))
            problems.append(line)
    return problems


def validate_model(
    source: YamlSource,
    model: type[M],
    describe: yaml_structure.Describe | None = None,
    key_hint: yaml_structure.KeyHint | None = None,
) -> M:
    """Validate YAML data against a pydantic model; every problem names file:line:column,
    what it belongs to and what to write instead."""
    if source.problems:
        raise CovenantError(list(source.problems))
    if not isinstance(source.data, dict):
        first = next(iter(model.model_fields))
        raise CovenantError([f"{source.path}:1:1: {yaml_msg.not_a_mapping(first)}"])
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise CovenantError(structure_problems(source, model, exc, describe, key_hint)) from exc
