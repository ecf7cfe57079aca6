"""Client settings shared by every Kafka client ketenstroom makes (kafka-python and aiokafka)."""

from __future__ import annotations

from typing import Any

from pipeline.settings import Settings


def client_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """kafka-python keyword arguments for any client of this deployment."""
    return {
        "bootstrap_servers": bootstrap.split(","),
        "request_timeout_ms": int(settings.request_timeout_s * 1000),
        "client_id": "ketenstroom",
    }
