"""codec.split: log records are written as groups of fields, shared groups encoded once. The
bytes must be exactly what encoding each whole record gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest

from pipeline.codec.framing import decode, encode
from pipeline.codec.schema_store import make_entry
from pipeline.codec.split import SplitEncoder
from pipeline.errors import CodecError
from pipeline.router.core import route
from pipeline.router.disclosure import disclosure_log
from pipeline.synthetic.generator import SignalFactory
from tests.helpers import in_utrecht, inbound, signal_bytes


def test_views_and_log_records_equal_one_whole_encoding(policy, store):
    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    factory = SignalFactory(seed=3, now=now)
    policy = dataclasses.replace(
        policy
    )  # its own caches: other tests' signals filled the shared one
    outcomes: Counter[str] = Counter()
    views = 0
    for signal in factory.stream(60):
        _, value = signal_bytes(store, signal.document, signal.source, now)
        result = route(inbound(signal.source, value), policy, now)
        assert result.dead_letter is None
        for record in result.deliveries + result.log:
            entry, datum = decode(record.value, policy.store)
            assert encode(entry, datum) == record.value
        # A copy of the policy starts with no cached groups: what the warm cache gave must be
        # what encoding afresh gives, for this signal's recipients, views and grants.
        cold = route(inbound(signal.source, value), dataclasses.replace(policy), now)
        assert cold.log == result.log  # (views hold fresh ciphertexts: compared above)
        views += len(result.deliveries)
        outcomes.update(decode(r.value, policy.store)[1]["outcome"] for r in result.log)
    assert views >= 60 and outcomes["DISCLOSED"] == views and outcomes["NO_RECIPIENT"] >= 1
    # Two cached groups per (recipient, view, fields, grants, outcome), not per record.
    assert 0 < disclosure_log(policy).split.cached_parts <= 2 * 30 < 2 * views


def test_no_view_carries_the_signals_own_envelope(policy, store, factory, now):
    document = in_utrecht(factory.make("politie", "Signaal").document)
    datum, value = signal_bytes(store, document, "politie", now)
    result = route(inbound("politie", value), policy, now)
    assert len(result.deliveries) >= 3
    own = {str(datum["envelope"][k]) for k in ("event_id", "trace_id", "span_id")}
    for record in result.deliveries:
        view = decode(record.value, policy.store)[1]
        assert not own & {str(v) for v in view["envelope"].values()}
        assert not any(o.encode() in record.value + record.key for o in own)
        assert all(o.encode() not in v for o in own for _, v in record.headers)


def _entry(*types: object):
    fields = [{"name": f"f{i}", "type": t} for i, t in enumerate(types)]
    return make_entry({"type": "record", "name": "T", "fields": fields}, "log")


def test_groups_join_to_the_whole_record_and_an_empty_group_is_no_bytes():
    entry = _entry("string", ["null", "long"], {"type": "array", "items": "string"})
    whole = {"f0": "a", "f1": 7, "f2": ["x", "y"]}
    split = SplitEncoder(entry, (1, 1))
    assert split.groups == (("f0",), (), ("f1", "f2"))
    parts = (
        split.part(0, {"f0": "a"}),
        split.part(1, {}),
        split.part(2, {"f1": 7, "f2": ["x", "y"]}),
    )
    assert parts[1] == b"" and split.join(*parts) == encode(entry, whole)


def test_a_group_takes_exactly_its_own_fields():
    split = SplitEncoder(_entry("string", "string"), (1,))
    with pytest.raises(CodecError, match="does not fit"):
        split.part(0, {"f0": "a", "f1": "b"})  # a field of another group: refused, not dropped
    with pytest.raises(CodecError, match="does not fit"):
        split.part(1, {})


def test_cached_groups_are_encoded_once_per_key():
    split = SplitEncoder(_entry("string", "string"), (1,))
    calls = []

    def values(v: str):
        def make():
            calls.append(v)
            return {"f1": v}

        return make

    first = split.cached(1, "k", values("b"))
    assert split.cached(1, "k", values("other")) == first and calls == ["b"]
    assert split.cached(1, "k2", values("c")) != first and split.cached_parts == 2


def test_group_starts_out_of_order_are_refused():
    with pytest.raises(ValueError, match="out of order"):
        SplitEncoder(_entry("string", "string", "string"), (2, 1))
