"""Runtime settings (environment variables with prefix KETENSTROOM_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import ConfigurationError

_REPO_ROOT = Path(__file__).resolve().parent.parent


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
    router_group_id: str = "ketenstroom-router"
    partitions: int = Field(3, ge=1, description="Partitions of provisioned data topics.")
    replication_factor: int = Field(1, ge=1)
    session_timeout_s: float = 10.0
    heartbeat_interval_s: float = 3.0
    rebalance_timeout_s: float = 10.0
    request_timeout_s: float = 30.0
    commit_interval_s: float = Field(
        2.8, gt=0, description="How often a worker commits the offsets of finished batches."
    )
    batch_size: int = Field(500, ge=1, description="Most inbound records routed as one batch.")
    batch_wait_s: float = Field(
        0.02, gt=0, description="Longest wait for a batch to fill; bounds added latency."
    )

    @model_validator(mode="after")
    def _external_needs_servers(self) -> Settings:
        if self.broker == "external" and not self.bootstrap_servers:
            raise ValueError(
                "KETENSTROOM_BROKER=external needs KETENSTROOM_BOOTSTRAP_SERVERS=host:port"
            )
        return self

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
