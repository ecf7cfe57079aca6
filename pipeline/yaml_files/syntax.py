"""Reading YAML as its writer meant it: each syntax mistake found where it was made, said as
what the writer did, and, where the intent is clear, repaired so the rest can still be read.

The parser reports where it got stuck, which is often far from the mistake: an unclosed
apostrophe (``'s-Hertogenbosch``) fails at the next apostrophe or at the end of the file. So
the mistake is looked for near the failure (the value that opened the quote, the line above a
continuation, the block the line should belong to). Repairs only make the rest readable; a
file with any finding never counts as valid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

from pipeline.language import Text
from pipeline.messages import yaml as msg

#: How many mistakes one file may hold before reading stops.
MAX_FINDINGS = 25
_KEY_VALUE = re.compile(
    r"^(?P<indent>\s*)(?P<dash>-\s+)?(?P<key>[^\s#'\"{\[][^:#]*?):(?P<gap>\s+)(?P<value>.*)$"
)
_KEY_LINE = re.compile(r"^\s*(-\s+)?[^\s#'\"{\[][^:#]*?:(\s|$)")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Finding:
    """One mistake: 1-based line and column, and what to do."""

    line: int
    column: int
    text: Text


@dataclass(frozen=True)
class Parsed:
    """What could be read: the node tree and data (None if nothing), and every finding."""

    root: yaml.Node | None
    data: Any
    findings: tuple[Finding, ...]


def _split_value(line: str) -> tuple[str, str, int] | None:
    """(key, value without a trailing comment, column of the value) of a ``key: value`` line."""
    match = _KEY_VALUE.match(line)
    if match is None or not match.group("value").strip():
        return None
    value = match.group("value")
    comment = value.find(" #")
    if comment >= 0 and not value.lstrip().startswith(("'", '"')):
        value = value[:comment]
    return match.group("key").strip(), value.rstrip(), match.start("value")


def _quoted(line: str) -> str:
    """The line with its value put between double quotes (escaped), so it reads as text."""
    parts = _split_value(line)
    if parts is None:
        return line
    _, value, start = parts
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{line[:start]}"{escaped}"'


def _unclosed_quote(line: str) -> tuple[str, str, str] | None:
    """(key, value, quote) when a value starts with a quote that its line does not close."""
    parts = _split_value(line)
    if parts is None:
        return None
    key, value, _ = parts
    quote = value[:1]
    if quote not in ("'", '"'):
        return None
    body = value[1:].replace("''", "") if quote == "'" else re.sub(r"\\.", "", value[1:])
    return (key, value, quote) if quote not in body else None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _replace_tabs(lines: list[str]) -> tuple[list[str], list[Finding]]:
    """Report every tab in an indentation; read on with the indentation that parses furthest:
    each tabbed line aligned with its neighbours (one tab among spaces), or every tab as the
    same number of spaces (a file indented with tabs throughout)."""
    findings = []
    tabbed = []
    for i, line in enumerate(lines):
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in lead:
            findings.append(Finding(i + 1, lead.index("\t") + 1, msg.tab()))
            tabbed.append(i)
    if not tabbed:
        return lines, findings
    trials = [_aligned(lines, tabbed)]
    for width in (2, 4, 8, 1):
        trial = list(lines)
        for i in tabbed:
            lead = trial[i][: len(trial[i]) - len(trial[i].lstrip(" \t"))]
            trial[i] = lead.replace("\t", " " * width) + trial[i][len(lead) :]
        trials.append(trial)
    best, best_reach = lines, -1
    for trial in trials:  # the first of equals wins: alignment with the neighbours
        reach = _parses_until(trial)
        if reach > best_reach:
            best, best_reach = trial, reach
    return best, findings


def _aligned(lines: list[str], tabbed: list[int]) -> list[str]:
    """Each tabbed line indented like the line above it, or one step further when that line
    opens a block (ends in a colon); a step is how far the next untabbed line goes in."""
    out = list(lines)
    tabs = set(tabbed)
    for i in tabbed:
        above = _previous_content(out, i)
        if above is None:
            indent = 0
        elif out[above].rstrip().endswith(":"):
            below = next(
                (
                    j
                    for j in range(i + 1, len(out))
                    if j not in tabs and out[j].strip() and not out[j].lstrip().startswith("#")
                ),
                None,
            )
            deeper = _indent(out[below]) if below is not None else 0
            indent = deeper if deeper > _indent(out[above]) else _indent(out[above]) + 2
        else:
            indent = _indent(out[above])
        out[i] = " " * indent + out[i].lstrip(" \t")
    return out


def _parses_until(lines: list[str]) -> int:
    try:
        yaml.compose("\n".join(lines), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return exc.problem_mark.line if exc.problem_mark else 0
    return len(lines) + 1


def _previous_content(lines: list[str], index: int) -> int | None:
    for i in range(index - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def _diagnose(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[Finding, list[str] | None]:
    """The mistake behind a parser error, and the lines repaired (None: cannot read on)."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark
    line_no = mark.line if mark else 0
    column = mark.column if mark else 0
    # An unclosed quote on or before the failing line: the parser ran on past it.
    for i in range(min(line_no, len(lines) - 1), -1, -1):
        if i < len(lines) and (found := _unclosed_quote(lines[i])) is not None:
            key, value, quote = found
            closed = next((j + 1 for j in range(i + 1, len(lines)) if quote in lines[j]), None)
            column_of = lines[i].index(quote) + 1
            repaired = list(lines)
            repaired[i] = _quoted(lines[i])
            return Finding(
                i + 1, column_of, msg.unclosed_quote(key, value, quote, closed)
            ), repaired
    text = lines[line_no] if line_no < len(lines) else ""
    if "\t" in problem:
        repaired = list(lines)
        repaired[line_no] = text.replace("\t", " ")
        return Finding(line_no + 1, column + 1, msg.tab()), repaired
    if "mapping values are not allowed" in problem:
        own = re.match(r"^\s*(-\s+)?[^:]*:", text)
        if own is not None and column >= own.end() and (parts := _split_value(text)):
            key, value, _ = parts
            repaired = list(lines)
            repaired[line_no] = _quoted(text)
            return Finding(line_no + 1, column + 1, msg.colon_in_text(key, value)), repaired
        previous = _previous_content(lines, line_no)
        if previous is not None and not _KEY_LINE.match(lines[previous]):
            where = msg.missing_colon(previous + 1, lines[previous])
            return Finding(previous + 1, _indent(lines[previous]) + 1, where), None
        key_above = _KEY_VALUE.match(lines[previous]) if previous is not None else None
        key = key_above.group("key").strip() if key_above else ""
        above = (previous or 0) + 1
        return Finding(
            line_no + 1, _indent(text) + 1, msg.indented_further(line_no + 1, above, key)
        ), None
    if "could not find expected ':'" in problem and exc.context_mark is not None:
        at = exc.context_mark.line
        return Finding(
            at + 1, exc.context_mark.column + 1, msg.missing_colon(at + 1, lines[at])
        ), None
    if context.startswith("while parsing a flow") and exc.context_mark is not None:
        opening = "[" if "sequence" in context else "{"
        start = exc.context_mark
        where = msg.unclosed_list(start.line + 1, opening)
        return Finding(start.line + 1, start.column + 1, where), None
    if "cannot start any token" in problem or context.startswith(
        ("while scanning an alias", "while scanning an anchor")
    ):
        parts = _split_value(text)
        if parts is not None:
            key, value, _ = parts
            repaired = list(lines)
            repaired[line_no] = _quoted(text)
            return Finding(
                line_no + 1, column + 1, msg.reserved_start(key, value, value[:1])
            ), repaired
    if (
        "expected <block end>" in problem or "did not find expected" in problem
    ) and exc.context_mark:
        block = exc.context_mark
        where = msg.indentation(line_no + 1, _indent(text) + 1, block.line + 1, block.column + 1)
        return Finding(line_no + 1, column + 1, where), None
    return Finding(line_no + 1, column + 1, msg.other_syntax(f"{context} {problem}".strip())), None


