"""The worker's HTTP endpoints: /metrics for Prometheus, /health, /health/live, /health/ready."""

from __future__ import annotations

import json

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from pipeline.ops.health import Health
from pipeline.ops.metrics import RouterMetrics


def endpoints(metrics: RouterMetrics, health: Health) -> web.Application:
    """An aiohttp app serving the metrics and health of one worker (no record content)."""

    async def scrape(request: web.Request) -> web.Response:
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    def answer(ok: bool) -> web.Response:
        return web.Response(
            status=200 if ok else 503,
            text=json.dumps(health.report()),
            content_type="application/json",
        )

    async def both(request: web.Request) -> web.Response:
        return answer(health.live() and health.ready)

    async def live(request: web.Request) -> web.Response:
        return answer(health.live())

    async def ready(request: web.Request) -> web.Response:
        return answer(health.live() and health.ready)

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/health", both)
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
    return app


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start serving ``app``; raises OSError when the port is taken."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
