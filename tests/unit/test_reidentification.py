"""Re-identification with proof: a request signed by a herleider the covenant names, checked
against the covenant of the pseudonym's domain; everything else refused in plain Dutch."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.accountability.inzage import Inzage
from pipeline.accountability.lines import Period
from pipeline.accountability.person import by_bsn
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.reidentifiers import domain_members, entitled
from pipeline.language import Language, speaking
from pipeline.privacy.keyring import b64, unb64
from pipeline.privacy.pseudonyms import reversible
from pipeline.privacy.references import log_subject
from pipeline.privacy.reidentification import (
    Entitled,
    HerleiderKey,
    Refused,
    make_request,
    reidentification_record,
    verify_request,
)
from tests.conftest import CONVENANTEN, NOW

SIV = bytes(range(64))
LOG_SECRET = bytes(range(32))
DOMAIN = "midden-nederland/gemeente-utrecht"
LABEL = reversible("111222333", SIV, 1, DOMAIN, "bsn")
REASON = "acuut gevaar, melding 2026-118"
HOUR = dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def boer() -> HerleiderKey:
    return HerleiderKey.generate("M. de Boer", "gemeente-utrecht")


def _herleiders(*keys: HerleiderKey) -> list[Entitled]:
    return [Entitled(k.naam, k.namens, k.public) for k in keys]


def _verify(text: str, herleiders: list[Entitled], now: dt.datetime = NOW, parties=None):
    return verify_request(
        text, "midden-nederland", herleiders, parties or {"gemeente-utrecht"}, now
    )


def _refusal(text: str, herleiders: list[Entitled], **kwargs) -> str:
    with speaking(Language.NL), pytest.raises(Refused) as caught:
        _verify(text, herleiders, **kwargs)
    return str(caught.value)


def test_a_request_signed_by_the_covenants_herleider_is_carried_out_and_logged(boer):
    signed = make_request(boer, LABEL, REASON, NOW, HOUR)
    verified = _verify(signed, _herleiders(boer), NOW + dt.timedelta(minutes=5))
    subject = log_subject("111222333", LOG_SECRET, 1, "bsn")
    record = reidentification_record(verified, subject, NOW)
    assert record["outcome"] == "REIDENTIFIED" and record["reason"] == REASON
    assert record["requester"] == "M. de Boer" and record["recipient"] == "gemeente-utrecht"
    assert record["proof"] == signed and record["data_subject_id"] == subject
    assert record["data_subject_id_type"] == "BSN"
    assert "111222333" not in json.dumps(record, default=str)
    # the FG's inzage by BSN finds it, and the proof verifies on its own
    named = {"midden-nederland": frozenset({boer.public})}
    inzage = Inzage(by_bsn("111222333", _log_versions()), Period(), {}, named)
    inzage.add(record)
    (shown,) = inzage.entries()
    assert shown["soort"] == "herleid" and shown["handtekening"] == "klopt"
    assert shown["herleider"] == "M. de Boer" and shown["koppeldomein"] == DOMAIN
    # a line someone wrote with a key of their own: the signature holds, the covenant does not
    stranger = HerleiderKey.generate("M. de Boer", "gemeente-utrecht")
    fake = json.loads(make_request(stranger, LABEL, REASON, NOW, HOUR))
    forged = {**record, "proof": json.dumps(fake), "span_id": "f" * 16}
    inzage.add(forged)
    verdicts = sorted(e["handtekening"] for e in inzage.entries())
    assert verdicts[0] == "klopt" and "staat niet (meer) bij de herleiders" in verdicts[1]
    fake["verzoek"]["reden"] = "een andere reden dan ondertekend"
    inzage.add({**record, "proof": json.dumps(fake), "span_id": "e" * 16})
    assert "klopt niet" in {e["handtekening"] for e in inzage.entries()}


def _log_versions():
    from pipeline.privacy.keyring import KeyVersion

    return (KeyVersion(versie=1, vanaf=NOW - dt.timedelta(days=1), materiaal=b64(LOG_SECRET)),)


def test_a_request_changed_after_signing_is_refused(boer):
    body = json.loads(make_request(boer, LABEL, REASON, NOW, HOUR))
    body["verzoek"]["pseudoniem"] = reversible("123456782", SIV, 1, DOMAIN, "bsn")
    assert "handtekening klopt niet" in _refusal(json.dumps(body), _herleiders(boer))
    body = json.loads(make_request(boer, LABEL, REASON, NOW, HOUR))
    body["verzoek"]["geldig_tot"] = (NOW + dt.timedelta(hours=20)).isoformat()
    assert "handtekening klopt niet" in _refusal(json.dumps(body), _herleiders(boer))


def test_an_unsigned_request_is_refused(boer):
    body = json.loads(make_request(boer, LABEL, REASON, NOW, HOUR))
    del body["handtekening"]
    assert "geen ondertekend herleidingsverzoek" in _refusal(json.dumps(body), _herleiders(boer))
    assert "geen ondertekend" in _refusal("herleid dit alstublieft", _herleiders(boer))


def test_a_key_the_covenant_does_not_name_is_refused(boer):
    stranger = HerleiderKey.generate("M. de Boer", "gemeente-utrecht")  # same name, own key
    signed = make_request(stranger, LABEL, REASON, NOW, HOUR)
    assert "staat niet bij de herleiders" in _refusal(signed, _herleiders(boer))


def test_someone_elses_public_key_with_ones_own_signature_is_refused(boer):
    stranger = HerleiderKey.generate("M. de Boer", "gemeente-utrecht")
    body = json.loads(make_request(stranger, LABEL, REASON, NOW, HOUR))
    body["verzoek"]["publieke_sleutel"] = boer.public  # claims to be de Boer
    assert "handtekening klopt niet" in _refusal(json.dumps(body), _herleiders(boer))


def test_a_herleider_of_another_covenant_is_refused(boer):
    other = HerleiderKey.generate("J. Jansen", "gemeente-utrecht")  # named by another covenant
    signed = make_request(other, LABEL, REASON, NOW, HOUR)
    assert "staat niet bij de herleiders van convenant midden-nederland" in _refusal(
        signed, _herleiders(boer)
    )
    # and a pseudonym of a covenant nobody here knows
    with speaking(Language.NL), pytest.raises(Refused, match="convenant elders"):
        verify_request(
            make_request(
                boer, reversible("111222333", SIV, 1, "elders/x", "bsn"), REASON, NOW, HOUR
            ),
            None,
            [],
            set(),
            NOW,
        )


def test_a_herleider_for_a_party_outside_the_domain_is_refused():
    om = HerleiderKey.generate("K. Visser", "om")
    signed = make_request(om, LABEL, REASON, NOW, HOUR)
    assert "hoort bij koppeldomein midden-nederland/gemeente-utrecht" in _refusal(
        signed, _herleiders(om)
    )


def test_an_expired_or_future_or_overlong_request_is_refused(boer):
    signed = make_request(boer, LABEL, REASON, NOW, HOUR)
    assert "verlopen" in _refusal(signed, _herleiders(boer), now=NOW + 2 * HOUR)
    assert "toekomst" in _refusal(signed, _herleiders(boer), now=NOW - HOUR)
    with speaking(Language.NL), pytest.raises(Refused, match="hoogstens 24 uur"):
        make_request(boer, LABEL, REASON, NOW, dt.timedelta(days=2))


def test_a_renamed_request_is_refused(boer):
    # the covenant knows this key under another name than the request says
    entry = [Entitled("Mw. M. de Boer-Smit", "gemeente-utrecht", boer.public)]
    signed = make_request(boer, LABEL, REASON, NOW, HOUR)
    assert "kent deze sleutel als" in _refusal(signed, entry)


def test_a_short_reason_is_refused(boer):
    with speaking(Language.NL), pytest.raises(Refused, match="echte reden"):
        make_request(boer, LABEL, "omdat", NOW, HOUR)


def test_english_when_asked(boer):
    signed = make_request(HerleiderKey.generate("X", "gemeente-utrecht"), LABEL, REASON, NOW, HOUR)
    with speaking(Language.EN), pytest.raises(Refused, match="is not a re-identifier"):
        _verify(signed, _herleiders(boer))


def test_the_example_covenant_names_a_herleider_for_gemeente_utrecht_only():
    (loaded,) = load_covenants(CONVENANTEN)
    kop = loaded.model.convenant
    assert [h.namens for h in entitled(kop, DOMAIN)] == ["gemeente-utrecht"]
    assert entitled(kop, "midden-nederland/zorgketen") == ()
    assert domain_members(kop, "midden-nederland/zorgketen") == {
        "zorgcoordinatie-utrecht",
        "veilig-thuis-utrecht",
    }
    assert entitled(kop, "ander-convenant/gemeente-utrecht") == ()
    assert len(unb64(kop.herleiders[0].publieke_sleutel)) == 32


def test_the_checker_speaks_plainly_about_herleiders(covenant_dir):
    from tests.helpers import run_cli

    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    key = text.split("publieke_sleutel: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace("namens: gemeente-utrecht", "namens: gemeente-utreht", 1))
    env = {"KETENSTROOM_CONVENANTEN_DIR": str(covenant_dir), "KETENSTROOM_TAAL": "nl"}
    done = run_cli("convenant", "check", env=env)
    assert done.returncode == 1
    assert "handelt namens 'gemeente-utreht', maar dat is geen partij" in done.stderr
    path.write_text(text.replace(key, "abc", 1))
    done = run_cli("convenant", "check", env=env)
    assert "geen publieke sleutel van een herleider" in done.stderr
    path.write_text(text.replace("namens: gemeente-utrecht", "namens: om", 1))
    done = run_cli("convenant", "check", env=env)
    assert done.returncode == 0 and "geen regel geeft om een pseudoniem-herleidbaar" in done.stderr


def test_convenant_diff_names_who_may_newly_or_no_longer_reidentify(covenant_dir):
    from pipeline.officer.comparison.covenants import covenant_changes
    from tests.helpers import covenant_facts

    before = covenant_facts(covenant_dir)
    path = covenant_dir / "midden-nederland.yaml"
    text = path.read_text()
    key = text.split("publieke_sleutel: ", 1)[1].split("\n", 1)[0]
    added = f"""
    - naam: K. Visser
      namens: gemeente-utrecht
      publieke_sleutel: {HerleiderKey.generate("K. Visser", "gemeente-utrecht").public}
"""
    path.write_text(
        text.replace(
            f"publieke_sleutel: {key}\n", f"publieke_sleutel: {key}\n{added.lstrip(chr(10))}", 1
        )
    )
    with speaking(Language.NL):
        changes = [str(c) for c in covenant_changes(before, covenant_facts(covenant_dir))]
    assert changes == [
        "midden-nederland: K. Visser mag voortaan herleiden, namens gemeente-utrecht"
    ]
    path.write_text(text.replace(key, HerleiderKey.generate("x", "y").public))
    with speaking(Language.NL):
        changes = [str(c) for c in covenant_changes(before, covenant_facts(covenant_dir))]
    assert len(changes) == 1 and "andere sleutel" in changes[0]
