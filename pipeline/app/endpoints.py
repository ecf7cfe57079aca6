"""The worker's HTTP endpoints: /metrics for Prometheus; /health, /health/live, /health/ready and
/health/started for probes (200 when so, 503 when not; a JSON body says why).

They are served from a thread of their own, started before anything else, so a probe gets an
answer from the first second of a worker's life, and whatever the event loop is doing (a hung
loop shows as not live, instead of as a probe that times out).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from pipeline.ops.health import Health
from pipeline.ops.metrics import RouterMetrics


class ProbeServer:
    """/metrics and /health* of one worker on ``host:port``, in a daemon thread."""

    def __init__(self, metrics: RouterMetrics, health: Health, host: str, port: int) -> None:
        """Bind the port now (raises OSError when it is taken); serve after ``start``."""
        self.metrics = metrics
        self.health = health
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ketenstroom-probes", daemon=True
        )

    @property
    def port(self) -> int:
        """The port served (the one asked for, or the one the system chose for 0)."""
        return int(self._server.server_address[1])

    def start(self) -> ProbeServer:
        """Serve from now on."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a GET of ``path``."""
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self.metrics.exposition()
        verdicts = {
            "/health": lambda report: report["live"] and report["ready"],
            "/health/live": lambda report: report["live"],
            "/health/ready": lambda report: report["live"] and report["ready"],
            "/health/started": lambda report: report["started"],
        }
        if path not in verdicts:
            return (
                404,
                "text/plain",
                b"not found: /metrics, /health, /health/live, /health/ready, /health/started\n",
            )
        report = self.health.report()
        ok = verdicts[path](report)
        return (200 if ok else 503), "application/json", json.dumps(report).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, kind, body = server.answer(self.path.split("?", 1)[0])
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Probes every few seconds are not worth a log line each."""

        return Handler
