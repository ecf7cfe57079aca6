"""A worker reads only the claims partitions its batches need (issue 32). An id, or an event a
record refers to, whose claim lies on a partition the worker has not read is never taken for
new: that partition is read first, and the record routed again. Here the claims topic is the
claim records another worker's routing made; tests/integration/test_claims_partitions.py has
the real broker and two real workers."""

from __future__ import annotations

import asyncio
import random

from pipeline.app.batch_routing import route_records
from pipeline.app.partitioner import partitioner, python_partition
from pipeline.codec.framing import encode
from pipeline.router.core import route_batch
from pipeline.router.event_index import Claim, EventIndex
from pipeline.router.records import Outbound
from pipeline.signals.prepare import prepare
from tests.helpers import in_utrecht, inbound, reason, views_by_recipient

PARTITIONS = 6
DIGEST = "ab" * 32


def placement(event_id: str) -> int:
    return partitioner()(event_id.encode(), PARTITIONS)


def elsewhere(event_id: str) -> frozenset[int]:
    """Every claims partition but the one ``event_id``'s claim lies on."""
    return frozenset(range(PARTITIONS)) - {placement(event_id)}


class ClaimsTopic:
    """The claims another worker wrote; ``read_missing`` reads what the index missed."""

    def __init__(self, index: EventIndex, claims: list[Outbound]) -> None:
        self.index, self.claims, self.reads = index, claims, 0

    async def read_missing(self) -> None:
        self.reads += 1
        missing = set(self.index.missing)
        for claim in self.claims:
            if placement(claim.key.decode()) in missing:
                self.index.learn_record(claim.key, claim.value)
        assert self.index.covered is not None
        self.index.cover(self.index.covered | missing, placement)


def _routed_elsewhere(policy, now, records):
    """Route ``records`` as another worker would: its claims, as written to the topic."""
    results = route_batch(records, policy, now, EventIndex())
    return [r.claim for r in results if r.claim is not None]


def test_an_id_on_a_partition_not_read_is_not_taken_for_new():
    index = EventIndex()
    index.cover(elsewhere("e1"), placement)
    assert index.get("e1") is None and index.missing == {placement("e1")}
    index.cover(frozenset(range(PARTITIONS)), placement)
    assert index.get("e1") is None and not index.missing  # read: it is new
    index.learn("e2", Claim("signalen.politie/0/5", DIGEST))
    index.cover(elsewhere("e2"), placement)
    assert index.get("e2") is not None and not index.missing  # known here: known


def test_a_duplicate_whose_first_claim_lies_on_another_partition_is_found(
    store, policy, factory, now
):
    entry, datum = prepare(
        in_utrecht(factory.make("politie", "Signaal").document), "politie", store, now
    )
    raw = encode(entry, datum)
    event_id = str(datum["envelope"]["event_id"])
    # the first copy was keyed otherwise and routed by another worker; its claim lies where
    # the id's hash puts it, a partition this worker does not read before its batches
    claims = _routed_elsewhere(policy, now, [inbound("politie", raw, b"other-key", offset=3)])
    index = EventIndex()
    index.cover(elsewhere(event_id), placement)
    topic = ClaimsTopic(index, claims)
    copy = inbound("politie", raw, event_id.encode(), offset=8)
    (result,) = asyncio.run(route_records([copy], policy, now, index, {}, topic.read_missing))
    assert reason(result) == "duplicate_event_id" and topic.reads == 1

    # with nothing on that partition, the same record is new
    index = EventIndex()
    index.cover(elsewhere(event_id), placement)
    empty = ClaimsTopic(index, [])
    (result,) = asyncio.run(route_records([copy], policy, now, index, {}, empty.read_missing))
    assert result.dead_letter is None and empty.reads == 1


def test_a_follow_up_about_another_workers_event_is_resolved_after_reading_its_partition(
    store, policy, factory, now
):
    def encoded(document):
        entry, datum = prepare(in_utrecht(document), "comensha", store, now)
        return encode(entry, datum), str(datum["envelope"]["event_id"])

    signal = factory.make("comensha", "Signaal").document
    raw, event_id = encoded(signal)
    claims = _routed_elsewhere(policy, now, [inbound("comensha", raw, event_id.encode())])
    follow_up, own_id = encoded(
        factory.follow_up("comensha", "Verwijzing", signal["envelope"]["event_id"]).document
    )
    record = inbound("comensha", follow_up, own_id.encode(), offset=1)
    for claims_there, expected in ((claims, None), ([], "unknown_reference")):
        index = EventIndex()
        index.cover(elsewhere(event_id) | {placement(own_id)}, placement)
        topic = ClaimsTopic(index, claims_there)
        (result,) = asyncio.run(route_records([record], policy, now, index, {}, topic.read_missing))
        assert topic.reads == 1
        if expected is None:
            (view,) = views_by_recipient(result, policy).values()
            assert view["signaal_ref"].startswith("EV1.")
        else:
            assert reason(result) == expected


def test_the_partitioner_is_kafkas_murmur2_whichever_library_computes_it():
    rng = random.Random(32)
    compute = partitioner()
    for _ in range(5000):
        key, count = rng.randbytes(rng.randrange(1, 64)), rng.randrange(1, 100)
        assert compute(key, count) == python_partition(key, count)
    # Kafka's own reference values (the Java client's tests: Utils.murmur2 of these strings)
    assert python_partition(b"21", 2**31 - 1) == (-973932308 & 0x7FFFFFFF)
