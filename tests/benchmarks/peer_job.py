"""The benchmark's peer: the job as a user would write it by hand, without ketenstroom.

Decode a politie signal (Avro single-object encoding, fastavro), make the field selections of
the shipped covenant's four politie recipients (rules R1-R4: om, zorgcoordinatie-utrecht,
gemeente-utrecht, comensha), encode each selection with fastavro and one small log record
naming the event, the recipients and their fields. A plain dict selection per recipient: only
the fields a rule passes unchanged (``doorgeven``), no pseudonyms, no encryption, no conditions
(every signal goes to all four), no duplicate check. Pure, no Kafka: ``peer_confluent`` and
``peer_aiokafka`` run it between their clients.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
import yaml
from fastavro.schema import (
    expand_schema,
    fingerprint,
    load_schema_ordered,
    to_parsing_canonical_form,
)

ROOT = Path(__file__).resolve().parents[2]
COVENANT = ROOT / "convenanten" / "midden-nederland.yaml"
SIGNAL_SCHEMA = [
    ROOT / "schemas" / "common" / "adres.avsc",
    ROOT / "schemas" / "common" / "persoon.avsc",
    ROOT / "schemas" / "common" / "envelope.avsc",
    ROOT / "schemas" / "signalen" / "signaal.avsc",
]
#: The covenant's rules for politie Signaal records that name one recipient each.
RULES = ("R1", "R2", "R3", "R4")
#: Records a peer writes per signal: a view per rule and one log record.
OUTPUTS_PER_SIGNAL = len(RULES) + 1
MAGIC = b"\xc3\x01"
LOG_SCHEMA = {
    "type": "record",
    "name": "Disclosure",
    "namespace": "peer",
    "fields": [
        {"name": "event_id", "type": "string"},
        {"name": "source", "type": "string"},
        {
            "name": "recipients",
            "type": {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Recipient",
                    "fields": [
                        {"name": "recipient", "type": "string"},
                        {"name": "fields", "type": {"type": "array", "items": "string"}},
                    ],
                },
            },
        },
    ],
}

#: A selection: field name -> None (the whole value) or the selection inside a nested record.
Selection = dict[str, "Selection | None"]


def selections(covenant: Path = COVENANT) -> dict[str, list[str]]:
    """Recipient -> the dotted field paths its rule passes unchanged, from the covenant file."""
    rules = {r["id"]: r for r in yaml.safe_load(covenant.read_text(encoding="utf-8"))["regels"]}
    return {
        rules[rule]["ontvangers"][0]: [
            f for f, how in rules[rule]["velden"].items() if how == "doorgeven"
        ]
        for rule in RULES
    }


def _tree(paths: list[str]) -> Selection:
    tree: Selection = {}
    for path in paths:
        node = tree
        *parents, leaf = path.split(".")
        for name in parents:
            child = node.setdefault(name, {})
            if child is None:
                break  # the whole record is selected already
            node = child
        else:
            node[leaf] = None
    return tree


def _prune(record: dict[str, Any], selection: Selection, prefix: str) -> dict[str, Any]:
    """``record``'s schema with only the selected fields; its records renamed per view."""
    fields = []
    for field in record["fields"]:
        if field["name"] not in selection:
            continue
        inner = selection[field["name"]]
        if inner is not None:
            kind = field["type"]
            field = {
                **field,
                "type": [_prune(t, inner, prefix) if isinstance(t, dict) else t for t in kind]
                if isinstance(kind, list)
                else _prune(kind, inner, prefix),
            }
        fields.append(field)
    return {
        "type": "record",
        "name": f"{prefix}{record['name'].rsplit('.', 1)[-1]}",
        "fields": fields,
    }


def _select(datum: dict[str, Any], selection: Selection) -> dict[str, Any]:
    return {
        name: value if inner is None or value is None else _select(value, inner)
        for name, inner in selection.items()
        for value in (datum[name],)
    }


def _framed(parsed: Any) -> bytes:
    return MAGIC + bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))


@dataclass(frozen=True)
class View:
    """One recipient's view: its topic, field selection and schema."""

    topic: str
    selection: Selection
    parsed: Any
    header: bytes


class PeerJob:
    """Signal bytes in, four views and a log record out (each as (topic, value bytes))."""

    def __init__(self, output_prefix: str) -> None:
        signal = load_schema_ordered([str(p) for p in SIGNAL_SCHEMA])
        self.header = _framed(signal)
        self.signal = signal
        expanded = expand_schema(signal)
        chosen = selections()
        self.views = []
        for recipient, paths in chosen.items():
            tree = _tree(paths)
            name = "".join(part.capitalize() for part in recipient.split("-"))
            parsed = fastavro.parse_schema({**_prune(expanded, tree, name), "namespace": "peer"})
            self.views.append(
                View(f"{output_prefix}inbox.{recipient}", tree, parsed, _framed(parsed))
            )
        self.log_topic = f"{output_prefix}log"
        self.log_schema = fastavro.parse_schema(LOG_SCHEMA)
        self.log_header = _framed(self.log_schema)
        self.disclosed = [{"recipient": r, "fields": paths} for r, paths in chosen.items()]

    @property
    def topics(self) -> list[str]:
        """Every topic the job writes to."""
        return [v.topic for v in self.views] + [self.log_topic]

    def outputs(self, raw: bytes) -> list[tuple[str, bytes]]:
        """The four views and the log record of one signal."""
        if raw[:10] != self.header:
            raise ValueError(f"not a single-object Signaal record: {raw[:10].hex()}")
        buf = io.BytesIO(raw)
        buf.seek(10)
        signal = fastavro.schemaless_reader(buf, self.signal, None)
        out = []
        for view in self.views:
            buf = io.BytesIO()
            buf.write(view.header)
            fastavro.schemaless_writer(buf, view.parsed, _select(signal, view.selection))
            out.append((view.topic, buf.getvalue()))
        envelope = signal["envelope"]
        buf = io.BytesIO()
        buf.write(self.log_header)
        fastavro.schemaless_writer(
            buf,
            self.log_schema,
            {
                "event_id": str(envelope["event_id"]),
                "source": envelope["source"],
                "recipients": self.disclosed,
            },
        )
        out.append((self.log_topic, buf.getvalue()))
        return out
