"""`convenant proef` on the real embedded broker: a known stream routed live by a worker, then
replayed through the policy in force and a proposed change, with the counts asserted (issue 29).

The stream: three adult victims in Utrecht (GM0344) from the police, two in Enschede (GM0153,
outside the area) from the police, an NLA inspection in Amersfoort (GM0307), and a CoMensha
signal in Utrecht with a referral to care that refers to it by CoMensha's own event id (so it
resolves only through the claims a worker made: the dry run reads the event-id index as a
worker does). The proposed change: Enschede joins the area; the municipality gets the BSN as a
plain pseudonym; it gets only its own inspections; referrals to care are no longer shared.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator

import pytest

from pipeline.app.process import settings_env
from pipeline.broker.embedded import EmbeddedBroker
from pipeline.client.publisher import Publisher
from pipeline.ops.accounting import wait_for_ledger
from pipeline.synthetic.generator import SignalFactory
from tests.conftest import CONVENANTEN, NOW
from tests.helpers import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of this module's own: the policy in force is what this module publishes."""
    with EmbeddedBroker() as running:
        yield running


def _adult(document: dict, municipality: str) -> dict:
    document["slachtoffer"].update(geboortedatum="1990-04-01")
    document["slachtoffer"]["adres"] = {**(document["slachtoffer"].get("adres") or {}), "gemeentecode": municipality}
    document["minderjarig"] = False
    return document


@pytest.fixture(scope="module")
def routed(cluster, worker, store, policy) -> list[str]:
    """The known stream, published and routed live (the ledger shows every event logged)."""
    factory = SignalFactory(seed=11, now=NOW)
    bootstrap = cluster.require_bootstrap()
    worker.wait_ready()
    ids = []
    with Publisher(cluster, bootstrap, "politie", store) as politie:
        for municipality in ("GM0344", "GM0344", "GM0344", "GM0153", "GM0153"):
            signal = _adult(factory.make("politie", "Signaal").document, municipality)
            ids.append(str(politie.publish(signal).event_id))
    with Publisher(cluster, bootstrap, "nla", store) as nla:
        inspection = factory.make("nla", "Controle").document
        inspection["gemeentecode"] = "GM0307"
        ids.append(str(nla.publish(inspection).event_id))
    with Publisher(cluster, bootstrap, "comensha", store) as comensha:
        own = str(comensha.publish(_adult(factory.make("comensha", "Signaal").document, "GM0344")).event_id)
        referral = factory.verwijzing("comensha", signaal_ref=own)
        referral["slachtoffer"]["adres"] = {"gemeentecode": "GM0344"}
        ids += [own, str(comensha.publish(referral).event_id)]
    ledger = wait_for_ledger(cluster, bootstrap, policy.store, set(ids), 60)
    assert ledger is not None and worker.alive, worker.output()[-3000:]
    time.sleep(1)  # the worker's claims are on the claims topic once the batch is committed
    return ids


def _proposed(tmp_path):
    target = tmp_path / "voorstel"
    shutil.copytree(CONVENANTEN, target)
    path = target / "midden-nederland.yaml"
    text = path.read_text()
    text = text.replace("GM1904, GM1961]", "GM1904, GM1961, GM0153]")
    text = text.replace("slachtoffer.bsn: pseudoniem-herleidbaar", "slachtoffer.bsn: pseudoniem")
    text = text.replace(
        "    ontvangers: [riec-midden-nederland, gemeente-utrecht]\n    doel: bestuurlijk",
        "    ontvangers: [riec-midden-nederland]\n    doel: bestuurlijk",
    )
    r5 = text[text.index("  - id: R5") : text.index("  - id: R6")]
    own = (
        r5.replace("id: R5", "id: R5b")
        .replace("ontvangers: [riec-midden-nederland]", "ontvangers: [gemeente-utrecht]")
        .replace("    velden:", "    voorwaarden:\n      - veld: gemeentecode\n        is: GM0344\n    velden:")
    )
    r6 = text[text.index("  - id: R6") : text.index("  - id: R7")]
    path.write_text(text.replace(r6, own))
    return target


