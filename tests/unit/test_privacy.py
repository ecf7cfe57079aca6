"""Pseudonyms, generalisations, encryption, keys and re-identification."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pipeline.errors import InvalidRecordError, KetenstroomError
from pipeline.privacy import encryption, generalise
from pipeline.privacy.keyring import Keyring, RecipientKeys, b64, in_force, new_recipient_key, unb64
from pipeline.privacy.normalise import identifier_type, normalise, normalise_bsn, normalise_name
from pipeline.privacy.pseudonyms import parse_label, pseudonym, reidentify, reversible

SECRET = bytes(range(32))
SIV_SECRET = bytes(range(64))


def test_pseudonym_known_answer():
    """Independently recomputed: HKDF-SHA256(secret, info) then HMAC-SHA256 over the normalised value."""
    key = HKDF(hashes.SHA256(), 32, None, b"ketenstroom/pseudoniem/v1/om/bsn").derive(SECRET)
    expected = hmac.new(key, b"111222333", hashlib.sha256).digest()
    assert pseudonym("111222333", SECRET, 1, "om", "bsn") == f"PS1.k1.om.bsn.{b64(expected)}"
    # and the value itself, fixed for ever: a change of method must be a new scheme
    assert pseudonym("111222333", SECRET, 1, "om", "bsn").endswith(b64(expected))
    assert len(b64(expected)) == 43


def test_pseudonyms_stable_within_a_domain_and_unlinkable_across():
    a = pseudonym("111222333", SECRET, 1, "om", "bsn")
    assert a == pseudonym("111222333", SECRET, 1, "om", "bsn")
    assert (
        a.split(".")[-1]
        != pseudonym("111222333", SECRET, 1, "gemeente-utrecht", "bsn").split(".")[-1]
    )
    assert a.split(".")[-1] != pseudonym("111222333", SECRET, 1, "om", "naam").split(".")[-1]
    assert a.split(".")[-1] != pseudonym("111222333", bytes(32), 2, "om", "bsn").split(".")[-1]


def test_the_same_person_written_differently_gets_one_pseudonym():
    for a, b in [
        ("José  de Vries", "jose de vries"),
        ("ÅSA", "asa"),
        ("Ｍａｒｉａ", "Maria"),
        (" van\tDijk ", "Van Dijk"),
    ]:
        assert normalise_name(a) == normalise_name(b)
    assert normalise_bsn("111.222.333") == normalise_bsn(" 111 222 333 ") == "111222333"
    with pytest.raises(InvalidRecordError):
        normalise_bsn("123456789")
    assert identifier_type("slachtoffer.achternaam") == "naam"
    assert normalise("datum", dt.date(2001, 2, 3)) == "2001-02-03"


def test_reversible_pseudonyms_link_and_reverse_only_with_the_key():
    label = reversible("111222333", SIV_SECRET, 3, "gemeente-utrecht", "bsn")
    assert label == reversible(
        "111222333", SIV_SECRET, 3, "gemeente-utrecht", "bsn"
    )  # deterministic
    assert label.startswith("RP1.k3.gemeente-utrecht.bsn.")
    assert b"111222333" not in label.encode()
    assert reidentify(label, {3: SIV_SECRET}) == "111222333"
    with pytest.raises(KetenstroomError, match="does not open"):
        reidentify(label, {3: bytes(64)})
    with pytest.raises(KetenstroomError, match="version 3 is not in the keyring"):
        reidentify(label, {1: SIV_SECRET})
    scheme, version, _, kind, value = parse_label(label)
    tampered = f"{scheme}.k{version}.om.{kind}.{b64(value)}"  # moved to another domain
    with pytest.raises(KetenstroomError):
        reidentify(tampered, {3: SIV_SECRET})
    with pytest.raises(KetenstroomError, match="one-way"):
        reidentify(pseudonym("111222333", SECRET, 1, "om", "bsn"), {1: SIV_SECRET})


def test_generalisations():
    born = dt.date(2008, 6, 2)
    assert generalise.birth_year(born) == 2008
    assert generalise.age_band(born, dt.date(2026, 6, 1)) == "16-17"
    assert generalise.age_band(born, dt.date(2026, 6, 2)) == "18-22"
    assert generalise.pc4("3511 AB") == "3511" and generalise.pc4("3511ab") == "3511"
    assert generalise.pc4("not a postcode") is None and generalise.pc4("0123 AB") is None


def _recipient() -> tuple[RecipientKeys, bytes]:
    return new_recipient_key(RecipientKeys(partner="om"), dt.datetime(2025, 1, 1, tzinfo=dt.UTC))


def test_encryption_opens_only_with_the_right_key_for_the_right_place():
    keys, public = _recipient()
    private = unb64(keys.sleutels[0].materiaal)
    token = encryption.encrypt("111222333", public, 1, "ev-1", "om", "slachtoffer.bsn")
    assert b"111222333" not in token.encode() and encryption.key_version(token) == 1
    assert encryption.decrypt(token, private, "ev-1", "om", "slachtoffer.bsn") == "111222333"
    assert token != encryption.encrypt(
        "111222333", public, 1, "ev-1", "om", "slachtoffer.bsn"
    )  # fresh
    other, _ = _recipient()
    with pytest.raises(KetenstroomError, match="wrong key"):
        encryption.decrypt(
            token, unb64(other.sleutels[0].materiaal), "ev-1", "om", "slachtoffer.bsn"
        )
    for event, path in (("ev-2", "slachtoffer.bsn"), ("ev-1", "slachtoffer.voornamen")):
        with pytest.raises(KetenstroomError):  # moved to another record or field
            encryption.decrypt(token, private, event, "om", path)
    scheme, version, wrapped, sealed = token.split(".")
    body = bytearray(unb64(sealed))
    body[-1] ^= 1
    altered = f"{scheme}.{version}.{wrapped}.{b64(bytes(body))}"
    with pytest.raises(KetenstroomError):
        encryption.decrypt(altered, private, "ev-1", "om", "slachtoffer.bsn")
    key = bytearray(unb64(wrapped))
    key[-1] ^= 1
    with pytest.raises(KetenstroomError):  # the wrapped data key altered: nothing opens
        encryption.decrypt(
            f"{scheme}.{version}.{b64(bytes(key))}.{sealed}",
            private,
            "ev-1",
            "om",
            "slachtoffer.bsn",
        )


def test_one_data_key_per_batch_and_recipient_each_value_its_own_nonce():
    """One HPKE key agreement per (batch, recipient); every value still opens on its own, and
    a value sealed for one recipient never opens with another's key."""
    om, om_public = _recipient()
    _, other_public = _recipient()
    sealer = encryption.Sealer()
    first = sealer.seal("111222333", om_public, 1, "ev-1", "om", "slachtoffer.bsn")
    second = sealer.seal("123456782", om_public, 1, "ev-2", "om", "slachtoffer.bsn")
    assert first.split(".")[2] == second.split(".")[2]  # one wrapped key for the batch
    assert first.split(".")[3] != second.split(".")[3]
    private = unb64(om.sleutels[0].materiaal)
    assert encryption.decrypt(second, private, "ev-2", "om", "slachtoffer.bsn") == "123456782"
    theirs = sealer.seal("111222333", other_public, 1, "ev-1", "om", "slachtoffer.bsn")
    assert theirs.split(".")[2] != first.split(".")[2]  # another recipient, another key
    with pytest.raises(KetenstroomError):
        encryption.decrypt(theirs, private, "ev-1", "om", "slachtoffer.bsn")
    next_batch = encryption.Sealer().seal(
        "111222333", om_public, 1, "ev-1", "om", "slachtoffer.bsn"
    )
    assert next_batch.split(".")[2] != first.split(".")[2]


