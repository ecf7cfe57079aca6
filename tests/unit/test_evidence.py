"""What was disclosed stays what was disclosed (issue 25) and a bundle belongs to one
installation (issue 26, attacks 2-5), in the pure parts: frozen covenant versions, one
immutable register entry per id, one schema per fingerprint, per-version overviews, bundles
bound to an installation, re-identification within the covenant's validity, and `publish`
that reports only answers on its own record."""

from __future__ import annotations

import datetime as dt
import json

import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from pipeline.accountability.lines import Period
from pipeline.accountability.overview import Overview
from pipeline.accountability.register_report import register_report
from pipeline.codec.framing import decode
from pipeline.codec.schema_store import SchemaStore, make_entry
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenant_texts
from pipeline.covenant.register import activity_kind, redefinitions
from pipeline.covenant.rules import reidentification_activity_id
from pipeline.covenant.versions import RuleChange, frozen_violations, key_of
from pipeline.errors import SchemaError
from pipeline.language import Language, speaking
from pipeline.messages.publication import version_changed
from pipeline.privacy.reidentification import (
    Entitled,
    HerleiderKey,
    Refused,
    make_request,
    verify_request,
)
from pipeline.publication.adoption import PolicyHolder
from pipeline.publication.bundle import Bundle, Installation
from pipeline.publication.precedent import Precedent, publication_problems
from pipeline.publication.signing import SigningKey, TrustedSigners, signed_digest
from pipeline.publication.status import ActiveBundle, WorkerStatus, adoption_report, event
from pipeline.router.core import route
from tests.conftest import CONVENANTEN
from tests.helpers import in_utrecht, inbound, signal_bytes

OFFICER = SigningKey.generate("privacy officer")
TRUSTED = TrustedSigners(ondertekenaars=[OFFICER.signer()])
TEXT = (CONVENANTEN / "midden-nederland.yaml").read_text()
#: Rule R4 gives CoMensha the birth date; this edit gives it the birth year instead.
BIRTH_YEAR = (
    "      slachtoffer.geboortedatum: doorgeven\n      slachtoffer.geslacht",
    "      slachtoffer.geboortedatum: geboortejaar\n      slachtoffer.geslacht",
)
V2 = ('versie: "2025.1"', 'versie: "2025.2"')
PROD = Installation("productie", "cluster-p")
ACC = Installation("acceptatie", "cluster-a")


def _text(*edits: tuple[str, str]) -> str:
    """The shipped text with edits; the birth-year edit lands in rule R4 (CoMensha's)."""
    head, r4, rest = TEXT.partition("  - id: R4\n")
    text = head + r4 + rest.replace(*BIRTH_YEAR, 1) if BIRTH_YEAR in edits else TEXT
    for old, new in edits:
        if (old, new) != BIRTH_YEAR:
            assert old in text, old
            text = text.replace(old, new, 1)
    assert text != TEXT
    return text


def _compiled(text: str, registry, store, keyring):
    covenants = load_covenant_texts({"midden-nederland.yaml": text}, "test")
    return covenants, compile_policy(covenants, registry, store, keyring)


def _comensha_view(policy):
    (plan,) = [
        p
        for (src, _), plans in policy.plans.items()
        for p in plans
        if p.recipient == "comensha" and p.signal_type == "Signaal" and src == "politie"
    ]
    return next(iter(plan.schemas.values()))


def test_a_changed_text_under_a_used_versie_is_named_and_layout_does_not_count(
    registry, store, keyring
):
    old, _ = _compiled(TEXT, registry, store, keyring)
    published = {key_of(c.model): c.model for c in old}
    relaid = TEXT.replace("# Statistiekregels", "# (een opmerking erbij)\n# Statistiekregels")
    same = load_covenant_texts({"m.yaml": relaid}, "test")
    assert frozen_violations(published, [c.model for c in same]) == []
    changed = load_covenant_texts(
        {"m.yaml": _text(BIRTH_YEAR, ("tot: 2030-03-01", "tot: 2031-03-01"))}, "test"
    )
    (found,) = frozen_violations(published, [c.model for c in changed])
    assert (found.covenant, found.versie) == ("midden-nederland", "2025.1")
    assert found.rules == (RuleChange("R4", "changed", ("velden",)),)
    assert found.heading == ("geldig",)
    with speaking(Language.NL):
        said = str(version_changed(found))
    assert "midden-nederland, versie 2025.1" in said and "regel R4 is anders (velden)" in said
    assert "in de kop: geldig" in said and "2025.2" in said  # what to do: raise versie
    raised = load_covenant_texts({"m.yaml": _text(BIRTH_YEAR, V2)}, "test")
    assert frozen_violations(published, [c.model for c in raised]) == []


