"""Workers' covenant status and the adoption report that `convenant publish` prints."""

from __future__ import annotations

import datetime as dt

from pipeline.app.covenant_watch import StatusReporter
from pipeline.publication.adoption import Adoption, PolicyHolder
from pipeline.publication.status import (
    EVENTS_KEPT,
    ActiveBundle,
    WorkerStatus,
    adoption_report,
    copies,
    copy_key,
    event,
    latest,
    parse_status,
    status_key,
)

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _status(
    worker: str,
    version: int = 1,
    digest: str = "d1",
    state: str = "running",
    ago_s: float = 1,
    events=(),
) -> WorkerStatus:
    return WorkerStatus(
        worker=worker,
        state=state,
        at=NOW - dt.timedelta(seconds=ago_s),
        interval_s=10,
        active=ActiveBundle(version=version, digest=digest, policy=f"c@{version}"),
        events=tuple(events),
    )


def _record(status: WorkerStatus) -> tuple[bytes, bytes]:
    return status_key(status.worker), status.to_bytes()


def test_status_records_parse_only_under_their_own_workers_key():
    a = _status("a")
    assert parse_status(*_record(a)) == a
    # a status for worker "a" written under "b"'s key cannot speak for either
    assert parse_status(status_key("b"), a.to_bytes()) is None
    for key, value in [
        (status_key("a"), b"{not json"),
        (status_key("a"), None),  # tombstone
        (None, a.to_bytes()),
        (copy_key(1), a.to_bytes()),
        (status_key("a"), b'{"format": 1, "worker": "a"}'),
    ]:
        assert parse_status(key, value) is None
    later = _status("a", version=2)
    assert latest([_record(a), (copy_key(2), b"signed"), _record(later)]) == {"a": later}
    assert copies([_record(a), (copy_key(2), b"signed"), (copy_key(3), None)]) == [b"signed"]


def test_the_report_names_who_adopted_who_refused_and_who_kept_silent():
    before = {
        "a": _status("a"),
        "b": _status("b"),
        "c": _status("c"),
        "gone": _status("gone", ago_s=300),  # no word for 30 intervals: not expected to answer
        "stopped": _status("stopped", state="stopped"),
    }
    refusal = event("refused", 2, "d2", "unknown party fairwerk", NOW)
    after = {
        "a": _status("a", version=2, digest="d2", events=[event("adopted", 2, "d2", "", NOW)]),
        "b": _status("b", events=[refusal]),
        "new": _status("new", version=2, digest="d2"),  # started since, runs it
    }
    report = adoption_report(2, "d2", before, after, NOW)
    assert report.adopted == ("a", "new")
    assert report.refused == {"b": "unknown party fairwerk"}
    assert report.silent == ("c",)
    assert not report.confirmed


def test_confirmed_only_when_someone_adopted_and_nobody_refused_or_kept_silent():
    before = {"a": _status("a")}
    adopted = {"a": _status("a", version=2, digest="d2")}
    assert adoption_report(2, "d2", before, adopted, NOW).confirmed
    assert not adoption_report(2, "d2", before, {}, NOW).confirmed  # nobody answered
    assert not adoption_report(2, "d2", {}, {}, NOW).confirmed  # no worker at all
    # an answer about other content under the same version is no answer about this one
    other = {"a": _status("a", version=2, digest="other")}
    assert adoption_report(2, "d2", before, other, NOW).silent == ("a",)
    # a worker that stopped meanwhile is not waited for
    stopped = {"a": _status("a", state="stopped")}
    report = adoption_report(2, "d2", before, stopped, NOW)
    assert report.silent == () and not report.confirmed


def test_a_worker_reports_its_version_and_its_latest_events_bounded(policy, registry, store):
    holder = PolicyHolder(policy, registry, store)
    reporter = StatusReporter("w1", holder, 30)
    reporter.note(Adoption("unchanged", 1, "d"), NOW)  # a replay of what runs: nothing to say
    for n in range(EVENTS_KEPT + 5):
        reporter.note(Adoption("refused", None, None, f"reason {n}"), NOW)
    status = reporter.status("running", NOW)
    assert status.active == ActiveBundle(version=0, digest=None, policy=policy.version)
    assert len(status.events) == EVENTS_KEPT
    assert status.events[-1].reason == f"reason {EVENTS_KEPT + 4}"
    assert parse_status(status_key("w1"), status.to_bytes()) == status
    long = event("refused", None, None, "x" * 10_000, NOW)
    assert len(long.reason) <= 500


def test_only_the_router_may_write_the_status_topic(registry):
    """Nobody else can claim that a worker adopted a bundle, or replace a copy of one."""
    from pipeline import topics
    from pipeline.ops.acls import COVENANT_PUBLISHER, OPERATOR, REIDENTIFIER, ROUTER, all_acls

    grants = [a for a in all_acls(registry, "router") if a.name == topics.COVENANT_STATUS]
    writers = {a.principal for a in grants if a.operation == "Write"}
    readers = {a.principal for a in grants if a.operation == "Read"}
    assert writers == {ROUTER}
    # the re-identifier reads the bundles workers copied there: the herleiders in force
    assert readers == {ROUTER, COVENANT_PUBLISHER, OPERATOR, REIDENTIFIER}
    assert all(a.pattern == "literal" and a.resource_type == "topic" for a in grants)


def test_publish_chooses_the_next_version_and_refuses_reusing_or_lowering_one():
    import pytest
    import typer

    from pipeline.cli.publishing import choose_version as _choose_version
    from pipeline.client.covenant_topic import Published

    published = {1: Published(1, "a"), 2: Published(2, "b")}
    assert _choose_version(None, published, 2, "c", 10) == 3  # new content: the next number
    assert _choose_version(None, published, 2, "b", 10) == 2  # the newest again: nothing new
    assert _choose_version(7, published, 2, "c", 10) == 7
    assert _choose_version(None, {}, 0, "a", 10) == 1
    for asked, digest in ((2, "c"), (1, "c"), (1, "a"), (0, "c"), (11, "c"), (-3, "c")):
        with pytest.raises(typer.Exit) as refused:
            _choose_version(asked, published, 2, digest, 10)
        assert refused.value.exit_code == 1
    with pytest.raises(typer.Exit):  # no number left after the highest
        _choose_version(None, {10: Published(10, "x")}, 10, "y", 10)
