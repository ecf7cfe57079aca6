"""`ketenstroom demo`, as `make demo` runs it (its own embedded broker and worker)."""

from __future__ import annotations

import pytest

from pipeline.demo import run_demo
from pipeline.settings import Settings

pytestmark = pytest.mark.integration


def test_demo_accounts_for_every_input_and_cleans_up():
    report = run_demo(Settings(broker="embedded"), signals=60, seed=5)
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
    assert (
        report.recipients["zorgcoordinatie-utrecht"].treatments["slachtoffer.bsn"] == "versleuteld"
    )
    assert report.recipients["comensha"].views > 0
    assert "slachtoffer.bsn" not in report.recipients["comensha"].fields
    assert report.recipients["fairwork"].views == 0
    assert sum(s.views for s in report.recipients.values()) == len(report.ledger.disclosures)
    # the operator's view of the same run agrees with the ledger
    ops = report.operations
    assert ops is not None
    assert ops.records_in == report.published + report.hostile
    assert ops.views_out == len(report.ledger.disclosures)
    assert ops.dead_letters == len(report.ledger.dead_letters)
    assert ops.lag.status.value == "OK" and ops.lag.members == 1
