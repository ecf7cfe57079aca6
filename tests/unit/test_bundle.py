"""Covenant bundles: a valid signed one of a higher version switches the policy; anything else is
refused and the last valid policy stays. A starting worker adopts the newest valid bundle."""

import datetime as dt
import json
import logging

import pytest

from pipeline.errors import ConfigurationError, CovenantError
from pipeline.privacy.keyring import b64, unb64
from pipeline.publication.adoption import PolicyHolder
from pipeline.publication.bundle import MAX_VERSION, Bundle, bundle_key
from pipeline.publication.signing import SigningKey, TrustedSigners, verify
from tests.conftest import CONVENANTEN

OFFICER = SigningKey.generate("privacy officer")
INTRUDER = SigningKey.generate("intruder")
TRUSTED = TrustedSigners(ondertekenaars=[OFFICER.signer()])
V2 = ('versie: "2025.1"', 'versie: "2025.2"')
V3 = ('versie: "2025.1"', 'versie: "2025.3"')
#: Version 2 withdraws the OM's BSN in the clear (rule R1 gives it a pseudonym instead).
NO_CLEAR_BSN = ("      slachtoffer.bsn: doorgeven\n", "      slachtoffer.bsn: pseudoniem\n")


def _holder(policy, registry, store, keyring=None, min_version=0) -> PolicyHolder:
    return PolicyHolder(policy, registry, store, keyring, TRUSTED, min_version=min_version)


def _bundle(version: int, *replacements: tuple[str, str]) -> Bundle:
    bundle = Bundle.from_directory(CONVENANTEN)
    files = dict(bundle.files)
    for old, new in replacements:
        changed = {k: v.replace(old, new, 1) for k, v in files.items()}
        assert changed != files, old
        files = changed
    return Bundle(files, dt.datetime(2026, 1, 1, tzinfo=dt.UTC).isoformat(), version)


def _signed(bundle: Bundle, key: SigningKey = OFFICER) -> bytes:
    return key.sign(bundle.to_bytes())


def _raw_signed(body: dict, key: SigningKey = OFFICER) -> bytes:
    """A signed value whose bundle JSON is exactly ``body`` (versions Bundle would never write)."""
    return key.sign(json.dumps(body).encode())


def test_bundle_round_trip_digest_and_key():
    bundle = _bundle(3)
    assert set(bundle.files) == {"midden-nederland.yaml"}  # no registry, no examples
    again = Bundle.from_bytes(bundle.to_bytes())
    assert again == bundle and again.digest == bundle.digest
    assert bundle.numbered(4).digest == bundle.digest  # the digest names the content only
    assert bundle_key(3) != bundle_key(4)  # one key per version: compaction keeps every version
    with pytest.raises(ValueError):
        Bundle.from_directory(CONVENANTEN).to_bytes()  # not numbered: cannot be published


def test_a_higher_version_switches_and_the_same_one_is_not_recompiled(
    policy, registry, store, keyring
):
    holder = _holder(policy, registry, store, keyring)
    v2 = _bundle(2, V2)
    assert holder.apply(_signed(v2)).outcome == "adopted"
    assert (holder.policy.version, holder.version) == ("midden-nederland@2025.2", 2)
    switched = holder.policy
    assert holder.apply(_signed(v2)).outcome == "unchanged"
    assert holder.policy is switched


def test_invalid_bundles_are_refused_and_the_last_valid_policy_stays(
    policy, registry, store, caplog
):
    holder = _holder(policy, registry, store)
    for raw in (
        b"",
        b"\\xff\\xfe not json",
        OFFICER.sign(b'{"format": 3, "version": 1, "files": {}}'),
        OFFICER.sign(b'{"format": 1, "files": {"a.yaml": "x"}}'),  # the old, unversioned format
        OFFICER.sign(b'{"format": 3, "version": 1, "files": {"a.yaml": 5}}'),
        _signed(_bundle(1, ("slachtoffer.bsn: doorgeven", "slachtoffer.bsnn: doorgeven"))),
        _signed(_bundle(1, ("regels:", "regels: ["))),
    ):
        adoption = holder.apply(raw)
        assert adoption.outcome == "refused" and adoption.reason
        assert holder.policy is policy and holder.version == 0
    assert "unknown field slachtoffer.bsnn" in caplog.text
    assert "older ones name no installation" in caplog.text
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


