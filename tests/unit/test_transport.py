"""The router's Kafka clients: librdkafka consumes with the commit discipline the router needs;
Faust runs the application and starts no Kafka client of its own."""

from __future__ import annotations

import asyncio
import logging

from pipeline.app.faust_app import RouterApp
from pipeline.app.faust_worker import RouterWorker
from pipeline.app.inbound import consumer_config
from pipeline.settings import Settings


def test_the_inbound_consumer_commits_only_stored_offsets_and_waits_at_most_the_fetch_wait():
    settings = Settings(fetch_max_wait_ms=7, commit_interval_s=2.5, router_group_id="g")
    config = consumer_config(settings, "127.0.0.1:1")
    # offsets are stored by the router once a batch's outputs are acknowledged, never by
    # librdkafka as it hands records out; librdkafka commits what was stored
    assert config["enable.auto.offset.store"] is False
    assert (config["enable.auto.commit"], config["auto.commit.interval.ms"]) == (True, 2500)
    # the same partitions of every inbound topic to one member: claims are co-partitioned
    assert config["partition.assignment.strategy"] == "range"
    assert config["group.id"] == "g" and config["fetch.wait.max.ms"] == 7
    # corrupt batches are reported, not routed; the end of a partition is reported (gaps)
    assert config["check.crcs"] is True and config["enable.partition.eof"] is True


def test_faust_starts_none_of_its_kafka_clients():
    async def services() -> list[str]:
        app = RouterApp("no-kafka-test", broker="kafka://127.0.0.1:1", store="memory://")
        return [type(s).__name__ for s in app.on_init_dependencies()]

    started = asyncio.run(services())
    assert not [s for s in started if "Consumer" in s or "Producer" in s or "Table" in s]


def test_the_worker_keeps_debug_logging_off_at_warning():
    """Faust's worker sets the root logger to DEBUG for its terminal spinner: every debug call in
    the clients would then build a log record per message. The router's worker does not."""

    async def root_after_setup() -> logging.Logger:
        app = RouterApp("worker-test", broker="kafka://127.0.0.1:1", store="memory://")
        worker = RouterWorker(app, loglevel="warning", quiet=True)
        root = logging.Logger("root-under-test", logging.WARNING)
        root.addHandler(logging.NullHandler())
        worker.on_setup_root_logger(root, logging.WARNING)  # the hook Faust's spinner uses
        return root

    root = asyncio.run(root_after_setup())
    assert not root.isEnabledFor(logging.DEBUG)