def test_the_register_never_takes_another_entry_under_a_used_id(registry, store, keyring):
    _, before = _compiled(TEXT, registry, store, keyring)
    _, after = _compiled(_text(BIRTH_YEAR), registry, store, keyring)
    (redefined,) = redefinitions(before.register, after.register)
    assert redefined.id.endswith("/R4/2025.1")
    assert redefined.parts == ("behandelingen van comensha",)
    precedent = Precedent(dict(before.register), SchemaStore(before.store))
    assert precedent.problems(after)  # a worker refuses this policy
    _, raised = _compiled(_text(BIRTH_YEAR, V2), registry, store, keyring)
    assert precedent.problems(raised) == []  # a new versie: new ids, new view names
    # publish names the covenant version once, from its text, not entry by entry
    covenants = load_covenant_texts({"m.yaml": _text(BIRTH_YEAR)}, "test")
    published = {key_of(c.model): c.model for c in load_covenant_texts({"m.yaml": TEXT}, "t")}
    (problem,) = publication_problems(published, [c.model for c in covenants], after, precedent)
    assert "R4" in problem.nl


def test_a_view_of_an_old_version_decodes_to_the_value_that_was_sent(
    registry, store, keyring, factory, now
):
    """Avro's fingerprint does not see logical types: the date view and the year view of the
    same name are one fingerprint. The official Avro rules even call them compatible. So the
    name carries the covenant version, and a store never takes a second schema under a
    fingerprint it knows."""
    _, date_policy = _compiled(TEXT, registry, store, keyring)
    _, year_policy = _compiled(_text(BIRTH_YEAR, V2), registry, store, keyring)
    date_view, year_view = _comensha_view(date_policy), _comensha_view(year_policy)
    assert date_view.name.startswith("nl.ketenstroom.view.comensha.midden_nederland.v2025_1.")
    assert year_view.name.startswith("nl.ketenstroom.view.comensha.midden_nederland.v2025_2.")
    assert date_view.fingerprint != year_view.fingerprint
    # under one name (what the old names did), the two would collide, unseen by Avro's rules
    same_name = {**year_view.expanded, "name": date_view.name}
    renamed = json.loads(json.dumps(same_name).replace(".v2025_2.", ".v2025_1."))
    clash = make_entry(renamed, "view")
    assert clash.fingerprint == date_view.fingerprint and clash.meaning != date_view.meaning
    checker = ReaderWriterCompatibilityChecker()
    result = checker.get_compatibility(
        avro.schema.parse(json.dumps(clash.expanded)),
        avro.schema.parse(json.dumps(date_view.expanded)),
    )
    assert result.compatibility is SchemaCompatibilityType.compatible  # Avro cannot tell
    held = SchemaStore([date_view])
    with pytest.raises(SchemaError, match="other logical types"):
        held.add(clash)
    # the same schema with another doc is the same schema: the first stays
    redoc = make_entry({**date_view.expanded, "doc": "anders"}, "view")
    assert held.add(redoc) is date_view
    # one signal under each version: each view decodes, from one store holding both, to
    # what was sent under its version (the date, then only the year)
    document = in_utrecht(factory.make("politie", "Signaal").document)
    document["slachtoffer"]["geboortedatum"] = "1999-04-12"
    raw = signal_bytes(store, document, "politie", now)[1]
    both = SchemaStore([*date_policy.store, *year_policy.store])
    sent = {}
    for policy in (date_policy, year_policy):
        (view,) = [
            o.value
            for o in route(inbound("politie", raw), policy, now).deliveries
            if o.topic.endswith("comensha")
        ]
        sent[policy.version] = decode(view, both)[1]["slachtoffer"]["geboortedatum"]
    assert sent == {
        "midden-nederland@2025.1": dt.date(1999, 4, 12),
        "midden-nederland@2025.2": 1999,
    }


