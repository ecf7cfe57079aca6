"""Route a fixed set of signals, hostile ones included, and write down every output.

    python tests/compiled_routing.py KEYS_DIR OUT.json

Run by tests/unit/test_compiled.py twice, with ``pipeline`` imported from the compiled build
and from a pure copy of the package, to compare the two byte for byte. Everything is fixed: the
signals (a seeded factory), the moment, the keys (made once, in KEYS_DIR). Only what is random
by design differs between two runs: the ciphertexts of encrypted fields and of dead letters,
which are written down opened (the plaintext, and the key version they were sealed to).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from pipeline import compiled, topics
from pipeline.codec.framing import decode, encode
from pipeline.codec.schema_store import load_store
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.policy import Policy
from pipeline.ops.dead_letters import DeadLetter
from pipeline.privacy.dead_letter_key import read_dead_letter_keys
from pipeline.privacy.keyring import read_keyring, read_recipient_keys
from pipeline.privacy.view_decryption import decrypt_view
from pipeline.registry import load_registry
from pipeline.router.core import MAX_HEADERS, MAX_SIGNAL_BYTES, route_batch
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound, Outbound, RouteResult
from pipeline.signals.prepare import prepare
from pipeline.statistics.facts import facts_of
from pipeline.synthetic.generator import SignalFactory

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=2)
#: Signals of the first batch per (partner, type); the second batch follows up on them.
MIX = (("politie", "Signaal", 24), ("nla", "Controle", 6), ("nla", "Signaal", 4))
MIX += (("comensha", "Signaal", 4), ("gemeente-utrecht", "Signaal", 4))


class Inputs:
    """The records of one run, offsets counting up per partner topic as Kafka gives them."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.factory = SignalFactory(seed=32, now=NOW)
        self.records: list[Inbound] = []
        self.offsets: dict[str, int] = {}

    def add(self, topic: str, value: bytes | None, headers: Any = (), key: bytes = b"k") -> None:
        offset = self.offsets.get(topic, 0)
        self.offsets[topic] = offset + 1
        self.records.append(Inbound(topic, 0, offset, key, value, tuple(headers)))

    def again(self) -> None:
        """The last record read again (a redelivery: same topic, partition and offset)."""
        self.records.append(self.records[-1])

    def signal(self, document: dict[str, Any], source: str, edit: Any = None) -> bytes:
        """A document as its partner's client encodes it (``edit``: changed after checking)."""
        entry, datum = prepare(document, source, self.policy.store, NOW)
        if edit is not None:
            edit(datum)
        raw = encode(entry, datum)
        self.add(topics.inbound(source), raw)
        return raw


def _in_utrecht(document: dict[str, Any], n: int) -> dict[str, Any]:
    """Every other document about a victim in Utrecht: in the covenant's area and not."""
    subject = document.get("slachtoffer")
    if subject is not None and n % 2 == 0:
        subject["adres"] = {**(subject.get("adres") or {}), "gemeentecode": "GM0344"}
    return document


