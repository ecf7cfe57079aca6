import io

import avro.schema
import fastavro
import pytest

from pipeline.codec.framing import MAGIC, decode, encode, read_fingerprint
from pipeline.codec.schema_store import SchemaStore, make_entry
from pipeline.errors import CodecError
from pipeline.signals.prepare import prepare


def test_fingerprint_known_answer_from_the_avro_spec():
    # The Avro spec's CRC-64-AVRO of "int" is 0x7275d51a3f395c8f, written little-endian.
    entry = make_entry(
        {"type": "record", "name": "A", "fields": [{"name": "a", "type": "int"}]}, "log"
    )
    assert entry.fingerprint == bytes.fromhex(
        avro.schema.parse('{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]}')
        .fingerprint()
        .hex()
    )
    int_fp = fastavro.schema.fingerprint('"int"', "CRC-64-AVRO")
    assert bytes.fromhex(int_fp) == (0x7275D51A3F395C8F).to_bytes(8, "little")


def test_canonical_forms_agree_with_the_official_avro_library(store):
    """Same Parsing Canonical Form as avro, except where avro breaks the spec's [PRIMITIVES] rule.

    avro (Python) keeps ``{"type":"long"}`` for logical types; the spec, Java and fastavro write
    ``"long"``. Apart from that the forms must be identical, and so the fingerprints.
    """
    import json
    import re

    for entry in store:
        official = avro.schema.parse(json.dumps(entry.expanded)).canonical_form
        spec = re.sub(r'\{"type":"(string|long|int|bytes|fixed)"\}', r'"\1"', official)
        assert entry.canonical == spec, entry.name
        assert '{"type":"long"}' not in entry.canonical


def test_round_trip_is_single_object_encoding(store, factory, now):
    sig = factory.make("politie", "Signaal")
    entry, datum = prepare(sig.document, "politie", store, now)
    raw = encode(entry, datum)
    assert raw[:2] == MAGIC and raw[2:10] == entry.fingerprint
    # the body is plain Avro binary that any Avro implementation reads with the schema
    body = fastavro.schemaless_reader(io.BytesIO(raw[10:]), entry.parsed, None)
    assert body == datum
    decoded_entry, decoded = decode(raw, store)
    assert decoded_entry is entry and decoded == datum


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not_single_object"),
        (b"\xc3\x01\x00", "not_single_object"),
        (b"\xc3\x02" + b"\x00" * 20, "not_single_object"),
        (b'{"json": true}', "not_single_object"),
        (MAGIC + b"\xff" * 8 + b"\x00", "unknown_fingerprint"),
    ],
)
def test_bad_framing_has_a_reason(store, raw, reason):
    with pytest.raises(CodecError) as err:
        decode(raw, store)
    assert err.value.reason == reason


def test_truncated_and_trailing_bodies_are_undecodable(store, factory, now):
    entry, datum = prepare(factory.make("politie", "Signaal").document, "politie", store, now)
    raw = encode(entry, datum)
    for bad in (raw[:-7], raw[:12], raw + b"\x00"):
        with pytest.raises(CodecError) as err:
            decode(bad, store)
        assert err.value.reason == "undecodable_body"


def test_read_fingerprint_needs_the_magic():
    with pytest.raises(CodecError):
        read_fingerprint(b"\x00\x01" + b"\x00" * 8)


def test_encode_refuses_a_record_that_does_not_fit(store):
    with pytest.raises(CodecError) as err:
        encode(store.current("Statusupdate"), {"ref_id": 5})
    assert err.value.reason == "encode_failed"


def test_store_knows_the_four_signal_types(store: SchemaStore):
    assert store.signal_types() == ["Controle", "Signaal", "Statusupdate", "Verwijzing"]


def test_an_earlier_signal_version_is_read_into_the_current_one(store, factory, now):
    """A publisher still on the previous (compatible) version is routed, not dead-lettered."""
    import copy

    from pipeline.codec.schema_store import with_history

    current = store.current("Statusupdate")
    older_schema = copy.deepcopy(current.expanded)
    older_schema["fields"] = [f for f in older_schema["fields"] if f["name"] != "bewaren_tot"]
    older = make_entry(older_schema, "signal")
    assert older.fingerprint != current.fingerprint
    about = "0b4a9c63-1f7e-4b8e-9d21-6f0c2a7e5b10"  # an earlier event politie published
    update = factory.follow_up("politie", "Statusupdate", about).document
    datum = prepare(update, "politie", store, now)[1]
    del datum["bewaren_tot"]
    raw = encode(older, datum)
    with pytest.raises(CodecError, match="no known schema"):
        decode(raw, store)
    combined = with_history(store, [older])
    entry, decoded = decode(raw, combined)
    assert entry is combined.current("Statusupdate") and decoded["bewaren_tot"] is None
    assert combined.current("Statusupdate") is current  # history never becomes current
    from pipeline.covenant.compiler import compile_policy
    from pipeline.covenant.loader import load_covenants
    from pipeline.privacy.keyring import ephemeral_keyring
    from pipeline.registry import load_registry
    from pipeline.router.core import route
    from tests.conftest import CONVENANTEN
    from tests.helpers import inbound

    registry = load_registry(CONVENANTEN)
    policy = compile_policy(
        load_covenants(CONVENANTEN), registry, combined, ephemeral_keyring(registry.ids)
    )
    from pipeline.router.event_index import Claim, EventIndex

    index = EventIndex()
    index.learn(about, Claim("signalen.politie/1/7", "00" * 32))
    result = route(inbound("politie", raw), policy, now, index)
    assert result.dead_letter is None and len(result.log) == 1


def test_confluent_framing_is_a_dead_letter_that_says_what_to_send(store):
    """Decided in docs/partners.en.md: the router does not take Schema Registry framing (a zero
    byte and a 4-byte registry id), since no registry exists to resolve the id; it tells the
    partner what to send instead."""
    from pipeline.codec.framing import read_fingerprint
    from pipeline.errors import CodecError

    body = b"\x02abc"
    framed = b"\x00" + (42).to_bytes(4, "big") + body
    with pytest.raises(CodecError) as caught:
        read_fingerprint(framed)
    assert caught.value.reason == "not_single_object"
    assert (
        "Confluent Schema Registry framing" in caught.value.detail and "42" in caught.value.detail
    )
    # the size the two framings add to each record: 10 bytes against 5
    entry = store.current("Signaal")
    assert len(b"\xc3\x01" + entry.fingerprint) - len(framed[:5]) == 5