def test_key_in_force_follows_the_start_date():
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    keyring = (
        Keyring()
        .with_secret("pseudoniem", start)
        .with_secret("pseudoniem", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    )
    assert in_force(keyring.pseudoniem, dt.datetime(2025, 6, 1, tzinfo=dt.UTC), "p").versie == 1
    assert in_force(keyring.pseudoniem, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "p").versie == 2
    with pytest.raises(KetenstroomError, match="no p key is in force"):
        in_force(keyring.pseudoniem, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "p")


def test_shared_linkage_domain_links_exactly_its_members(store, policy, factory, now):
    """zorgketen = {zorgcoordinatie-utrecht, veilig-thuis-utrecht}: same pseudonym for one BSN."""
    from pipeline.router.core import route
    from tests.helpers import in_utrecht, inbound, signal_bytes, views_by_recipient

    signal = in_utrecht(factory.make("politie", "Signaal").document)
    signal["slachtoffer"].update({"bsn": "111222333", "geboortedatum": "2011-01-01"})
    referral = in_utrecht(factory.make("politie", "Verwijzing").document)
    referral["slachtoffer"].update({"bsn": "111222333", "geboortedatum": "2011-01-01"})
    vt = views_by_recipient(
        route(inbound("politie", signal_bytes(store, signal, "politie", now)[1]), policy, now),
        policy,
    )
    zc = views_by_recipient(
        route(inbound("politie", signal_bytes(store, referral, "politie", now)[1]), policy, now),
        policy,
    )
    from_vt = vt["veilig-thuis-utrecht"]["slachtoffer"]["bsn"]
    from_zc = zc["zorgcoordinatie-utrecht"]["slachtoffer"]["bsn"]
    assert from_vt.startswith("PS1.k1.midden-nederland/zorgketen.bsn.") and from_vt == from_zc
    # and the two views of one event share a reference only within the domain
    assert (
        vt["veilig-thuis-utrecht"]["envelope"]["event_ref"]
        == vt["zorgcoordinatie-utrecht"]["envelope"]["event_ref"]
        != vt["gemeente-utrecht"]["envelope"]["event_ref"]
    )
    gemeente = vt["gemeente-utrecht"]["slachtoffer"]["bsn"]
    assert gemeente.rsplit(".", 1)[-1] != from_vt.rsplit(".", 1)[-1]


def test_keys_commands(tmp_path):
    import os
    import stat

    from tests.helpers import run_cli

    env = {
        "KETENSTROOM_KEYRING": str(tmp_path / "keyring.json"),
        "KETENSTROOM_RECIPIENT_KEYS_DIR": str(tmp_path / "ontv"),
    }
    assert run_cli("keys", "init", env=env).returncode == 0
    again = run_cli("keys", "init", env=env)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "keyring.json").st_mode) == 0o600
    rotated = run_cli("keys", "rotate", "pseudoniem", "--vanaf", "2030-01-01", env=env)
    assert rotated.returncode == 0 and "version 2 in force from 2030-01-01" in rotated.stdout
    assert run_cli("keys", "recipient", "--for", "om", env=env).returncode == 0
    assert stat.S_IMODE(os.stat(tmp_path / "ontv" / "om.sleutel.json").st_mode) == 0o600
    shown = run_cli("keys", "show", env=env)
    assert shown.returncode == 0 and "ontvanger om" in shown.stdout
    secret = (
        Keyring.model_validate_json((tmp_path / "keyring.json").read_text()).pseudoniem[0].materiaal
    )
    assert secret not in shown.stdout
