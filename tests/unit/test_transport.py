"""The router's Faust app hands its fetch wait to the aiokafka consumer Faust makes (Faust itself
fixes it at 1.5 s, which on a broker that holds fetches is the floor of latency)."""

from __future__ import annotations

import asyncio

from pipeline.app.transport import RouterApp


def test_the_worker_consumer_waits_at_most_the_configured_fetch_wait():
    async def made() -> int:
        app = RouterApp(
            "transport-test",
            broker="kafka://127.0.0.1:1",  # never contacted: the consumer is made, not started
            fetch_max_wait_ms=7,
            store="memory://",
            web_enabled=False,
            topic_disable_leader=True,
        )
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        try:
            return consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()  # closes nothing that was opened; silences the unclosed warning

    assert asyncio.run(made()) == 7


def test_the_worker_keeps_debug_logging_off_at_warning():
    """Faust's worker sets the root logger to DEBUG for its terminal spinner: every debug call in
    aiokafka would then build a log record per message. The router's worker does not."""
    import logging

    from pipeline.app.faust_worker import RouterWorker

    async def root_after_setup() -> logging.Logger:
        app = RouterApp(
            "worker-test", broker="kafka://127.0.0.1:1", fetch_max_wait_ms=50, store="memory://"
        )
        worker = RouterWorker(app, loglevel="warning", quiet=True)
        root = logging.Logger("root-under-test", logging.WARNING)
        root.addHandler(logging.NullHandler())
        worker.on_setup_root_logger(root, logging.WARNING)  # the hook Faust's spinner uses
        return root

    root = asyncio.run(root_after_setup())
    assert not root.isEnabledFor(logging.DEBUG)