def test_a_bundle_for_another_installation_is_refused(policy, registry, store, keyring):
    holder = PolicyHolder(policy, registry, store, keyring, TRUSTED, installation=PROD)
    text = _text(
        V2, ("      slachtoffer.bsn: pseudoniem-herleidbaar", "      slachtoffer.bsn: doorgeven")
    )
    foreign = Bundle({"midden-nederland.yaml": text}, "2026-01-01", 5, ACC)
    signed = OFFICER.sign(foreign.to_bytes())
    refused = holder.apply(signed)
    assert refused.outcome == "refused" and holder.version == 0
    assert "ondertekend voor installatie acceptatie" in refused.reason  # Dutch, for the officer
    assert refused.signed == signed_digest(signed)
    # the same content for this installation is adopted: the binding is all that differed
    own = OFFICER.sign(Bundle(foreign.files, "2026-01-01", 5, PROD).to_bytes())
    assert holder.apply(own).outcome == "adopted"
    # and a starting worker passes over the foreign one as well
    fresh = PolicyHolder(policy, registry, store, keyring, TRUSTED, installation=PROD)
    fresh.start([signed])
    assert fresh.version == 0
    with pytest.raises(Exception, match="installation"):
        Bundle.from_bytes(json.dumps({"format": 4, "version": 1, "files": {"a": "b"}}).encode())


def test_a_worker_refuses_a_bundle_that_redefines_the_register(policy, registry, store, keyring):
    precedent = Precedent(dict(policy.register), SchemaStore(policy.store))
    holder = PolicyHolder(
        policy, registry, store, keyring, TRUSTED, installation=PROD, precedent=precedent
    )
    same_versie = OFFICER.sign(
        Bundle({"m.yaml": _text(BIRTH_YEAR)}, "2026-01-01", 2, PROD).to_bytes()
    )
    refused = holder.apply(same_versie)
    assert refused.outcome == "refused" and "verwerkingsregister" in refused.reason
    assert holder.version == 0
    raised = OFFICER.sign(
        Bundle({"m.yaml": _text(BIRTH_YEAR, V2)}, "2026-01-01", 3, PROD).to_bytes()
    )
    assert holder.apply(raised).outcome == "adopted"
    assert any(a.endswith("/R4/2025.2") for a in holder.precedent.register)


def test_publish_counts_only_answers_on_its_own_record():
    """Attack 5: a forged copy (one signature bit flipped) of the version in force is refused
    by the worker; that refusal is no answer to the officer's publication."""
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    mine, forged = signed_digest(b"officer's record"), signed_digest(b"forged copy")
    status = WorkerStatus(
        worker="w1",
        state="running",
        at=at,
        interval_s=30,
        active=ActiveBundle(version=3, digest="d", policy="p", signed=mine),
        events=(
            event("adopted", 3, "d", "", at, True, mine),
            event("refused", 3, "d", "signature does not verify", at, False, forged),
        ),
    )
    report = adoption_report(3, "d", {"w1": status}, {"w1": status}, at, mine)
    assert report.adopted == ("w1",) and not report.refused and report.confirmed
    # a foreign bundle with the same files and number, validly signed: refused, not ours
    foreign = signed_digest(b"for acceptance")
    status2 = status.model_copy(
        update={"events": (*status.events, event("refused", 3, "d", "x", at, True, foreign))}
    )
    assert adoption_report(3, "d", {"w1": status2}, {"w1": status2}, at, mine).confirmed
    # a refusal of the officer's own record is reported as one
    status3 = status.model_copy(
        update={
            "active": ActiveBundle(version=2, digest="c", policy="p", signed="old"),
            "events": (event("refused", 3, "d", "untrusted", at, False, mine),),
        }
    )
    assert adoption_report(3, "d", {"w1": status3}, {"w1": status3}, at, mine).refused


def test_reidentification_only_within_the_covenants_validity():
    """Attack 4: after `geldig.tot` (a Dutch day, exclusive) nobody re-identifies."""
    key = HerleiderKey.generate("M. de Boer", "gemeente-utrecht")
    label = "RP1.k1.midden-nederland/gemeente-utrecht.bsn.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    herleiders = [Entitled(key.naam, key.namens, key.public)]
    # 23:30 UTC on 28 February is 00:30 on 1 March in the Netherlands: the day after `tot`
    late = dt.datetime(2030, 2, 28, 23, 30, tzinfo=dt.UTC)
    asked = late - dt.timedelta(hours=2)
    signed = make_request(key, label, "acuut gevaar, melding 2030-7", asked, dt.timedelta(hours=3))
    validity = (dt.date(2025, 3, 1), dt.date(2030, 3, 1))
    parties = {"gemeente-utrecht"}
    with speaking(Language.NL), pytest.raises(Refused, match="geldt van 2025-03-01 tot 2030-03-01"):
        verify_request(signed, "midden-nederland", herleiders, parties, late, validity)
    ok = verify_request(
        signed, "midden-nederland", herleiders, parties, late - dt.timedelta(hours=1), validity
    )
    assert ok.herleider.naam == "M. de Boer"
    with pytest.raises(Refused):  # and before `van`
        verify_request(
            signed,
            "midden-nederland",
            herleiders,
            parties,
            late,
            (dt.date(2030, 3, 2), None),
        )


