"""The partner contract is complete and says what the code does (issue 31): the AsyncAPI
document and both partner guides name every kind the schema topic holds and every header a view
carries, give the encryption byte for byte as the code does it, and an .avsc load order that
works. The proof that the encryption text suffices is a decryptor in another language:
tests/integration/test_least_privilege.py::test_a_partner_without_python_opens_its_encrypted_field_by_the_guide.
"""

from __future__ import annotations

import json
import re
from typing import get_args

import avro.errors
import avro.schema
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pipeline.codec.schema_store import SchemaKind, load_store
from pipeline.privacy import encryption
from pipeline.router.core import route
from tests.conftest import ROOT, SCHEMAS
from tests.helpers import inbound, signal_bytes

ASYNCAPI = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
GUIDES = {
    language: (ROOT / "docs" / f"partners.{language}.md").read_text(encoding="utf-8")
    for language in ("en", "nl")
}


def test_every_kind_on_the_schema_topic_is_in_the_contract(policy):
    """The worker publishes every schema of its policy's store, shared types included."""
    published = {entry.kind for entry in policy.store}
    assert published == set(get_args(SchemaKind)) == {"signal", "view", "log", "common"}
    schema = ASYNCAPI["components"]["messages"]["Schema"]
    assert set(schema["payload"]["properties"]["kind"]["enum"]) == published
    for guide in GUIDES.values():
        assert all(f'"{kind}"' in guide for kind in published)
        assert "get_watermark_offsets" in guide and "fetchTopicOffsets" in guide  # its end


def test_every_header_of_a_view_is_in_the_contract(policy, store, factory, now):
    document = factory.make("politie", "Signaal").document
    document["slachtoffer"]["adres"]["gemeentecode"] = "GM0344"
    _, raw = signal_bytes(store, document, "politie", now)
    views = [
        o
        for o in route(inbound("politie", raw), policy, now).outputs
        if o.topic.startswith("inbox.")
    ]
    assert views
    names = {name for view in views for name, _ in view.headers}
    documented = ASYNCAPI["components"]["messages"]["View"]["headers"]["properties"]
    assert names == set(documented)
    for guide in GUIDES.values():
        assert all(f"`{name}`" in guide for name in names)
    for view in views:  # ketenstroom-schema is bytes 2-10 of the value, hex-encoded
        assert dict(view.headers)["ketenstroom-schema"] == view.value[2:10].hex().encode()


@pytest.mark.parametrize("language", GUIDES)
def test_the_guides_give_the_encryption_as_the_code_does_it(language):
    guide = GUIDES[language]
    info = re.search(r"`(ketenstroom/versleuteld/v2/<[^>]+>/k<[^>]+>)`", guide)
    assert info, "the HPKE info is not in the guide"
    template = re.sub(r"<[^>]+>/k<[^>]+>$", "{recipient}/k{version}", info.group(1))
    assert template.format(recipient="om", version=3).encode() == encryption._info("om", 3)
    assert (
        encryption._context("EV1.x", "om", "slachtoffer.bsn") == b"EV1.x\x00om\x00slachtoffer.bsn"
    )
    assert "NUL" in guide and "0x00" in guide
    for words in ("`0x0020`", "`0x0001`", "`0x0002`", "base64url", "12", "80 bytes", "`materiaal`"):
        assert words in guide, words
    public = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    token = encryption.encrypt("111222333", public, 7, "EV1.x", "om", "slachtoffer.bsn")
    scheme, version, wrapped, sealed = token.split(".")
    assert (scheme, version) == ("ENC2", "k7") and "=" not in token
    assert len(encryption.unb64(wrapped)) == 80  # enc (32) + the sealed data key (32 + 16)
    assert len(encryption.unb64(sealed)) == 12 + len("111222333") + 16


def test_the_avsc_load_order_in_the_guides_works_and_is_needed(store):
    """Parsed in the order the guides give with one parser that knows earlier types (Apache
    Avro's, as Java's Schema.Parser), the .avsc files give the schemas the router uses; a
    type before the type it uses does not parse."""
    common = sorted(p.relative_to(SCHEMAS).as_posix() for p in SCHEMAS.glob("common/*.avsc"))
    signals = sorted(p.relative_to(SCHEMAS).as_posix() for p in SCHEMAS.glob("signalen/*.avsc"))
    for guide in GUIDES.values():
        order = re.findall(r"`(common/[a-z]+\.avsc)`", guide)
        assert sorted(order) == common
        names = avro.schema.Names()
        for path in [*order, *signals]:
            parsed = avro.schema.make_avsc_object(json.loads((SCHEMAS / path).read_text()), names)
            if path.startswith("signalen/"):
                expanded = store.current(parsed.name).expanded
                assert parsed == avro.schema.parse(json.dumps(expanded)), path
    with pytest.raises(avro.errors.SchemaParseException):  # the person before its address
        avro.schema.make_avsc_object(
            json.loads((SCHEMAS / "common/persoon.avsc").read_text()), avro.schema.Names()
        )
    assert load_store(SCHEMAS)  # the router's own loader needs no order
