"""The event-id index on disk: survives a restart, forgets after the horizon, never grows in memory."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.app.event_ids import EMBEDDED_CLUSTER_ID, open_event_index, state_directory
from pipeline.router.event_index import Claim, EventIndex, claim_record
from pipeline.settings import Settings

DIGEST = "ab" * 32
DAY_S = 24 * 3600.0


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_claim_flushed_to_disk_is_known_after_a_restart_and_unflushed_ones_are_not(tmp_path):
    path = tmp_path / "ids.sqlite"
    index = EventIndex(path)
    assert index.learn("e1", Claim("signalen.politie/0/5", DIGEST))
    index.flush({0: (8, b"e1", 1234)})
    index.learn("e2", Claim("signalen.politie/0/6", DIGEST))  # outputs never acknowledged
    index.close()

    again = EventIndex(path)
    assert again.get("e1") == Claim("signalen.politie/0/5", DIGEST[:32])
    assert again.get("e2") is None
    assert again.resume() == {0: (8, b"e1", 1234)}
    assert not again.learn("e1", Claim("signalen.nla/0/1", DIGEST)) and again.conflicts == 1
    assert again.learn("e1", Claim("signalen.politie/0/5", DIGEST))  # the same record again
    again.close()


def test_a_claim_is_forgotten_after_the_horizon_and_the_id_can_be_claimed_anew():
    clock = Clock()
    index = EventIndex(None, dt.timedelta(days=30), clock)
    index.learn("e1", Claim("signalen.politie/0/5", DIGEST))
    clock.now += 29 * DAY_S
    assert index.get("e1") is not None and len(index) == 1
    clock.now += 2 * DAY_S
    assert index.get("e1") is None and len(index) == 0
    assert index.learn("e1", Claim("signalen.nla/1/9", DIGEST))  # a new first claim
    assert index.get("e1") == Claim("signalen.nla/1/9", DIGEST[:32])
    index.flush()  # purges expired rows; the new claim stays
    assert len(index) == 1


def test_claims_read_from_the_topic_count_from_when_they_were_written():
    clock = Clock()
    index = EventIndex(None, dt.timedelta(days=10), clock)
    record = claim_record("e1", Claim("signalen.politie/0/5", DIGEST))
    old_ms = int((clock.now - 11 * DAY_S) * 1000)
    assert index.learn_record(record.key, record.value, old_ms)  # beyond the horizon: ignored
    assert index.get("e1") is None
    assert index.learn_record(record.key, record.value, int(clock.now * 1000))
    assert index.get("e1") is not None
    assert not index.learn_record(b"e2", b"not json")


def test_two_workers_of_one_group_on_one_machine_get_files_of_their_own(tmp_path):
    settings = Settings(state_dir=tmp_path, router_group_id="g")
    first, lock1 = open_event_index(settings, tmp_path)
    second, lock2 = open_event_index(settings, tmp_path)
    assert first.path != second.path and lock1 is not None and lock2 is not None
    first.close()
    lock1.close()
    third, lock3 = open_event_index(settings, tmp_path)  # a restart takes the freed file
    assert third.path == first.path
    for index, lock in ((second, lock2), (third, lock3)):
        index.close()
        assert lock is not None
        lock.close()


def test_a_claim_whose_subjects_hold_a_separator_is_ignored():
    """The index packs a claim's subjects with control characters; a claim on the topic that
    holds one (not the router's own: its log ids are plain ASCII) is malformed, not misread."""
    index = EventIndex()
    bad = b'{"origin": "signalen.politie/0/1", "sha256": "' + b"ab" * 32 + b'", '
    for subjects in (b'[["PS1.x\\u001fy", "BSN"]]', b'[["PS1.x\\u001ey", "BSN"]]', b'[["a"]]'):
        assert not index.learn_record(b"e1", bad + b'"subjects": ' + subjects + b"}")
    assert index.get("e1") is None
    good = b'[["PS1.xy", "BSN"]]'
    assert index.learn_record(b"e1", bad + b'"subjects": ' + good + b"}")
    assert index.get("e1").subjects == (("PS1.xy", "BSN"),)


def test_each_cluster_and_consumer_group_keeps_its_state_apart(tmp_path):
    """Issue 31: every worker on a host shared /tmp/ketenstroom-state, so one deployment's
    workers kept starting the other's index afresh. Now each cluster (by its id) and consumer
    group has a directory of its own, under the default and under KETENSTROOM_STATE_DIR."""
    default = Settings().state_dir
    router = Settings(state_dir=tmp_path, router_group_id="ketenstroom-router")
    other_group = router.model_copy(update={"router_group_id": "ketenstroom-router-test"})
    a = state_directory(router, "kS7mFJbZQBeV3JwH1eSNpg", "kafka-1:9092")
    assert a == tmp_path / "kS7mFJbZQBeV3JwH1eSNpg" / "ketenstroom-router"
    assert state_directory(router, "another-cluster-id", "kafka-1:9092") != a
    assert state_directory(other_group, "kS7mFJbZQBeV3JwH1eSNpg", "kafka-1:9092") != a
    # every embedded broker calls itself tansu_cluster: its address tells them apart
    one = state_directory(router, EMBEDDED_CLUSTER_ID, "127.0.0.1:41001")
    two = state_directory(router, EMBEDDED_CLUSTER_ID, "127.0.0.1:41002")
    assert one != two and one.parent.name == "tansu_cluster-127.0.0.1_41001"
    assert state_directory(Settings(), "c", "b:1").parent.parent == default
    sneaky = router.model_copy(update={"router_group_id": "../../etc"})
    assert tmp_path in state_directory(sneaky, "c/../..", "b:1").parents
    dots = router.model_copy(update={"router_group_id": ".."})
    assert state_directory(dots, "..", "b:1").parents[1] == tmp_path


@settings(max_examples=300, deadline=None)
@given(
    origin=st.text(max_size=40),
    subjects=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=10)), max_size=3),
)
def test_a_claims_bytes_are_the_json_of_its_fields_whatever_their_text(origin, subjects):
    """Claims are written without json.dumps for plain text (issue 32): byte for byte what
    json.dumps(sort_keys=True) gives, for any text (old readers parse them as before)."""
    claim = Claim(origin, DIGEST, tuple(subjects))
    assert claim.to_bytes() == json.dumps(json.loads(claim.to_bytes()), sort_keys=True).encode()
    assert Claim.from_bytes(claim.to_bytes()) == claim
