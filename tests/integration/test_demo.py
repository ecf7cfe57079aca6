"""`ketenstroom demo`, as `make demo` runs it (its own embedded broker and worker)."""

from __future__ import annotations

import pytest

from pipeline.demo import run_demo
from pipeline.settings import Settings

pytestmark = pytest.mark.integration


def test_demo_accounts_for_every_input_and_cleans_up():
    steps: list[str] = []
    report = run_demo(Settings(broker="embedded"), signals=60, seed=5, progress=steps.append)
    assert steps[0].startswith("embedded broker") and len(steps) == 5  # what it is doing
    assert report.nothing_lost
    assert report.hostile == 4
    assert set(report.ledger.dead_letter_reasons()) == {
        "source_mismatch",
        "invalid_record",
        "not_single_object",
        "unknown_fingerprint",
    }
    om = report.recipients["om"]
    assert om.views > 0 and om.treatments["slachtoffer.bsn"] == "doorgeven"
    assert (
        report.recipients["gemeente-utrecht"].treatments["slachtoffer.bsn"]
        == "pseudoniem-herleidbaar"
    )
    # the zorgcoördinator: the BSN encrypted in a Signaal, a pseudonym in a Verwijzing
    assert (
        report.recipients["zorgcoordinatie-utrecht"].treatments["slachtoffer.bsn"]
        == "pseudoniem/versleuteld"
    )
    assert report.recipients["comensha"].views > 0
    assert "slachtoffer.bsn" not in report.recipients["comensha"].fields
    assert report.recipients["fairwork"].views == 0
    assert sum(s.views for s in report.recipients.values()) == len(report.ledger.disclosures)
    # unlinkable: nothing two domains could join on, no publisher id in an inbox, referrals
    # by CoMensha arrive with the zorgcoördinator's own reference of the signal
    link = report.linkage
    assert link is not None and link.events > 0
    assert link.shared == 0 and link.leaked_ids == 0
    assert link.referrals > 0 and link.translated == link.referrals
    # the operator's view of the same run agrees with the ledger
    ops = report.operations
    assert ops is not None
    assert ops.records_in == report.published + report.hostile
    assert ops.views_out == len(report.ledger.disclosures)
    assert ops.dead_letters == len(report.ledger.dead_letters)
    assert ops.lag.status.value == "OK" and ops.lag.members == 1
    # the sample view the README shows: a reversible pseudonym, a postcode area, an age band
    assert report.sample is not None
    recipient, schema, view = report.sample
    assert recipient == "gemeente-utrecht" and schema.endswith(".Signaal")
    assert view["slachtoffer"]["bsn"].startswith("RP1.k1.midden-nederland/gemeente-utrecht.bsn.")
    assert len(view["slachtoffer"]["adres"]["postcode"]) == 4
    assert "voornamen" not in view["slachtoffer"] and "event_id" not in view["envelope"]
