"""The compiled policy looks plans up by their equality conditions (policy.Dispatch) instead of
testing every rule. That index may only leave out plans that cannot render: it must give exactly
the recipients a scan of every plan gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.codec.framing import decode, encode
from pipeline.covenant.policy import Dispatch
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import GEMEENTEN, SignalFactory
from tests.benchmarks.rules import quiet_code, scaled_policy
from tests.conftest import NOW

SYNTHETIC = 40  # rules in all: the shipped ones plus municipality rules RG0000...


@pytest.fixture(scope="module")
def scaled(keyring):
    return scaled_policy(SYNTHETIC, keyring)


def rendering(plans, datum) -> set[str]:
    return {p.recipient for p in plans if isinstance(p.select(datum, NOW), tuple)}


codes = st.one_of(
    st.sampled_from(GEMEENTEN),
    st.integers(0, SYNTHETIC + 5).map(quiet_code),  # a synthetic rule's municipality, or past them
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), code=codes, source=st.sampled_from(["politie", "nla"]))
def test_the_index_gives_exactly_the_recipients_a_full_scan_gives(scaled, seed, code, source):
    document = SignalFactory(seed=seed, now=NOW).make(source, "Signaal").document
    document["slachtoffer"]["adres"]["gemeentecode"] = code
    entry, datum = prepare(document, source, scaled.store, NOW)
    _, datum = decode(encode(entry, datum), scaled.store)  # as route() sees it

    every = scaled.plans_for(source, "Signaal")
    indexed = scaled.candidates(source, "Signaal", datum)
    assert {id(p) for p in indexed} <= {id(p) for p in every}
    assert rendering(indexed, datum) == rendering(every, datum)
    municipalities = {r for r in rendering(indexed, datum) if r.startswith("gemeente-b")}
    grown = SYNTHETIC - 7  # the synthetic municipality rules RG0000...
    expected = {f"gemeente-b{n:04d}" for n in range(grown) if quiet_code(n) == code}
    assert municipalities == (expected if source == "politie" else set())


def test_plans_without_one_equality_gate_are_always_candidates(scaled):
    dispatch = Dispatch.of(scaled.plans_for("politie", "Signaal"))
    always = {plan.recipient for _, plan in dispatch.always}
    # the shipped rules without an equality condition (one tests an age): never skipped
    assert {"om", "comensha", "zorgcoordinatie-utrecht", "veilig-thuis-utrecht"} <= always
    (field,) = dispatch.gated
    assert field == "slachtoffer.adres.gemeentecode"
    # the municipality rules, and R3 (gemeente-utrecht: signals about Utrecht, GM0344)
    assert len(dispatch.gated[field]) == SYNTHETIC - 7 + 1
    assert [p.recipient for _, p in dispatch.gated[field]["GM0344"]] == ["gemeente-utrecht"]
