"""Client settings shared by every Kafka client ketenstroom makes (kafka-python, aiokafka, Faust,
and librdkafka through confluent-kafka for the worker's outputs).

One place maps the security settings (TLS, SASL/SCRAM) onto each library's own names, so no
client can be made that forgets them.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from pipeline.settings import Settings


def client_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """kafka-python keyword arguments for any client of this deployment."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap.split(","),
        "request_timeout_ms": int(settings.request_timeout_s * 1000),
        "client_id": "ketenstroom",
        "security_protocol": settings.security_protocol,
    }
    if settings.uses_tls:
        config |= {
            "ssl_cafile": _text(settings.ssl_cafile),
            "ssl_certfile": _text(settings.ssl_certfile),
            "ssl_keyfile": _text(settings.ssl_keyfile),
            "ssl_check_hostname": settings.ssl_check_hostname,
        }
    return config | _sasl(settings)


def aiokafka_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """aiokafka keyword arguments (it takes an SSL context instead of file names)."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "request_timeout_ms": int(settings.request_timeout_s * 1000),
        "client_id": "ketenstroom",
        "security_protocol": settings.security_protocol,
    }
    if settings.uses_tls:
        config["ssl_context"] = ssl_context(settings)
    return config | _sasl(settings)


#: librdkafka's log lines go to this Python logger (pipeline/ops/logs.py), not to stderr.
LIBRDKAFKA_LOGGER = "ketenstroom.librdkafka"


def librdkafka_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """librdkafka (confluent-kafka) configuration properties for a client of this deployment;
    its log lines go through Python logging (delivered on the client's poll and flush)."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "client.id": "ketenstroom",
        "socket.timeout.ms": int(settings.request_timeout_s * 1000),
        "security.protocol": settings.security_protocol,
        "logger": logging.getLogger(LIBRDKAFKA_LOGGER),
    }
    if settings.uses_tls:
        config["ssl.endpoint.identification.algorithm"] = (
            "https" if settings.ssl_check_hostname else "none"
        )
        for name, path in (
            ("ssl.ca.location", settings.ssl_cafile),
            ("ssl.certificate.location", settings.ssl_certfile),
            ("ssl.key.location", settings.ssl_keyfile),
        ):
            if path is not None:
                config[name] = str(path)
    if settings.security_protocol.startswith("SASL_"):
        assert settings.sasl_password is not None  # checked by Settings
        config |= {
            "sasl.mechanism": settings.sasl_mechanism,
            "sasl.username": settings.sasl_username,
            "sasl.password": settings.sasl_password.get_secret_value(),
        }
    return config


def faust_credentials(settings: Settings) -> Any:
    """The ``broker_credentials`` of the Faust app, or None for plaintext without SASL."""
    import faust

    context = ssl_context(settings) if settings.uses_tls else None
    if settings.security_protocol.startswith("SASL_"):
        assert settings.sasl_username and settings.sasl_password  # checked by Settings
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    return faust.SSLCredentials(context) if context is not None else None


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """A client TLS context: the configured CA (else the system's), optional client certificate."""
    context = ssl.create_default_context(cafile=_text(settings.ssl_cafile))
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile is not None:
        context.load_cert_chain(str(settings.ssl_certfile), _text(settings.ssl_keyfile))
    return context


def _sasl(settings: Settings) -> dict[str, Any]:
    if not settings.security_protocol.startswith("SASL_"):
        return {}
    assert settings.sasl_password is not None  # checked by Settings
    return {
        "sasl_mechanism": settings.sasl_mechanism,
        "sasl_plain_username": settings.sasl_username,
        "sasl_plain_password": settings.sasl_password.get_secret_value(),
    }


def _text(path: object) -> str | None:
    return None if path is None else str(path)