def _version_raised(raw: bytes, version: int) -> bytes:
    """The signed value with its version number changed after signing."""
    body = json.loads(raw)
    inner = json.loads(unb64(body["bundel"]))
    inner["version"] = version
    body["bundel"] = b64(json.dumps(inner, sort_keys=True).encode())
    return json.dumps(body).encode()


def test_only_bundles_signed_by_a_trusted_key_are_adopted(policy, registry, store, keyring, caplog):
    holder = _holder(policy, registry, store, keyring)
    v2 = _bundle(2, V2)
    for raw, why in (
        (v2.to_bytes(), "not a signed bundle"),  # unsigned, as before signing
        (_signed(v2, INTRUDER), "is not trusted"),
        (_tampered(_signed(v2)), "does not verify"),
        (_version_raised(_signed(_bundle(1)), 9), "does not verify"),  # the signature covers it
    ):
        adoption = holder.apply(raw)
        assert adoption.outcome == "refused" and why in adoption.reason
        assert not adoption.verified  # what it claims is reported as a claim only
        assert holder.policy is policy and why in caplog.text
    assert holder.apply(_signed(v2)).outcome == "adopted"


def test_an_older_or_equal_version_cannot_roll_the_policy_back(
    policy, registry, store, keyring, caplog
):
    holder = _holder(policy, registry, store, keyring)
    old = _bundle(1)
    new = _bundle(2, V2, NO_CLEAR_BSN)
    assert holder.apply(_signed(old)).outcome == "adopted"
    assert holder.apply(_signed(new)).outcome == "adopted"
    refused = holder.apply(_signed(old))  # a replay of the older, validly signed bundle
    assert refused.outcome == "refused" and refused.version == 1
    assert "older than version 2 in force" in refused.reason
    # other content under the version in force: refused too (and published later than it)
    other = Bundle(_bundle(2, V2).files, "2027-01-01T00:00:00+00:00", 2)
    assert "in force already, with other content" in holder.apply(_signed(other)).reason
    assert (holder.version, holder.digest) == (2, new.digest)
    assert holder.policy.version == "midden-nederland@2025.2"


def test_no_version_below_the_minimum_is_adopted(policy, registry, store, keyring):
    holder = _holder(policy, registry, store, keyring, min_version=5)
    adoption = holder.apply(_signed(_bundle(4, V2)))
    assert adoption.outcome == "refused" and "below the minimum 5" in adoption.reason
    assert holder.apply(_signed(_bundle(5, V2))).outcome == "adopted"


@pytest.mark.parametrize(
    "version",
    [0, -1, MAX_VERSION + 1, 2**32 + 1, 2**64 + 2, 1.5, 2.0, True, "3", None, [3]],
)
def test_a_version_outside_one_to_max_is_malformed_even_when_signed(
    policy, registry, store, keyring, version
):
    """Wrap-around and type tricks: a number that could overflow or sort differently elsewhere,
    a bool (True == 1), a string: no worker takes it, not even from a trusted signer."""
    holder = _holder(policy, registry, store, keyring)
    assert holder.apply(_signed(_bundle(3))).outcome == "adopted"
    body = json.loads(_bundle(3, V2).to_bytes())
    body["version"] = version
    adoption = holder.apply(_raw_signed(body))
    assert adoption.outcome == "refused" and "bundle version must be" in adoption.reason
    assert holder.version == 3


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400", "9" * 5000])
def test_non_numbers_and_huge_numbers_as_version_are_malformed(
    policy, registry, store, keyring, constant
):
    """NaN compares false with everything, so "not newer" would never hold for it."""
    holder = _holder(policy, registry, store, keyring)
    text = _bundle(3, V2).to_bytes().replace(b'"version": 3', f'"version": {constant}'.encode())
    adoption = holder.apply(OFFICER.sign(text))
    assert adoption.outcome == "refused" and holder.version == 0


