"""(g) The hand-written peers: the job a user would write without ketenstroom (``peer_job``),
on confluent-kafka and on aiokafka, in signals per second counted as the pipeline's are."""

from __future__ import annotations

from pipeline import topics
from pipeline.router.records import Inbound
from tests.benchmarks.peer_job import PeerJob
from tests.benchmarks.throughput import Measured, create_topics, produce, run_child

#: Peer name -> the module that runs it as a child process.
PEERS = {
    "confluent-kafka+fastavro": "tests.benchmarks.peer_confluent",
    "aiokafka+fastavro": "tests.benchmarks.peer_aiokafka",
}
#: Where a peer writes, beside the router's topics (``peer.inbox.om``, ``peer.log``, ...).
PREFIX = "peer."


def bench_peer(
    bootstrap: str, broker_pid: int, inputs: list[Inbound], partitions: int, name: str
) -> Measured:
    """Signals/s and CPU per signal of peer ``name`` working through a backlog of ``inputs``
    on signalen.politie, over the span of its log records' CreateTime, one log record per
    signal (see ``span``). Needs a broker of its own: it reads the topic from the start."""
    job = PeerJob(PREFIX)
    create_topics(bootstrap, job.topics, partitions)
    source = topics.inbound("politie")
    produce(bootstrap, source, inputs)
    args = [source, PREFIX]
    return run_child(PEERS[name], args, bootstrap, job.log_topic, len(inputs), broker_pid)