def test_the_overview_splits_per_version_and_counts_every_kind_of_line(registry, store, keyring):
    _, old = _compiled(TEXT, registry, store, keyring)
    _, new = _compiled(_text(BIRTH_YEAR, V2), registry, store, keyring)
    register = {**old.register, **new.register}
    ids = {a.split("/")[-2] + "@" + a.split("/")[-1]: a for a in register if "/" in a}
    at = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)

    def line(activity: str, outcome: str, recipient: str, n: int) -> dict:
        return {
            "outcome": outcome,
            "parent_span_id": None,
            "processing_activity_id": activity,
            "more_processing_activity_ids": [],
            "recipient": recipient,
            "start_time": at,
            "event_id": f"e{n}",
            "span_id": f"s{n}",
        }

    overview = Overview("midden-nederland", Period(), register)
    overview.add(line(ids["R4@2025.1"], "DISCLOSED", "comensha", 1))
    overview.add(line(ids["R4@2025.2"], "DISCLOSED", "comensha", 2))
    kop = load_covenant_texts({"m.yaml": TEXT}, "t")[0].model.convenant
    overview.add(line(reidentification_activity_id(kop), "REIDENTIFIED", "gemeente-utrecht", 3))
    overview.add(line(ids["S1@2025.1"], "DISCLOSED", "rapporteur", 4))
    report = overview.report()
    assert report["regels_in_log"] == 4
    rows = {(r["regel"], r["versie"]): r for r in report["regels"]}
    assert rows[("R4", "2025.1")]["verstrekkingen"] == rows[("R4", "2025.2")]["verstrekkingen"] == 1
    fields = {(f["versie"], f["veld"]): f for f in report["velden"] if f["ontvanger"] == "comensha"}
    assert fields[("2025.1", "slachtoffer.geboortedatum")]["behandeling"] == "doorgeven"
    assert fields[("2025.2", "slachtoffer.geboortedatum")]["behandeling"] == "geboortejaar"
    assert [h["herleidingen"] for h in report["herleidingen"] if h["versie"] == "2025.1"] == [1]
    (figures,) = [s for s in report["statistiek"] if s["versie"] == "2025.1"]
    assert figures["publicaties"] == 1
    unused = {(r["regel"], r["versie"]) for r in report["zonder_verstrekking"]["regels"]}
    assert ("herleiding", "2025.1") not in unused and ("S1", "2025.1") not in unused
    kinds = {activity_kind(e) for e in register.values()}
    assert kinds == {"verstrekking", "statistiek", "herleiding", "routering"}
    printed = register_report(register, "midden-nederland")
    assert [g["versie"] for g in printed["convenanten"]] == ["2025.1", "2025.2"]


def test_one_recipient_with_a_date_from_one_source_and_a_year_from_another(
    registry, store, keyring
):
    """Within one policy too: CoMensha gets the birth date of police signals and only the year
    of the NLA's. Both views have the same fields and, to Avro, the same fingerprint; each
    gets a schema of its own, so neither is decoded with the other's."""
    text = TEXT.replace(
        "    bronnen: [politie, nla]\n    signaaltype: Signaal\n    ontvangers: [comensha]",
        "    bronnen: [politie]\n    signaaltype: Signaal\n    ontvangers: [comensha]",
    )
    _, r4, rest = text.partition("  - id: R4\n")
    block = rest.split("\n\n", 1)[0]
    r9 = (r4 + block).replace("id: R4", "id: R9").replace("bronnen: [politie]", "bronnen: [nla]")
    r9 = r9.replace("geboortedatum: doorgeven", "geboortedatum: geboortejaar")
    _, policy = _compiled(text + "\n" + r9 + "\n", registry, store, keyring)
    views = {
        src: next(iter(p.schemas.values()))
        for (src, kind), plans in policy.plans.items()
        for p in plans
        if p.recipient == "comensha" and kind == "Signaal"
    }
    assert views["politie"].fingerprint != views["nla"].fingerprint
    assert views["politie"].meaning != views["nla"].meaning
    assert policy.store.get(views["politie"].fingerprint) is views["politie"]