def test_a_starting_worker_adopts_the_newest_valid_bundle_and_is_silent_about_older_ones(
    policy, registry, store, keyring, caplog
):
    v1, v2, v3 = _bundle(1), _bundle(2, V2), _bundle(3, V3, NO_CLEAR_BSN)
    control = [
        _signed(v1),
        b"garbage from long ago",
        _signed(v2),
        _signed(v3),
        _signed(v1),  # replayed after v3
        _signed(v2, INTRUDER),
        None,  # a tombstone
    ]
    holder = _holder(policy, registry, store, keyring)
    with caplog.at_level(logging.INFO, logger="ketenstroom.covenants"):
        reported = holder.start(control)
    assert (holder.version, holder.digest) == (3, v3.digest)
    assert holder.signed == control[3]
    # only what came after v3 and failed is reported: the intruder's bundle
    assert [a.reason for a in reported] == [
        f"covenant bundle refused: signer {INTRUDER.sleutel_id} is not trusted"
    ]
    assert "not a signed bundle" not in caplog.text and "older than" not in caplog.text
    assert caplog.text.count("refused, keeping") == 1
    assert "1 deletion(s) (tombstones)" in caplog.text


def test_after_compaction_or_a_tombstone_the_copy_on_the_status_topic_keeps_the_newest(
    policy, registry, store, keyring
):
    """What a compacted control topic could hold once an attacker wrote the old bundle under
    the new version's key, or a tombstone for it: only the old bundle. The workers' copy on the
    status topic (another principal writes it) still has the newest."""
    old, new = _bundle(1), _bundle(2, V2, NO_CLEAR_BSN)
    for control in ([_signed(old)], [_signed(old), None]):
        holder = _holder(policy, registry, store, keyring)
        holder.start(control, copies=[_signed(new), _signed(old, INTRUDER)])
        assert (holder.version, holder.digest) == (2, new.digest)


def test_with_a_minimum_version_the_files_on_disk_are_no_fallback(policy, registry, store, keyring):
    holder = _holder(policy, registry, store, keyring, min_version=2)
    with pytest.raises(ConfigurationError, match="version 2 or higher"):
        holder.start([_signed(_bundle(1)), None])
    with pytest.raises(ConfigurationError):
        holder.start([])
    # without a minimum, an empty control topic means the files on disk (version 0)
    holder = _holder(policy, registry, store, keyring)
    assert holder.start([]) == [] and holder.version == 0 and holder.policy is policy


def test_at_start_a_newest_bundle_that_does_not_compile_leaves_the_one_before(
    policy, registry, store, keyring
):
    """As when running: a worker refuses what it cannot compile and keeps the last valid one."""
    broken = _bundle(3, ("slachtoffer.bsn: doorgeven", "slachtoffer.bsnn: doorgeven"))
    holder = _holder(policy, registry, store, keyring)
    (refusal,) = holder.start([_signed(_bundle(2, V2)), _signed(broken)])
    assert holder.version == 2 and refusal.version == 3 and "bsnn" in refusal.reason


def test_the_files_on_disk_published_unchanged_are_not_compiled_again(
    policy, registry, store, keyring
):
    v1 = _bundle(1)
    holder = _holder(policy, registry, store, keyring)
    holder.start([_signed(v1)], disk_digest=v1.digest)
    assert holder.version == 1 and holder.policy is policy


def test_verify_returns_exactly_the_signed_bytes_and_the_signer():
    raw = _bundle(1).to_bytes()
    inner, signer = verify(OFFICER.sign(raw), TRUSTED)
    assert inner == raw and signer.naam == "privacy officer"
    with pytest.raises(CovenantError, match="not trusted"):
        verify(OFFICER.sign(raw), TrustedSigners())
