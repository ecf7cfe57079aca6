"""A follow-up stays inside the scope of what it refers to (issue 26, attack 8): the area, the
validity period and the covenant of each referred event bound where a Statusupdate, Verwijzing
or Controle goes, whatever `ook_zonder_locatie` says. Each tried as a hostile partner would."""

from __future__ import annotations

import json

import pytest

from pipeline.covenant.scope import Place
from pipeline.language import Language, speaking
from pipeline.router.core import route
from pipeline.router.event_index import EventIndex, _pack, _unpack
from pipeline.router.event_scope import MAX_PLACES, Scope
from tests.conftest import NOW
from tests.helpers import in_utrecht, inbound, log_entries, reason, signal_bytes
from tests.unit.test_covenant_check import _compile

ROTTERDAM = "GM0599"
#: The attack's rule: gemeente-utrecht hears how a police signal goes on, free text included;
#: a Statusupdate has no location, so the rule says `ook_zonder_locatie`.
STATUS_RULE = """
  - id: R8
    artikel: "6.2"
    omschrijving: De gemeente hoort hoe het verder gaat met een signaal van de politie.
    bronnen: [politie]
    signaaltype: Statusupdate
    ontvangers: [gemeente-utrecht]
    doel: bestuurlijk
    grondslag: wgs
    bewaartermijn: P1Y
    ook_zonder_locatie: true
    velden:
      ref_id: doorgeven
      status: doorgeven
      reden: doorgeven
"""


@pytest.fixture
def status_policy(covenant_dir, store):
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(path.read_text() + STATUS_RULE)
    return _compile(covenant_dir, store)


def _route(policy, store, document, source, index, offset, now=NOW):
    _, raw = signal_bytes(store, document, source, now)
    result = route(inbound(source, raw, offset=offset), policy, now, index)
    if result.claim is not None:
        index.learn_record(result.claim.key, result.claim.value)
    return result


def _in(document, code):
    document["slachtoffer"]["adres"]["gemeentecode"] = code
    return document


def _status(factory, ref, text="Aangifte gedaan; verdachte woont in de Bloemstraat"):
    update = factory.follow_up("politie", "Statusupdate", ref).document
    update["status"] = "OPSPORINGSONDERZOEK"
    update["reden"] = text
    return update


def _withheld(result, policy) -> set[str]:
    return {e["reason"] for e in log_entries(result, policy) if e["outcome"] == "WITHHELD"}


def test_a_status_update_about_a_signal_outside_the_area_is_withheld(status_policy, store, factory):
    """Broke before (issue 26, attack 8): a Statusupdate under a rule with
    `ook_zonder_locatie: true` about a Rotterdam signal reached gemeente-utrecht, free text
    included: a follow-up did not inherit the area of the event it refers to. Now it is
    withheld, and the log says why; about a Utrecht signal it still goes out."""
    index = EventIndex()
    rotterdam = _in(factory.make("politie", "Signaal").document, ROTTERDAM)
    _route(status_policy, store, rotterdam, "politie", index, 0)
    update = _status(factory, str(rotterdam["envelope"]["event_id"]))
    result = _route(status_policy, store, update, "politie", index, 1)
    assert result.deliveries == ()
    assert _withheld(result, status_policy) == {"referred_event_outside_area"}
    assert b"Bloemstraat" not in b"".join(o.value for o in result.outputs)
    utrecht = in_utrecht(factory.make("politie", "Signaal").document)
    _route(status_policy, store, utrecht, "politie", index, 2)
    update = _status(factory, str(utrecht["envelope"]["event_id"]))
    result = _route(status_policy, store, update, "politie", index, 3)
    assert [o.topic for o in result.deliveries] == ["inbox.gemeente-utrecht"]


def test_a_follow_up_of_a_follow_up_keeps_the_first_events_place(status_policy, store, factory):
    """A hostile partner launders the place: a Statusupdate about its own Statusupdate about
    a Rotterdam signal. The second has no location either; it lies where the first lay."""
    index = EventIndex()
    rotterdam = _in(factory.make("politie", "Signaal").document, ROTTERDAM)
    _route(status_policy, store, rotterdam, "politie", index, 0)
    first = _status(factory, str(rotterdam["envelope"]["event_id"]))
    _route(status_policy, store, first, "politie", index, 1)
    second = _status(factory, str(first["envelope"]["event_id"]))
    result = _route(status_policy, store, second, "politie", index, 2)
    assert result.deliveries == () and _withheld(result, status_policy) == {
        "referred_event_outside_area"
    }