def test_the_dry_run_counts_what_the_change_would_do(cluster, routed, tmp_path):
    proposed = _proposed(tmp_path)
    done = run_cli("convenant", "proef", str(proposed), "--json", env=settings_env(cluster))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["signalen"] == len(routed) == 8
    assert report["in_werking"]["versie"] == 0  # nothing published: the files on disk
    assert report["naar_iemand"] == 2  # Enschede's two signals now reach someone
    assert report["naar_niemand"] == 1  # the referral to care reaches no one
    assert report["dode_letters"] == []  # the referral's reference resolved as it does live
    per = {r["ontvanger"]: (r["nieuw"], r["vervalt"], r["blijft"]) for r in report["per_ontvanger"]}
    assert per == {
        "om": (2, 0, 3),
        "comensha": (2, 0, 3),
        "zorgcoordinatie-utrecht": (2, 1, 4),
        "gemeente-utrecht": (0, 1, 3),
        "riec-midden-nederland": (0, 0, 1),
    }
    new = {(r["ontvanger"], r["regels"], r["veld"]): r["aantal"] for r in report["velden_nieuw"]}
    assert new[("om", "midden-nederland/R1", "slachtoffer.bsn")] == 2
    gone = {(r["ontvanger"], r["regels"], r["veld"]): r["aantal"] for r in report["velden_vervallen"]}
    assert gone[("gemeente-utrecht", "midden-nederland/R5", "kvk_nummer")] == 1
    assert gone[("zorgcoordinatie-utrecht", "midden-nederland/R6", "verwijzing_id")] == 1
    other = {(r["ontvanger"], r["regels"], r["veld"]): r["aantal"] for r in report["velden_anders"]}
    assert other == {("gemeente-utrecht", "midden-nederland/R3", "slachtoffer.bsn"): 3}
    # counts only: no value of any signal leaves the dry run
    assert "GM0153" not in done.stdout and "1990-04-01" not in done.stdout


def test_the_dry_run_in_dutch_and_a_period_without_signals(cluster, routed, tmp_path):
    env = {**settings_env(cluster), "KETENSTROOM_TAAL": "nl"}
    done = run_cli("convenant", "proef", str(_proposed(tmp_path)), env=env)
    assert done.returncode == 0, done.stderr
    assert "Er is niets verstuurd" in done.stdout
    assert "door wat de routers nu doen (er is nog niets gepubliceerd)" in done.stdout
    assert "Van iemand naar niemand: 1; van niemand naar iemand: 2." in done.stdout
    assert "connecting" not in done.stderr  # the officer's command speaks Dutch throughout
    done = run_cli("convenant", "proef", "--van", "2020-01-01", "--tot", "2020-01-08", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["signalen"] == 0


def test_without_a_routers_rights_it_says_so(cluster, routed):
    # an operator pointing at a cluster where the router's topics are not visible to them (here:
    # a registry with a partner whose inbound topic this user cannot see because it is not there)
    env = {**settings_env(cluster), "KETENSTROOM_TAAL": "nl"}
    covenants = cluster.convenanten_dir
    assert covenants.exists()
    env["KETENSTROOM_BOOTSTRAP_SERVERS"] = cluster.require_bootstrap()
    registry_dir = _registry_with_an_unseen_partner()
    env["KETENSTROOM_CONVENANTEN_DIR"] = str(registry_dir)
    done = run_cli("convenant", "proef", "--json", env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "proef kan signalen.onzichtbaar niet lezen" in done.stderr
    assert "dezelfde leesrechten nodig als een router (rol ketenstroom-router)" in done.stderr


def _registry_with_an_unseen_partner():
    import tempfile
    from pathlib import Path

    target = Path(tempfile.mkdtemp(prefix="proef-rechten-")) / "convenanten"
    shutil.copytree(CONVENANTEN, target)
    with (target / "deelnemers.yaml").open("a") as registry:
        registry.write("  - id: onzichtbaar\n    naam: Onzichtbaar\n    soort: gemeente\n")
    return target


def test_analyse_names_the_rules_that_disclosed_nothing_in_the_period(cluster, routed):
    import datetime as dt

    since = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    env = {**settings_env(cluster), "KETENSTROOM_TAAL": "nl"}
    done = run_cli("convenant", "analyse", "--van", since, "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    (loose,) = json.loads(done.stdout)["loose_ends"]
    # no minor in the stream (R7), and no statistics published yet (S1)
    assert loose["unused_rules"] == ["R7", "S1"]


def test_one_proposed_file_replaces_only_its_own_covenant(cluster, routed, tmp_path):
    # a careless officer gives one file: the other covenants are not "withdrawn" by it
    proposed = _proposed(tmp_path) / "midden-nederland.yaml"
    done = run_cli("convenant", "proef", str(proposed), "--json", env=settings_env(cluster))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["naar_iemand"], report["naar_niemand"]) == (2, 1)
