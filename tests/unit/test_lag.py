"""Burrow-style lag evaluation, on samples recorded from real consumers (tests/data/lag/record.py)
and on hand-made windows for the edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ops.lag import (
    GroupSample,
    GroupStatus,
    LagWindows,
    Offsets,
    PartitionStatus,
    alarming,
    any_failing,
    evaluate_group,
    evaluate_partition,
)

RECORDED = Path(__file__).parents[1] / "data" / "lag"


def recorded(name: str) -> list[GroupSample]:
    lines = (RECORDED / f"{name}.jsonl").read_text().splitlines()
    return [GroupSample.from_json(json.loads(line)) for line in lines]


@pytest.mark.parametrize(
    ("name", "group", "partition"),
    [
        ("bijgewerkt", GroupStatus.OK, PartitionStatus.OK),  # keeps up: lag touches zero
        ("inhalend", GroupStatus.OK, PartitionStatus.OK),  # big backlog, shrinking
        ("achterop", GroupStatus.WARN, PartitionStatus.WARN),  # moves, but lag only grows
        ("vastgelopen", GroupStatus.ERR, PartitionStatus.STALL),  # member, offset never moves
        ("gestopt", GroupStatus.ERR, PartitionStatus.STOP),  # left the group with lag
    ],
)
def test_recorded_consumers(name, group, partition):
    report = evaluate_group(recorded(name), size=10, min_span=5)
    assert report.status is group
    assert [p.status for p in report.partitions] == [partition]
    assert report.total_lag == report.partitions[0].lag > 0
    assert report.failing is (group is GroupStatus.ERR)


def test_a_short_window_judges_no_trend_but_does_see_a_stop():
    # the first three seconds of a stalled consumer: too short to call it stalled
    early = recorded("vastgelopen")[:3]
    assert evaluate_group(early, min_span=5).status is GroupStatus.OK
    # a group without members is stopped at once, whatever the window
    assert evaluate_group(recorded("gestopt")[:2], min_span=60).status is GroupStatus.ERR


def test_windows_slide_and_forget_the_past():
    windows = LagWindows(size=3, min_span=0)
    samples = recorded("achterop")
    windows.add(samples)
    (report,) = windows.reports()
    assert report.complete == 1.0 and report.status is GroupStatus.WARN
    # the consumer then catches up: once a lag of zero is in the window it is OK again
    last = samples[-1]
    (key,) = last.partitions
    caught_up = GroupSample(last.at + 1, last.group, 1, {key: Offsets(3000, 3000)})
    windows.add([caught_up])
    assert windows.reports()[0].status is GroupStatus.OK
    assert not any_failing(windows.reports())


def o(committed: int | None, end: int, start: int = 0) -> Offsets:
    return Offsets(committed, end, start)


def test_partition_rules():
    consuming = True
    assert evaluate_partition([], consuming) is PartitionStatus.OK
    assert evaluate_partition([o(5, 10), o(10, 10)], consuming) is PartitionStatus.OK
    assert evaluate_partition([o(5, 10), o(5, 12)], False) is PartitionStatus.STOP
    assert evaluate_partition([o(8, 20), o(5, 20)], consuming) is PartitionStatus.REWIND
    assert evaluate_partition([o(5, 10), o(5, 12)], consuming) is PartitionStatus.STALL
    assert evaluate_partition([o(5, 10), o(6, 12)], consuming) is PartitionStatus.WARN
    assert evaluate_partition([o(5, 10), o(6, 11)], consuming) is PartitionStatus.WARN  # flat lag
    assert evaluate_partition([o(5, 20), o(15, 22)], consuming) is PartitionStatus.OK
    assert evaluate_partition([o(5, 10)], consuming) is PartitionStatus.OK  # one reading: no trend
    assert (
        evaluate_partition([o(5, 10), o(5, 12)], consuming, long_enough=False) is PartitionStatus.OK
    )


def test_offsets_lag():
    assert o(None, 100, 40).lag == 60  # never committed: everything since the log start
    assert o(90, 100).lag == 10
    # a committed offset past a stale end offset (a broker under-reporting) is no negative lag
    assert o(120, 100).end == 120 and o(120, 100).lag == 0


def test_group_takes_the_worst_partition_and_json_round_trips():
    sample = GroupSample(0.0, "g", 2, {("t", 0): o(5, 10), ("t", 1): o(7, 7), ("u", 0): o(None, 3)})
    later = GroupSample(20.0, "g", 2, {("t", 0): o(5, 14), ("t", 1): o(9, 9), ("u", 0): o(None, 5)})
    report = evaluate_group([sample, later])
    assert report.status is GroupStatus.ERR
    assert {(p.topic, p.partition): p.status for p in report.partitions} == {
        ("t", 0): PartitionStatus.STALL,
        ("t", 1): PartitionStatus.OK,
        ("u", 0): PartitionStatus.STALL,
    }
    assert report.total_lag == 9 + 0 + 5
    assert GroupSample.from_json(json.loads(json.dumps(later.to_json()))) == later
    assert report.to_json()["partitions"][0] == {
        "topic": "t",
        "partition": 0,
        "committed": 5,
        "end": 14,
        "lag": 9,
        "status": "STALL",
    }
    with pytest.raises(ValueError):
        evaluate_group([])


def test_only_the_groups_that_decide_raise_an_alarm():
    """Issue 31: an idle partner inbox group (no member, views arrived since its last read) is
    STOP by Burrow's rules; it is shown, but only the router's group and groups asked for by
    name decide the exit status. An idle group without lag is OK."""

    def sample(group: str, members: int, committed: int, end: int) -> GroupSample:
        return GroupSample(0.0, group, members, {("inbox.om", 0): Offsets(committed, end)})

    inbox = evaluate_group([sample("om.inbox", 0, 40, 45)])
    idle = evaluate_group([sample("comensha.inbox", 0, 45, 45)])
    router = evaluate_group([sample("ketenstroom-router", 0, 10, 45)])
    assert inbox.status.value == "ERR" and idle.status.value == "OK"
    assert alarming([inbox, idle], {"ketenstroom-router"}) == []
    assert alarming([inbox, idle, router], {"ketenstroom-router"}) == [router]
    assert alarming([inbox, idle], {"ketenstroom-router", "om.inbox"}) == [inbox]