def test_a_referral_in_the_area_about_a_signal_outside_it_is_withheld(store, policy, factory):
    """A Verwijzing with a Utrecht address of its own, about a Rotterdam signal: its own place
    does not pull the signal it is about into the area."""
    index = EventIndex()
    rotterdam = _in(factory.make("politie", "Signaal").document, ROTTERDAM)
    _route(policy, store, rotterdam, "politie", index, 0)
    referral = in_utrecht(
        factory.follow_up("politie", "Verwijzing", str(rotterdam["envelope"]["event_id"])).document
    )
    result = _route(policy, store, referral, "politie", index, 1)
    assert result.deliveries == ()
    assert _withheld(result, policy) == {"referred_event_outside_area"}


def test_a_controle_is_withheld_if_one_linked_signal_lies_outside(store, policy, factory):
    """Every event a record refers to must lie in the area: one Rotterdam signal among Utrecht
    ones is enough to withhold the Controle under Midden-Nederland."""
    index = EventIndex()
    linked = []
    for offset, code in enumerate(("GM0344", ROTTERDAM)):
        signal = _in(factory.make("nla", "Signaal").document, code)
        _route(policy, store, signal, "nla", index, offset)
        linked.append(str(signal["envelope"]["event_id"]))
    controle = in_utrecht(factory.make("nla", "Controle").document)
    controle["gekoppelde_signalen"] = linked[:1]
    assert _route(policy, store, controle, "nla", index, 5).deliveries
    controle = in_utrecht(factory.make("nla", "Controle").document)
    controle["gekoppelde_signalen"] = linked
    result = _route(policy, store, controle, "nla", index, 6)
    assert result.deliveries == ()
    assert _withheld(result, policy) == {"referred_event_outside_area"}


def test_a_follow_up_about_an_event_before_the_covenant_began_is_withheld(
    status_policy, store, factory
):
    """The referred event's time counts, not only the follow-up's: a Utrecht signal of before
    1 March 2025 (Midden-Nederland's start) stays outside it, also through a Statusupdate of
    today."""
    index = EventIndex()
    old = in_utrecht(factory.make("politie", "Signaal").document)
    old["envelope"]["occurred_at"] = "2025-02-20T10:00:00+01:00"
    old["envelope"]["recorded_at"] = "2025-02-21T10:00:00+01:00"
    routed = _route(status_policy, store, old, "politie", index, 0)
    assert routed.deliveries == ()
    update = _status(factory, str(old["envelope"]["event_id"]))
    result = _route(status_policy, store, update, "politie", index, 1)
    assert result.deliveries == ()
    assert _withheld(result, status_policy) == {"referred_event_outside_period"}


def test_a_claim_of_before_scopes_were_kept_withholds_the_follow_up(status_policy, store, factory):
    """Claims written before this version (no `v`, no scope) say nothing of where their event
    lay: a follow-up about it is withheld (default deny) with its own reason, never let
    through on a guess. The same for a claim of a version this code does not know."""
    index = EventIndex()
    utrecht = in_utrecht(factory.make("politie", "Signaal").document)
    event_id = str(utrecht["envelope"]["event_id"])
    routed = _route(status_policy, store, utrecht, "politie", EventIndex(), 0)
    body = json.loads(routed.claim.value)
    assert body["v"] == 2 and body["scope"]["places"] == [[["GM0344"], ["MIDDEN_NEDERLAND"], None]]
    for legacy in (
        {k: v for k, v in body.items() if k not in ("v", "scope")},
        {**body, "v": 3},
    ):
        index = EventIndex()
        index.learn_record(event_id.encode(), json.dumps(legacy).encode())
        result = _route(status_policy, store, _status(factory, event_id), "politie", index, 1)
        assert result.deliveries == ()
        assert _withheld(result, status_policy) == {"referred_event_unknown"}
        claim = index.get(str(result.claim.key.decode()))
        assert claim is not None and claim.scope is None  # unknown propagates


