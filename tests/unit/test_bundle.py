"""Covenant bundles: a valid signed one switches the policy; anything else is refused and the
last valid policy stays."""

import datetime as dt
import json

import pytest

from pipeline.covenant.bundle import Bundle, PolicyHolder
from pipeline.covenant.signing import SigningKey, TrustedSigners, verify
from pipeline.errors import CovenantError
from pipeline.privacy.keyring import b64, unb64
from tests.conftest import CONVENANTEN

OFFICER = SigningKey.generate("privacy officer")
INTRUDER = SigningKey.generate("intruder")
TRUSTED = TrustedSigners(ondertekenaars=[OFFICER.signer()])


def _holder(policy, registry, store, keyring=None) -> PolicyHolder:
    return PolicyHolder(policy, registry, store, keyring, TRUSTED)


def _bundle(replace: tuple[str, str] | None = None, minutes: int = 0) -> Bundle:
    bundle = Bundle.from_directory(CONVENANTEN)
    files = {k: v.replace(*replace) for k, v in bundle.files.items()} if replace else bundle.files
    assert replace is None or files != bundle.files
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return Bundle(files, moment.isoformat())


def _signed(bundle: Bundle, key: SigningKey = OFFICER) -> bytes:
    return key.sign(bundle.to_bytes())


def test_bundle_round_trip_and_digest():
    bundle = _bundle()
    assert set(bundle.files) == {"midden-nederland.yaml"}  # no registry, no examples
    again = Bundle.from_bytes(bundle.to_bytes())
    assert again.files == bundle.files and again.digest == bundle.digest


def test_a_valid_bundle_switches_and_the_same_one_is_not_recompiled(
    policy, registry, store, keyring
):
    holder = _holder(policy, registry, store, keyring)
    v2 = _bundle(('versie: "2025.1"', 'versie: "2025.2"'), minutes=1)
    assert holder.apply(_signed(v2))
    assert holder.policy.version == "midden-nederland@2025.2"
    switched = holder.policy
    assert not holder.apply(_signed(v2))
    assert holder.policy is switched


def test_invalid_bundles_are_refused_and_the_last_valid_policy_stays(
    policy, registry, store, caplog
):
    holder = _holder(policy, registry, store)
    for raw in (
        b"",
        b"\\xff\\xfe not json",
        OFFICER.sign(b'{"format": 1, "files": {}}'),
        OFFICER.sign(b'{"format": 2, "files": {"a.yaml": "x"}}'),
        OFFICER.sign(b'{"format": 1, "files": {"a.yaml": 5}}'),
        _signed(_bundle(("slachtoffer.bsn: doorgeven", "slachtoffer.bsnn: doorgeven"))),
        _signed(_bundle(("regels:", "regels: ["))),
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


def _tampered(raw: bytes) -> bytes:
    """The signed value with one covenant line changed after signing: R4 also gets the BSN."""
    body = json.loads(raw)
    inner = unb64(body["bundel"]).replace(
        b"slachtoffer.voornamen: doorgeven", b"slachtoffer.bsn: doorgeven", 1
    )
    body["bundel"] = b64(inner)
    return json.dumps(body).encode()


def test_only_bundles_signed_by_a_trusted_key_are_adopted(policy, registry, store, keyring, caplog):
    holder = _holder(policy, registry, store, keyring)
    v2 = _bundle(('versie: "2025.1"', 'versie: "2025.2"'), minutes=1)
    for raw, why in (
        (v2.to_bytes(), "not a signed bundle"),  # unsigned (format 1), as before signing
        (_signed(v2, INTRUDER), "is not trusted"),
        (_tampered(_signed(v2)), "does not verify"),
    ):
        assert not holder.apply(raw)
        assert holder.policy is policy and why in caplog.text
    assert holder.apply(_signed(v2))


def test_an_older_bundle_cannot_roll_the_policy_back(policy, registry, store, keyring, caplog):
    holder = _holder(policy, registry, store, keyring)
    old = _bundle(minutes=1)
    new = _bundle(('versie: "2025.1"', 'versie: "2025.2"'), minutes=2)
    assert holder.apply(_signed(new))
    assert not holder.apply(_signed(old))
    assert holder.policy.version == "midden-nederland@2025.2"
    assert "not newer than the one in force" in caplog.text


def test_verify_returns_exactly_the_signed_bytes_and_the_signer():
    raw = _bundle().to_bytes()
    inner, signer = verify(OFFICER.sign(raw), TRUSTED)
    assert inner == raw and signer.naam == "privacy officer"
    with pytest.raises(CovenantError, match="not trusted"):
        verify(OFFICER.sign(raw), TrustedSigners())
