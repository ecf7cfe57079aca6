"""Example tests next to a covenant (``*.voorbeelden.yaml``): this signal, these fields, per recipient."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline import topics
from pipeline.codec.framing import decode, encode
from pipeline.covenant.fields import ENVELOPE_DEFAULTS
from pipeline.covenant.loader import EXAMPLES_SUFFIX
from pipeline.covenant.policy import Policy
from pipeline.errors import KetenstroomError
from pipeline.language import Text
from pipeline.messages import covenant as covenant_msg
from pipeline.messages import tools as tools_msg
from pipeline.router.core import route
from pipeline.router.records import Inbound
from pipeline.signals.prepare import prepare
from pipeline.yaml_files.source import YamlSource, read_yaml, read_yaml_lenient, validate_model

NOTHING = "niets"


class Voorbeeld(BaseModel):
    """One example: a signal from a source, and exactly what each recipient must receive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    naam: str = Field(min_length=1)
    bron: str
    signaal: dict[str, Any]
    verwacht: dict[str, list[str | dict[str, str]] | Literal["niets"]] = Field(min_length=1)

    def expected(self, recipient: str) -> dict[str, str] | None:
        """Field -> treatment the recipient must receive (a bare field name means doorgeven)."""
        entries = self.verwacht.get(recipient, NOTHING)
        if entries == NOTHING:
            return None
        out: dict[str, str] = {}
        for entry in entries:
            out.update({entry: "doorgeven"} if isinstance(entry, str) else entry)
        return out


class Voorbeelden(BaseModel):
    """A whole examples file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voorbeelden: tuple[Voorbeeld, ...] = Field(min_length=1)


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example; ``problems`` is empty when it passed. ``notes`` say what
    other covenants disclose of the same signal (not judged: the example tests its own)."""

    where: str
    name: str
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True if every recipient got exactly what the example says."""
        return not self.problems


#: recipient -> covenant id -> (rule ids, field -> treatment)
Received = dict[str, dict[str, tuple[list[str], dict[str, str]]]]


def _plain(value: Any) -> Any:
    """YAML reads unquoted dates and times as objects; the publisher takes ISO-8601 text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def disclosed_fields(example: Voorbeeld, policy: Policy, now: dt.datetime) -> Received:
    """Per recipient and covenant, the rules and field -> treatment for the example's signal
    (read from the disclosure log and the register, as an auditor would)."""
    entry, datum = prepare(_plain(example.signaal), example.bron, policy.store, now)
    record = Inbound(topics.inbound(example.bron), 0, 0, None, encode(entry, datum))
    result = route(record, policy, now)
    if result.dead_letter is not None:
        reason = dict(result.dead_letter.headers).get("ketenstroom-detail", b"").decode()
        raise KetenstroomError(reason)
    received: Received = {}
    for log in result.log:
        line = decode(log.value, policy.store)[1]
        if line["outcome"] != "DISCLOSED":
            continue
        first = line.get("processing_activity_id")
        ids = ([first] if first else []) + list(line.get("more_processing_activity_ids") or ())
        for activity_id in ids:
            activity = policy.register.get(activity_id)
            if activity is None:
                continue
            covenant = str(activity.record["convenant_id"])
            rules, fields = received.setdefault(line["recipient"], {}).setdefault(
                covenant, ([], {})
            )
            rules.append(str(activity.record["regel"]))
            fields.update(activity.treatments(str(line["recipient"])))
    return received