def test_an_unlocated_signal_is_followed_only_where_its_covenant_takes_unlocated_ones(
    covenant_dir, store, factory
):
    """A signal without a location reaches a covenant with an area only by a rule that says
    `ook_zonder_locatie`; a follow-up about it goes where such a rule exists for its type and
    source, nowhere else."""
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(path.read_text() + STATUS_RULE)
    policy = _compile(covenant_dir, store)
    unlocated = factory.make("politie", "Signaal").document
    unlocated["slachtoffer"]["adres"] = None
    unlocated["politie_eenheid"] = None
    index = EventIndex()
    _route(policy, store, unlocated, "politie", index, 0)
    update = _status(factory, str(unlocated["envelope"]["event_id"]))
    result = _route(policy, store, update, "politie", index, 1)
    assert result.deliveries == () and _withheld(result, policy) == {"referred_event_outside_area"}
    text = path.read_text()
    r3 = text.index("  - id: R3")
    path.write_text(
        text[:r3]
        + text[r3:].replace(
            "    bewaartermijn: P1Y\n", "    bewaartermijn: P1Y\n    ook_zonder_locatie: true\n", 1
        )
    )
    policy = _compile(covenant_dir, store)
    index = EventIndex()
    _route(policy, store, unlocated, "politie", index, 0)
    result = _route(policy, store, update, "politie", index, 1)
    assert [o.topic for o in result.deliveries] == ["inbox.gemeente-utrecht"]


def test_the_inzage_says_why_in_plain_dutch(status_policy, store, factory):
    from pipeline.cli.verantwoording import _why

    with speaking(Language.NL):
        assert _why("referred_event_outside_area") == (
            "het bericht verwijst naar een signaal buiten het werkgebied van het convenant"
        )
        assert "looptijd" in _why("referred_event_outside_period")
        assert "niet (meer) weet" in _why("referred_event_unknown")


def test_a_claim_keeps_a_bounded_scope_and_reads_back_the_same(store, policy, factory):
    """A hostile partner writes a municipality code of 60 KB: the claim keeps `?` for it
    (no area lists it, as before); a record that would lie in more than MAX_PLACES places is a
    dead letter; scopes survive the claim topic and the on-disk index unchanged."""
    index = EventIndex()
    huge = factory.make("politie", "Signaal").document
    huge["slachtoffer"]["adres"]["gemeentecode"] = "X" * 60_000
    routed = _route(policy, store, huge, "politie", index, 0)
    assert routed.deliveries == () and len(routed.claim.value) < 1000
    claim = index.get(str(huge["envelope"]["event_id"]))
    assert claim.scope.places == (Place(("?",), ("MIDDEN_NEDERLAND",)),)
    assert _unpack(_pack(claim)) == claim
    places = tuple(Place((f"GM{n:04d}",)) for n in range(MAX_PLACES + 1))
    with pytest.raises(ValueError):
        Scope.from_json(Scope(places, 0, 1).to_json())
    # a Controle linking signals from more than MAX_PLACES places
    linked = []
    for n in range(MAX_PLACES + 1):
        signal = _in(factory.make("nla", "Signaal").document, f"GM{n:04d}")
        signal["slachtoffer"]["bsn"] = "111222333"  # one person: only the places are many
        _route(policy, store, signal, "nla", index, 10 + n)
        linked.append(str(signal["envelope"]["event_id"]))
    controle = in_utrecht(factory.make("nla", "Controle").document)
    controle["gekoppelde_signalen"] = linked
    result = _route(policy, store, controle, "nla", index, 5000)
    assert reason(result) == "too_many_places" and result.claim is None


def test_a_follow_up_without_the_claims_goes_nowhere(store, policy, factory):
    """Without the claims, where a referred event lay is unknown: default deny. (Before, a
    referral with a received reference was disclosed by route() without an index.)"""
    from pipeline.codec.framing import decode

    index = EventIndex()
    utrecht = in_utrecht(factory.make("politie", "Signaal").document)
    routed = _route(policy, store, utrecht, "politie", index, 0)
    (ref,) = [
        decode(o.value, policy.store)[1]["envelope"]["event_ref"]
        for o in routed.deliveries
        if o.topic == "inbox.comensha"
    ]
    referral = in_utrecht(factory.follow_up("comensha", "Verwijzing", ref).document)
    _, raw = signal_bytes(store, referral, "comensha", NOW)
    blind = route(inbound("comensha", raw, offset=1), policy, NOW, None)
    assert blind.deliveries == () and _withheld(blind, policy) == {"referred_event_unknown"}
    known = route(inbound("comensha", raw, offset=1), policy, NOW, index)
    assert [o.topic for o in known.deliveries] == ["inbox.zorgcoordinatie-utrecht"]