def first_batch(inputs: Inputs) -> None:
    """Signals of every kind, and the hostile records a partner or an attacker could send."""
    n = 0
    for source, kind, count in MIX:
        for _ in range(count):
            n += 1
            inputs.signal(_in_utrecht(inputs.factory.make(source, kind).document, n), source)
    politie = topics.inbound("politie")
    document = _in_utrecht(inputs.factory.make("politie", "Signaal").document, 0)
    raw = inputs.signal(document, "politie")
    inputs.again()  # routed again, identically
    inputs.add(politie, raw, key=b"other")  # its event id from another record: a duplicate
    inputs.add(politie, b"")
    inputs.add(politie, raw[: len(raw) // 2])  # truncated
    inputs.add(politie, raw[:2] + bytes(8) + raw[10:])  # a fingerprint no schema has
    inputs.add(politie, b"\x00" * (MAX_SIGNAL_BYTES + 1))
    inputs.add(politie, raw, headers=[(f"h{i}", b"x") for i in range(MAX_HEADERS + 1)])
    inputs.add("signalen.onbekend", raw)
    inputs.add(topics.inbound("nla"), raw)  # politie's signal on nla's topic: source mismatch
    edits = (
        lambda d: d["slachtoffer"].update(bsn="123456789"),
        lambda d: d["envelope"].update(occurred_at=LATER, recorded_at=LATER),
        lambda d: d["envelope"].update(trace_id="0" * 32),
        lambda d: d["slachtoffer"].update(voornamen="Zoë Ñúñez-d'Almeida"),
    )
    for edit in edits:
        fresh = _in_utrecht(inputs.factory.make("politie", "Signaal").document, 0)
        inputs.signal(fresh, "politie", edit)
    broken = raw.replace(b"\x02", b"\xc0", 3)  # invalid UTF-8 or a wrong length
    inputs.add(politie, broken)


def second_batch(inputs: Inputs, first: list[RouteResult]) -> None:
    """Follow-ups: a Statusupdate about politie's own event, a Verwijzing about the reference
    comensha received for it (so references, claims and their scope are read)."""
    politie_ids = [r.claimed[0] for r in first if r.claimed is not None][:6]
    for event_id in politie_ids:
        document = inputs.factory.follow_up("politie", "Statusupdate", event_id).document
        inputs.signal(document, "politie")
    inbox = topics.INBOX_PREFIX + "comensha"
    references = [o.key.decode() for r in first for o in r.deliveries if o.topic == inbox][:6]
    for reference in references:
        document = inputs.factory.follow_up("comensha", "Verwijzing", reference).document
        inputs.signal(document, "comensha")


def _outbound(o: Outbound) -> dict[str, Any]:
    return {
        "topic": o.topic,
        "key": o.key.hex(),
        "value": o.value.hex(),
        "headers": [[name, value.hex()] for name, value in o.headers],
        "timestamp_ms": o.timestamp_ms,
    }


def written(result: RouteResult, policy: Policy, keys_dir: Path) -> dict[str, Any]:
    """Every output of one result; sealed parts opened (their ciphertext is random)."""
    views = []
    for o in result.deliveries:
        view = _outbound(o)
        datum = decode(o.value, policy.store)[1]
        recipient = o.topic.removeprefix(topics.INBOX_PREFIX)
        opened = decrypt_view(datum, read_recipient_keys(keys_dir / f"{recipient}.json"))
        if opened != datum:  # encrypted fields: their plaintext instead of the bytes
            view["value"] = repr(sorted(opened.items()))
        views.append(view)
    out = {"views": views, "log": [_outbound(o) for o in result.log]}
    out["claim"] = _outbound(result.claim) if result.claim is not None else None
    letter = result.dead_letter
    if letter is not None:
        stored = DeadLetter(0, 0, 0, letter.key, letter.value, letter.headers)
        content = stored.open(read_dead_letter_keys(keys_dir / "dode-letters.json"))
        out["dead_letter"] = {**_outbound(letter), "value": repr(content)}
    return out


def main(keys_dir: Path, out: Path) -> None:
    """Route the two batches and write what came out, and which modules ran compiled."""
    registry = load_registry(ROOT / "convenanten")
    store = load_store(ROOT / "schemas")
    keyring = read_keyring(keys_dir / "keyring.json")
    dead_letter_keys = read_dead_letter_keys(keys_dir / "dode-letters.json")
    policy = compile_policy(load_covenants(ROOT / "convenanten"), registry, store, keyring)
    policy = dataclasses.replace(policy, dead_letter_key=dead_letter_keys.public_key())
    index = EventIndex()
    inputs = Inputs(policy)
    first_batch(inputs)
    first = route_batch(inputs.records, policy, NOW, index)
    done = len(inputs.records)
    second_batch(inputs, first)
    second = route_batch(inputs.records[done:], policy, NOW, index)
    results = first + second
    modules = compiled.modules.MODULES
    native = [m for m in modules if compiled.native(importlib.import_module(m))]
    report = {
        "compiled": sorted(native),
        "results": [written(r, policy, keys_dir) for r in results],
        "facts": [_outbound(o) for o in facts_of(inputs.records, results, policy, NOW)],
    }
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