def _swallowed(root: yaml.Node, lines: list[str]) -> int | None:
    """Index of a line whose opening quote ran on over lines that look like keys of their own."""
    for node in _nodes(root):
        if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"'):
            first, last = node.start_mark.line, node.end_mark.line
            owner = _indent(lines[first])
            # a continuation indented no further than the key that opened the quote is not
            # part of its text but a key of its own (yaml.dump's long quoted texts indent more)
            if last > first and any(
                _KEY_LINE.match(lines[i]) and _indent(lines[i]) <= owner
                for i in range(first + 1, min(last + 1, len(lines)))
            ):
                return first
    return None


def _nodes(root: yaml.Node) -> list[yaml.Node]:
    """Every node once, also where aliases share them (so a billion-laughs file stays small)."""
    out: list[yaml.Node] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack += [value, key]
        elif isinstance(node, yaml.SequenceNode):
            stack += list(reversed(node.value))
    return out


def _node_findings(root: yaml.Node) -> list[Finding]:
    """Duplicate keys and dates that do not exist; bad dates are read on as text."""
    findings = []
    for node in _nodes(root):
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, _ in node.value:
                name = str(key.value)
                if name in seen:
                    findings.append(
                        Finding(
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                            msg.duplicate_key(name, seen[name]),
                        )
                    )
                else:
                    seen[name] = key.start_mark.line + 1
        elif isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
            try:
                dt.date.fromisoformat(str(node.value)[:10])
            except ValueError:
                findings.append(
                    Finding(
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                        msg.invalid_date(str(node.value)),
                    )
                )
                node.tag = _STR
    return findings


def _construct(root: yaml.Node | None) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def parse(text: str) -> Parsed:
    """Parse YAML text; every mistake becomes a finding, and what can be read is returned."""
    lines, findings = _replace_tabs(text.split("\n"))
    root: yaml.Node | None = None
    while len(findings) < MAX_FINDINGS:
        try:
            root = yaml.compose("\n".join(lines), Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            finding, repaired = _diagnose(exc, lines)
            findings.append(finding)
            if repaired is None or repaired == lines:
                return Parsed(None, None, tuple(findings))
            lines = repaired
            continue
        swallowed = _swallowed(root, lines) if root is not None else None
        if swallowed is None:
            break
        key, value, quote = _unclosed_quote(lines[swallowed]) or ("", lines[swallowed].strip(), "'")
        closed = next((j + 1 for j in range(swallowed + 1, len(lines)) if quote in lines[j]), None)
        findings.append(
            Finding(
                swallowed + 1,
                _indent(lines[swallowed]) + 1,
                msg.unclosed_quote(key, value, quote, closed),
            )
        )
        repaired = list(lines)
        repaired[swallowed] = _quoted(lines[swallowed])
        if repaired == lines:
            return Parsed(None, None, tuple(findings))
        lines = repaired
    else:
        findings.append(Finding(1, 1, msg.gave_up()))
        return Parsed(None, None, tuple(findings))
    if root is not None:
        findings += _node_findings(root)
    return Parsed(root, _construct(root), tuple(findings))
