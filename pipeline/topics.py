"""Topic names. Identity is the topic: a partner writes only to its own inbound topic."""

from __future__ import annotations

INBOUND_PREFIX = "signalen."
INBOX_PREFIX = "inbox."
DEAD_LETTER = "ketenstroom.dlq"
DISCLOSURE_LOG = "ketenstroom.verantwoording"
SCHEMAS = "ketenstroom.schemas"
COVENANTS = "ketenstroom.convenanten"
#: Which covenant version every worker runs, what it refused, and copies of adopted bundles.
COVENANT_STATUS = "ketenstroom.convenant-status"
EVENT_IDS = "ketenstroom.gebeurtenis-ids"
#: The register of processing activities that disclosure-log lines refer to (key: activity id).
REGISTER = "ketenstroom.verwerkingsregister"
DLQ_REPLAYS = "ketenstroom.dlq-herhalingen"
#: Statistics: one fact per counted signal and rule; one entry per publication version.
STATISTICS_FACTS = "ketenstroom.statistiek-feiten"
STATISTICS_PUBLICATIONS = "ketenstroom.statistiek-publicaties"
#: Who publishes which version: one partition, never compacted, kept for ever; of the claims to
#: one publication name, the first in offset order is the one (pipeline.statistics.state).
STATISTICS_CLAIMS = "ketenstroom.statistiek-claims"

#: Compacted topics: the latest value per key is the state.
COMPACTED = frozenset(
    {
        SCHEMAS,
        COVENANTS,
        COVENANT_STATUS,
        EVENT_IDS,
        DLQ_REPLAYS,
        REGISTER,
        STATISTICS_FACTS,
        STATISTICS_PUBLICATIONS,
    }
)
#: Topics with exactly one partition: the compacted ones, and those whose total order counts.
#: Not the event-id claims: they are partitioned as the inbound topics are, so that each worker
#: reads only the claims of the signals it routes (pipeline/app/claims_reader.py).
SINGLE_PARTITION = (COMPACTED - {EVENT_IDS}) | {STATISTICS_CLAIMS}


def inbound(partner_id: str) -> str:
    """The topic only ``partner_id`` may write signals to."""
    return f"{INBOUND_PREFIX}{partner_id}"


def inbox(partner_id: str) -> str:
    """The topic only ``partner_id`` may read its views from."""
    return f"{INBOX_PREFIX}{partner_id}"


def partner_of_inbound(topic: str) -> str | None:
    """The partner whose inbound topic this is, or None for any other topic."""
    if topic.startswith(INBOUND_PREFIX) and len(topic) > len(INBOUND_PREFIX):
        return topic[len(INBOUND_PREFIX) :]
    return None


def partner_of_inbox(topic: str) -> str | None:
    """The partner whose inbox this is, or None for any other topic."""
    if topic.startswith(INBOX_PREFIX) and len(topic) > len(INBOX_PREFIX):
        return topic[len(INBOX_PREFIX) :]
    return None