def check_example(
    example: Voorbeeld, policy: Policy, now: dt.datetime, covenant: str | None = None
) -> tuple[list[str], list[str]]:
    """(problems, notes): the differences between what the example expects and what
    ``covenant`` (None: all covenants) discloses and how; and what other covenants disclose of
    the same signal, which the example does not judge (the verdict is the same whether the
    covenant is tested alone or in its directory)."""
    try:
        found = disclosed_fields(example, policy, now)
    except KetenstroomError as exc:  # the example's own signal is refused
        return [str(tools_msg.example_refused(str(exc)))], []
    received: dict[str, dict[str, str]] = {}
    notes = []
    for recipient, by_covenant in sorted(found.items()):
        for name, (rules, fields) in sorted(by_covenant.items()):
            if covenant is None or name == covenant:
                received.setdefault(recipient, {}).update(fields)
            else:
                shown = ", ".join(sorted(_as_named(fields, {}))) or None
                notes.append(
                    str(tools_msg.example_other_covenant(recipient, name, sorted(set(rules)), shown))
                )
    problems = []
    for recipient in sorted(set(received) | set(example.verwacht)):
        expected = example.expected(recipient)
        got = received.get(recipient)
        if expected is None:
            if got is not None:
                text = tools_msg.example_unexpected(
                    recipient, ", ".join(sorted(_as_named(got, {}))), recipient in example.verwacht
                )
                problems.append(str(text))
            continue
        if got is None:
            problems.append(str(tools_msg.example_nothing(recipient, ", ".join(expected))))
            continue
        got = _as_named(got, expected)
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        if missing:
            problems.append(str(tools_msg.example_missing(recipient, ", ".join(missing))))
        if extra:
            problems.append(str(tools_msg.example_extra(recipient, ", ".join(extra))))
        for field in sorted(set(expected) & set(got)):
            if expected[field] != got[field]:
                text = tools_msg.example_treatment(recipient, field, got[field], expected[field])
                problems.append(str(text))
    return problems, notes


def _as_named(got: dict[str, str], expected: dict[str, str]) -> dict[str, str]:
    """What a recipient got, leaving out envelope fields at their default treatment unless the
    example names envelope fields itself (every view carries them: listing them is noise)."""
    if any(f.startswith("envelope.") for f in expected):
        return got
    return {f: t for f, t in got.items() if ENVELOPE_DEFAULTS.get(f) != t}


def _describe(data: Any, loc: tuple[str | int, ...]) -> Text | None:
    """An example by its name (not ``voorbeelden.2``)."""
    if len(loc) >= 2 and loc[0] == "voorbeelden" and isinstance(loc[1], int):
        items = data.get("voorbeelden") if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        name = item.get("naam") if isinstance(item, dict) else None
        return covenant_msg.in_example(str(name) if name else None, loc[1] + 1)
    return None


def example_files(convenanten_dir: Path) -> list[Path]:
    """Every ``*.voorbeelden.yaml`` in the covenant directory (for one covenant file: the
    examples file beside it)."""
    if convenanten_dir.is_file():
        beside = convenanten_dir.with_name(convenanten_dir.stem + EXAMPLES_SUFFIX)
        return [beside] if beside.exists() else []
    return sorted(convenanten_dir.glob(f"*{EXAMPLES_SUFFIX}"))


def _covenant_beside(examples: Path) -> str | None:
    """The id of the covenant an examples file belongs to (``x.voorbeelden.yaml`` belongs to
    ``x.yaml``), or None when there is no such file or it has no readable id."""
    covenant = examples.with_name(examples.name.removesuffix(EXAMPLES_SUFFIX) + ".yaml")
    if not covenant.is_file():
        return None
    data = read_yaml_lenient(covenant).data
    heading = data.get("convenant") if isinstance(data, dict) else None
    covenant_id = heading.get("id") if isinstance(heading, dict) else None
    return covenant_id if isinstance(covenant_id, str) else None


def run_examples(
    convenanten_dir: Path, policy: Policy, now: dt.datetime | None = None
) -> list[ExampleResult]:
    """Run every example file against the compiled policy; each file judges the covenant it
    sits beside (what other covenants disclose of the same signal comes as a note)."""
    moment = now or dt.datetime.now(dt.UTC)
    results = []
    for path in example_files(convenanten_dir):
        source: YamlSource = read_yaml(path)
        model = validate_model(source, Voorbeelden, _describe)
        covenant = _covenant_beside(path)
        for index, example in enumerate(model.voorbeelden):
            problems, notes = check_example(example, policy, moment, covenant)
            results.append(
                ExampleResult(
                    source.where(("voorbeelden", index)),
                    example.naam,
                    tuple(problems),
                    tuple(notes),
                )
            )
    return results
