"""A thin Faust app: every inbound topic in, route() in the middle, outputs acknowledged first."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import faust

from pipeline.covenant.policy import Policy
from pipeline.registry import Registry
from pipeline.router.core import route
from pipeline.router.records import Headers, Inbound, RouteResult
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.router")


def _headers(raw: Any) -> Headers:
    if not raw:
        return ()
    items = raw.items() if isinstance(raw, Mapping) else raw
    return tuple((str(k), bytes(v) if v is not None else b"") for k, v in items)


def create_app(settings: Settings, bootstrap: str, registry: Registry, policy: Policy) -> faust.App:
    """The router app. One consumer group; scale out by starting more workers."""
    app = faust.App(
        settings.router_group_id,
        broker=[f"kafka://{server}" for server in bootstrap.split(",")],
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=False,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        broker_rebalance_timeout=settings.rebalance_timeout_s,
        broker_request_timeout=settings.request_timeout_s,
        producer_acks=-1,
        web_enabled=False,
    )
    inbound = app.topic(*registry.inbound_topics(), key_type=bytes, value_type=bytes)
    outputs: dict[str, Any] = {}

    def output(name: str) -> Any:
        if name not in outputs:
            outputs[name] = app.topic(name, key_type=bytes, value_type=bytes)
        return outputs[name]

    async def produce(result: RouteResult) -> None:
        """Send every output and wait for Kafka's acknowledgement of each."""
        pending = [
            await output(o.topic).send(key=o.key, value=o.value, headers=list(o.headers))
            for o in result.outputs
        ]
        await asyncio.gather(*pending)

    @app.agent(inbound, name="router")
    async def router(stream: Any) -> None:
        # The event is acknowledged (and its offset becomes committable) only when this body
        # has finished, i.e. after every output was acknowledged: at-least-once, nothing lost.
        async for event in stream.events():
            message = event.message
            record = Inbound(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
                value=message.value,
                headers=_headers(message.headers),
            )
            result = route(record, policy, dt.datetime.now(dt.UTC))
            await produce(result)
            if result.dead_letter is not None:
                log.warning(
                    "dead letter from %s/%d@%d: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    dict(result.dead_letter.headers).get("ketenstroom-reason", b"?").decode(),
                )

    return app
