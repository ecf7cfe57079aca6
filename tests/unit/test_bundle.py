"""Covenant bundles: a valid one switches the policy, an invalid one is refused and the last stays."""

from pipeline.covenant.bundle import Bundle, PolicyHolder
from tests.conftest import CONVENANTEN


def _holder(policy, registry, store, keyring=None) -> PolicyHolder:
    return PolicyHolder(policy, registry, store, keyring)


def _bundle(replace: tuple[str, str] | None = None) -> Bundle:
    bundle = Bundle.from_directory(CONVENANTEN)
    if replace:
        files = {k: v.replace(*replace) for k, v in bundle.files.items()}
        assert files != bundle.files
        bundle = Bundle(files, bundle.published_at)
    return bundle


def test_bundle_round_trip_and_digest():
    bundle = _bundle()
    assert set(bundle.files) == {"midden-nederland.yaml"}  # no registry, no examples
    again = Bundle.from_bytes(bundle.to_bytes())
    assert again.files == bundle.files and again.digest == bundle.digest


def test_a_valid_bundle_switches_and_the_same_one_is_not_recompiled(
    policy, registry, store, keyring
):
    holder = _holder(policy, registry, store, keyring)
    v2 = _bundle(('versie: "2025.1"', 'versie: "2025.2"'))
    assert holder.apply(v2.to_bytes())
    assert holder.policy.version == "midden-nederland@2025.2"
    switched = holder.policy
    assert not holder.apply(v2.to_bytes())
    assert holder.policy is switched


def test_invalid_bundles_are_refused_and_the_last_valid_policy_stays(
    policy, registry, store, caplog
):
    holder = _holder(policy, registry, store)
    for raw in (
        b"",
        b"\\xff\\xfe not json",
        b'{"format": 1, "files": {}}',
        b'{"format": 2, "files": {"a.yaml": "x"}}',
        b'{"format": 1, "files": {"a.yaml": 5}}',
        _bundle(("slachtoffer.bsn: doorgeven", "slachtoffer.bsnn: doorgeven")).to_bytes(),
        _bundle(("regels:", "regels: [")).to_bytes(),
    ):
        assert not holder.apply(raw)
        assert holder.policy is policy
    assert "unknown field slachtoffer.bsnn" in caplog.text
    # problems name the file in the bundle, never a temporary directory
    line = next(
        i
        for i, text in enumerate(
            (CONVENANTEN / "midden-nederland.yaml").read_text().splitlines(), 1
        )
        if "slachtoffer.bsn: doorgeven" in text
    )
    assert f"bundle/midden-nederland.yaml:{line}:25: unknown field slachtoffer.bsnn" in caplog.text
    assert "ketenstroom-covenants-" not in caplog.text
