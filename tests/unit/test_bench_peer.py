"""The benchmark's hand-written peer (tests/benchmarks/peer_job.py) does the work `make bench`
says it does: per politie signal the field selections of the shipped covenant's rules R1-R4,
each a decodable view holding exactly the fields its rule passes unchanged, and one log
record naming the event. Otherwise the side-by-side table would compare with something else."""

from __future__ import annotations

import io
from typing import Any

import fastavro

from pipeline.codec.framing import decode
from tests.benchmarks.peer_job import OUTPUTS_PER_SIGNAL, PeerJob, selections
from tests.helpers import signal_bytes


def _at(datum: dict[str, Any] | None, path: str) -> Any:
    for name in path.split("."):
        if datum is None:
            return None
        datum = datum[name]
    return datum


def _leaves(datum: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for name, value in datum.items():
        path = f"{prefix}{name}"
        found |= _leaves(value, f"{path}.") if isinstance(value, dict) else {path}
    return found


def _read(raw: bytes, parsed: Any) -> Any:
    buf = io.BytesIO(raw)
    buf.seek(10)
    return fastavro.schemaless_reader(buf, parsed, None)


def test_peer_views_hold_exactly_what_rules_r1_to_r4_pass_unchanged(store, factory, now):
    job = PeerJob("peer.")
    chosen = selections()
    assert list(chosen) == ["om", "zorgcoordinatie-utrecht", "gemeente-utrecht", "comensha"]
    assert "slachtoffer.bsn" in chosen["om"]  # doorgeven
    assert "slachtoffer.bsn" not in chosen["zorgcoordinatie-utrecht"]  # versleuteld: left out
    assert "omschrijving" not in chosen["zorgcoordinatie-utrecht"]  # weglaten
    for _ in range(40):
        _, value = signal_bytes(store, factory.make("politie", "Signaal").document, "politie", now)
        signal = decode(value, store)[1]
        outputs = job.outputs(value)
        assert len(outputs) == OUTPUTS_PER_SIGNAL
        assert [topic for topic, _ in outputs] == job.topics
        for (topic, raw), view, (recipient, paths) in zip(
            outputs[:-1], job.views, chosen.items(), strict=True
        ):
            assert topic == f"peer.inbox.{recipient}" and raw[:10] == view.header
            got = _read(raw, view.parsed)
            for path in paths:
                assert _at(got, path) == _at(signal, path), (recipient, path)
            # nothing else: every leaf is a selected field, or a record absent in the signal
            assert all(
                leaf in paths or any(p.startswith(f"{leaf}.") for p in paths)
                for leaf in _leaves(got)
            ), (recipient, _leaves(got) - set(paths))
        log = _read(outputs[-1][1], job.log_schema)
        assert log["event_id"] == str(signal["envelope"]["event_id"])
        assert {r["recipient"]: r["fields"] for r in log["recipients"]} == chosen
