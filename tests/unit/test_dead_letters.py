"""Dead letters: the record as it arrived is sealed to the dead-letter key (HPKE), bounded in
size, and only the reason, origin and size are readable without that key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import topics
from pipeline.errors import KetenstroomError
from pipeline.ops.dead_letters import DeadLetter, plan_replay
from pipeline.privacy.dead_letter_key import (
    SCHEME,
    create_dead_letter_key,
    generate_dead_letter_keys,
    read_dead_letter_keys,
    read_dead_letter_public_key,
)
from pipeline.router.core import route
from pipeline.router.dead_letter import (
    MAX_HEADERS_KEPT,
    MAX_VALUE_KEPT,
    OWN_HEADERS,
    VALUE_PREFIX_KEPT,
    dead_letter,
)
from pipeline.router.records import Inbound, Outbound
from tests.helpers import identifiers, signal_bytes

#: Faust's producer refuses a record larger than this (its max_request_size).
PRODUCER_LIMIT = 1_000_000
#: What the dead letters here may take at most: far below the producer's limit.
DEAD_LETTER_BOUND = 512 * 1024


def _size(out: Outbound) -> int:
    return len(out.key) + len(out.value) + sum(len(k) + len(v) for k, v in out.headers)


def _stored(out: Outbound, partition: int = 0, offset: int = 0) -> DeadLetter:
    return DeadLetter(partition, offset, 0, out.key, out.value, out.headers)


def test_a_dead_letter_shows_reason_origin_and_size_never_the_personal_data(
    store, policy, factory, now, dead_letter_keys
):
    document = factory.make("politie", "Signaal").document
    _, raw = signal_bytes(store, document, "politie", now)
    bsn = document["slachtoffer"]["bsn"].encode()
    headers = (("traceparent", b"00-abc"), ("x-dossier", b"dossier " + bsn))
    # a politie signal on the NLA's topic: a spoofed source, so a dead letter; the partner
    # chose the BSN as its Kafka key and put it in a header
    record = Inbound(topics.inbound("nla"), 1, 5, bsn, raw, headers)
    out = route(record, policy, now).dead_letter
    assert out is not None
    wire = out.key + out.value + b"".join(k.encode() + v for k, v in out.headers)
    for secret in [bsn, b"dossier", b"00-abc", *(v.encode() for v in identifiers([document]))]:
        assert secret not in wire
    letter = _stored(out)
    assert letter.reason == "source_mismatch" and letter.origin == "signalen.nla/1/5"
    assert letter.size == len(raw) and letter.sealing == f"{SCHEME};k1"
    content = letter.open(dead_letter_keys)
    assert (content.key, content.value, content.headers) == (bsn, raw, headers)
    assert content.value_sha256 == hashlib.sha256(raw).hexdigest()


def test_sealed_content_opens_only_with_the_right_key_in_its_own_place(dead_letter_keys):
    record = Inbound(topics.inbound("politie"), 0, 9, b"111222333", b"value", ())
    out = dead_letter(record, "not_single_object", "x", "p", dead_letter_keys.public_key())
    with pytest.raises(KetenstroomError, match="does not open"):
        _stored(out).open(generate_dead_letter_keys())  # another key
    # the same sealed bytes under another origin (moved or relabelled) do not open either
    moved = tuple((k, b"99" if k == "ketenstroom-origin-offset" else v) for k, v in out.headers)
    with pytest.raises(KetenstroomError, match="does not open"):
        DeadLetter(0, 0, 0, out.key, out.value, moved).open(dead_letter_keys)
    flipped = bytes([out.value[0] ^ 1]) + out.value[1:]
    with pytest.raises(KetenstroomError, match="does not open"):
        DeadLetter(0, 0, 0, out.key, flipped, out.headers).open(dead_letter_keys)


def test_without_a_key_a_dead_letter_keeps_no_content_at_all():
    record = Inbound(topics.inbound("politie"), 0, 9, b"111222333", b"personal data", ())
    out = dead_letter(record, "not_single_object", "x", "p")
    assert out.value == b"" and b"111222333" not in out.key
    letter = _stored(out)
    assert letter.sealing == "none" and letter.size == len(b"personal data")
    with pytest.raises(KetenstroomError, match="kept no content"):
        letter.open(generate_dead_letter_keys())


def test_a_record_of_1_000_500_bytes_keeps_a_prefix_and_a_digest_and_says_so(
    policy, now, dead_letter_keys
):
    """The issue's case: the dead letter of a 1,000,500-byte record once exceeded what Faust's
    producer accepts, the worker exited 70, and the record came back for ever."""
    value = os.urandom(1_000_500)
    out = route(Inbound(topics.inbound("politie"), 0, 1, b"k", value), policy, now).dead_letter
    assert out is not None and _size(out) < 16 * 1024
    letter = _stored(out)
    assert letter.reason == "record_too_large" and letter.size == 1_000_500
    assert letter.truncated == ["value"]
    content = letter.open(dead_letter_keys)
    assert content.value == value[:VALUE_PREFIX_KEPT] and content.value_truncated
    assert content.value_sha256 == hashlib.sha256(value).hexdigest()
    # a record cut to the limits is not the record that arrived: it is never replayed
    plan = plan_replay([letter], {}, [topics.inbound("politie")], dead_letter_keys)
    assert not plan.replay and "cut to the limits" in plan.skipped[0][1]


def test_many_or_huge_headers_and_a_huge_key_are_bounded(dead_letter_keys):
    key = dead_letter_keys.public_key()
    many = tuple((f"h{i}", b"v" * 100) for i in range(10_000))
    huge = (("big", b"x" * 900_000), ("small", b"s"))
    for headers in (many, huge):
        record = Inbound(topics.inbound("politie"), 0, 2, b"k" * 1_000_000, b"v", headers)
        out = dead_letter(record, "not_single_object", "d" * 100_000, "p" * 100_000, key)
        assert _size(out) < DEAD_LETTER_BOUND
        content = _stored(out).open(dead_letter_keys)
        assert content.headers_dropped and content.key_truncated
        assert len(content.headers) <= MAX_HEADERS_KEPT
        assert set(_stored(out).truncated) == {"key", "headers"}
    assert content.headers == (("small", b"s"),)  # the one that fits is kept


def test_a_header_name_that_was_not_utf8_comes_back_byte_for_byte(dead_letter_keys):
    name = b"x-\xff\xfe".decode("utf-8", "surrogateescape")
    record = Inbound(topics.inbound("politie"), 0, 2, b"k", b"v", ((name, b"1"),))
    out = dead_letter(record, "not_single_object", "", "p", dead_letter_keys.public_key())
    letter = _stored(out)
    (kept,) = letter.open(dead_letter_keys).headers
    assert kept[0].encode("utf-8", "surrogateescape") == b"x-\xff\xfe"
    plan = plan_replay([letter], {}, [topics.inbound("politie")], dead_letter_keys)
    assert not plan.replay and "not UTF-8" in plan.skipped[0][1]


def test_a_partner_header_cannot_pass_for_the_routers_own(dead_letter_keys):
    forged = (("ketenstroom-reason", b"duplicate_event_id"), ("ketenstroom-content", b"none"))
    record = Inbound(topics.inbound("politie"), 0, 2, b"k", b"v", forged)
    out = dead_letter(record, "not_single_object", "", "p", dead_letter_keys.public_key())
    letter = _stored(out)
    assert letter.reason == "not_single_object" and letter.sealing == f"{SCHEME};k1"
    assert [k for k, _ in out.headers].count("ketenstroom-reason") == 1


FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(
    key=st.none() | st.binary(max_size=6000),
    size=st.sampled_from([0, 1, MAX_VALUE_KEPT, MAX_VALUE_KEPT + 1, 1_048_576]),
    headers=st.lists(st.tuples(st.text(max_size=30), st.binary(max_size=3000)), max_size=120),
)
def test_any_record_gives_a_bounded_dead_letter_that_opens_to_what_arrived(
    dead_letter_keys, key, size, headers
):
    value = b"\xab" * size
    record = Inbound(topics.inbound("politie"), 3, 77, key, value, tuple(headers))
    out = dead_letter(record, "not_single_object", "x", "p", dead_letter_keys.public_key())
    assert _size(out) < DEAD_LETTER_BOUND < PRODUCER_LIMIT
    content = _stored(out).open(dead_letter_keys)
    assert content.value_size == size and content.value == value[: len(content.value)]
    if content.complete:
        assert (content.key, content.value) == (key, value)
        assert list(content.headers) == [(k, v) for k, v in headers if k not in OWN_HEADERS]


def test_key_files_private_0600_public_readable_and_rotation_keeps_old_letters_open(tmp_path):
    private, public = tmp_path / "dlq.sleutel.json", tmp_path / "dlq.publiek.json"
    now = dt.datetime.now(dt.UTC)
    first = create_dead_letter_key(private, public, now)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "sleutels" not in public.read_text() and "materiaal" not in public.read_text()
    assert read_dead_letter_public_key(public) == first
    record = Inbound(topics.inbound("politie"), 0, 1, b"k", b"old", ())
    old = dead_letter(record, "not_single_object", "", "p", first)
    second = create_dead_letter_key(private, public, now)
    assert second.versie == 2 and read_dead_letter_public_key(public) == second
    keys = read_dead_letter_keys(private)
    assert _stored(old).open(keys).value == b"old"  # sealed to version 1, still opens
    body = json.loads(private.read_text())
    assert [v["versie"] for v in body["sleutels"]] == [1, 2]


def test_keys_command_makes_the_dead_letter_key(tmp_path):
    from tests.helpers import run_cli

    env = {
        "KETENSTROOM_KEYRING": str(tmp_path / "router" / "keyring.json"),
        "KETENSTROOM_DEAD_LETTER_KEY": str(tmp_path / "fg" / "dode-letters.sleutel.json"),
    }
    done = run_cli("keys", "dode-letters", env=env)
    assert done.returncode == 0, done.stderr
    # the public half lands next to the router's keyring, where the worker looks for it
    assert (
        read_dead_letter_public_key(tmp_path / "router" / "dode-letters.publiek.json").versie == 1
    )
    mode = (tmp_path / "fg" / "dode-letters.sleutel.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_without_the_public_key_a_worker_does_not_start_and_says_how_to_make_it(tmp_path):
    from pipeline.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="keys dode-letters"):
        read_dead_letter_public_key(tmp_path / "dode-letters.publiek.json")
    (tmp_path / "kapot.json").write_text('{"versie": 1}')
    with pytest.raises(ConfigurationError, match="is not a dead-letter public key"):
        read_dead_letter_public_key(tmp_path / "kapot.json")
