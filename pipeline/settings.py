"""Runtime settings (environment variables with prefix KETENSTROOM_)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import ConfigurationError

_REPO_ROOT = Path(__file__).resolve().parent.parent
#: How long an event id is remembered by default (see docs/garanties.md, "Grenzen").
DEFAULT_EVENT_ID_HORIZON_DAYS = 90.0


def horizon_ms(days: float) -> int:
    """A horizon in days as milliseconds (Kafka's retention.ms)."""
    return int(days * 24 * 3600 * 1000)


_ISO_DURATION = r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$"  # years, months, weeks, days


class Settings(BaseSettings):
    """Where the broker is, where the covenant and schema files are, how workers behave."""

    model_config = SettingsConfigDict(env_prefix="KETENSTROOM_", extra="ignore")

    broker: Literal["embedded", "external"] = Field(
        "embedded",
        description="embedded: start the Tansu broker on 127.0.0.1; external: use bootstrap_servers.",
    )
    bootstrap_servers: str | None = Field(
        None, description="host:port[,host:port...] of an existing Kafka cluster."
    )
    schemas_dir: Path = _REPO_ROOT / "schemas"
    convenanten_dir: Path = _REPO_ROOT / "convenanten"
    keyring: Path = Field(
        _REPO_ROOT / ".ketenstroom" / "keyring.json",
        description="The router's keyring (secret; never in the repository).",
    )
    recipient_keys_dir: Path = Field(
        _REPO_ROOT / ".ketenstroom" / "ontvangers",
        description="Where a recipient's private key file <partner>.sleutel.json lives.",
    )
    signing_key: Path = Field(
        _REPO_ROOT / ".ketenstroom" / "ondertekening.sleutel.json",
        description="The privacy officer's Ed25519 key that signs published covenants (secret).",
    )
    trusted_signers: Path = Field(
        _REPO_ROOT / ".ketenstroom" / "ondertekenaars.json",
        description="Public keys whose signed covenant bundles workers adopt.",
    )
    herleider_key: Path = Field(
        _REPO_ROOT / ".ketenstroom" / "herleider.sleutel.json",
        description="A re-identifier's Ed25519 key that signs re-identification requests (secret).",
    )
    dead_letter_key: Path = Field(
        _REPO_ROOT / ".ketenstroom" / "dode-letters.sleutel.json",
        description="The privacy role's private dead-letter key (secret; opens dead letters).",
    )
    dead_letter_public_key: Path | None = Field(
        None,
        description="Public half the router seals dead letters to (default: next to the keyring).",
    )
    covenant_min_version: int = Field(
        0,
        ge=0,
        description="Workers adopt no covenant bundle below this version, and never the files on disk.",
    )
    covenant_status_interval_s: float = Field(
        30.0, gt=0, description="How often a worker reports its covenant version."
    )
    installatie: str | None = Field(
        None,
        min_length=1,
        description="This installation's name (e.g. productie, acceptatie): covenant bundles "
        "are signed for one installation (name and Kafka cluster id) and refused elsewhere.",
    )
    worker_name: str | None = Field(
        None, description="How this worker names itself in its status (default: host-pid)."
    )
    taal: Literal["nl", "en"] | None = Field(
        None,
        description="Language of the privacy officer's commands (convenant, keys ondertekening): "
        "nl or en; unset: Dutch, unless the locale (LC_ALL, LC_MESSAGES, LANG) is English.",
    )
    router_group_id: str = "ketenstroom-router"
    # Retention (ISO 8601 durations; pipeline/ops/retention.py): the disclosure log keeps at
    # least the longest bewaartermijn of the covenants, whatever is set here.
    inbox_retention: str = Field(
        "P14D", pattern=_ISO_DURATION, description="How long inboxes keep views."
    )
    inbound_retention: str = Field(
        "P7D", pattern=_ISO_DURATION, description="How long inbound topics keep signals."
    )
    dlq_retention: str = Field(
        "P90D", pattern=_ISO_DURATION, description="How long dead letters are kept."
    )
    disclosure_log_retention: str | None = Field(
        None,
        pattern=_ISO_DURATION,
        description="Keep the disclosure log longer than the longest bewaartermijn (never shorter).",
    )
    partitions: int = Field(3, ge=1, description="Partitions of provisioned data topics.")
    replication_factor: int = Field(1, ge=1)
    session_timeout_s: float = 10.0
    heartbeat_interval_s: float = 3.0
    rebalance_timeout_s: float = 10.0
    request_timeout_s: float = 30.0
    connect_timeout_s: float = Field(
        5.0, gt=0, description="How long a command tries to reach a bootstrap server."
    )
    commit_interval_s: float = Field(
        2.8, gt=0, description="How often a worker commits the offsets of finished batches."
    )
    batch_size: int = Field(500, ge=1, description="Most inbound records routed as one batch.")
    batch_wait_s: float = Field(
        0.02, gt=0, description="Longest wait for a batch to fill; bounds added latency."
    )
    producer_batch_bytes: int = Field(
        512 * 1024,
        ge=1024,
        description="Largest producer batch per partition (Kafka's batch.size).",
    )
    producer_linger_ms: float = Field(
        5.0, ge=0, description="How long the producer lets a batch fill (Kafka's linger.ms)."
    )
    fetch_max_wait_ms: int = Field(
        50,
        ge=1,
        description="Longest a worker's fetch waits for records (Kafka's fetch.max.wait.ms).",
    )
    event_id_horizon_days: float = Field(
        DEFAULT_EVENT_ID_HORIZON_DAYS,
        gt=0,
        description=(
            "How long an event id is remembered: a signal repeating an id within it is a "
            "duplicate; the claims topic keeps claims this long (retention.ms)."
        ),
    )
    state_dir: Path = Field(
        Path(tempfile.gettempdir()) / "ketenstroom-state",
        description="Where workers keep their event-id index on disk (a volume in production), "
        "each in <cluster id>/<consumer group>/ below it.",
    )
    statistics_grace_days: float = Field(
        7.0,
        ge=0,
        description="How long after a period's end (in event time) it closes and is published.",
    )
    statistics_interval_s: float = Field(
        30.0, gt=0, description="How often a worker looks for closed periods to publish."
    )
    statistics_takeover_s: float = Field(
        30.0,
        ge=0,
        description=(
            "How long after another publisher claimed a version of the figures, and did not "
            "complete it, a publisher sends that version itself (exactly as claimed)."
        ),
    )
    metrics_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="Port of the worker's /metrics and /health endpoints (none: not served).",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Address the metrics endpoint binds to (0.0.0.0 in containers)."
    )
    health_interval_s: float = Field(
        5.0,
        gt=0,
        description="How often a worker asks the broker for metadata; readiness is false while "
        "the latest question got no answer within this time.",
    )
    shutdown_timeout_s: float = Field(
        20.0,
        gt=0,
        description="Longest a worker takes to stop after SIGTERM (finish the batch, commit, leave "
        "the group); then it exits, committing nothing more. Below the orchestrator's grace period.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="text lines, or json: one JSON object per line (level, logger, message).",
    )
    # Client security towards a real Kafka cluster (the embedded broker has none).
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    sasl_username: str | None = Field(None, description="This client's Kafka principal.")
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(
        None, description="CA bundle that signed the brokers' certificates."
    )
    ssl_certfile: Path | None = Field(None, description="Client certificate (mutual TLS).")
    ssl_keyfile: Path | None = None
    ssl_check_hostname: bool = True

    @model_validator(mode="after")
    def _external_needs_servers(self) -> Settings:
        if self.broker == "external" and not self.bootstrap_servers:
            raise ValueError(
                "KETENSTROOM_BROKER=external needs KETENSTROOM_BOOTSTRAP_SERVERS=host:port"
            )
        if self.security_protocol.startswith("SASL_") and not (
            self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                f"KETENSTROOM_SECURITY_PROTOCOL={self.security_protocol} needs "
                "KETENSTROOM_SASL_USERNAME and KETENSTROOM_SASL_PASSWORD"
            )
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("KETENSTROOM_SSL_CERTFILE and KETENSTROOM_SSL_KEYFILE go together")
        return self

    @property
    def event_id_horizon_ms(self) -> int:
        """The event-id horizon in milliseconds (the claims topic's retention.ms)."""
        return horizon_ms(self.event_id_horizon_days)

    @property
    def dead_letter_public_key_path(self) -> Path:
        """Where the router reads the dead-letter public key: set, or next to the keyring."""
        return self.dead_letter_public_key or self.keyring.parent / "dode-letters.publiek.json"

    @property
    def uses_tls(self) -> bool:
        """True when connections to Kafka are encrypted."""
        return self.security_protocol in ("SSL", "SASL_SSL")

    def require_bootstrap(self) -> str:
        """The bootstrap servers of a running broker, or a clear error saying how to get one."""
        if self.bootstrap_servers:
            return self.bootstrap_servers
        raise ConfigurationError(
            "no running broker configured: start one with `ketenstroom broker` and export the "
            "KETENSTROOM_BOOTSTRAP_SERVERS it prints, or point it at your Kafka cluster"
        )


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a ConfigurationError that says which."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ConfigurationError(f"settings: {problems}") from exc
