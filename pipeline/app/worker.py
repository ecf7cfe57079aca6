"""Start a router worker: load and compile the policy, provision topics, publish schemas, run."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import NoReturn

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.app.broker_watch import BrokerWatch
from pipeline.app.covenant_watch import StatusReporter, worker_name
from pipeline.app.endpoints import ProbeServer
from pipeline.app.event_ids import state_directory
from pipeline.app.shutdown import ShutdownDeadline
from pipeline.broker.admin import provision_topics
from pipeline.broker.connection import client_config
from pipeline.broker.reachability import require_reachable
from pipeline.client.covenant_topic import read_control, read_status, this_installation
from pipeline.client.register_topic import publish_policy, read_register
from pipeline.client.schema_topic import load_schema_topic
from pipeline.codec.schema_store import SchemaStore, load_store, with_history
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.policy import Policy
from pipeline.errors import BrokerError, ConfigurationError
from pipeline.language import Text
from pipeline.messages.publication import refused_at_start as refused_at_start_msg
from pipeline.ops.health import Health
from pipeline.ops.logs import configure_logging
from pipeline.ops.metrics import RouterMetrics
from pipeline.privacy.dead_letter_key import DeadLetterPublicKey, read_dead_letter_public_key
from pipeline.privacy.keyring import Keyring, read_keyring
from pipeline.publication.adoption import Adoption, PolicyHolder, join
from pipeline.publication.bundle import Bundle
from pipeline.publication.precedent import Precedent
from pipeline.publication.signing import read_trusted_signers
from pipeline.publication.status import copies, status_key
from pipeline.registry import Registry, load_registry
from pipeline.settings import Settings

log = logging.getLogger("ketenstroom.worker")


def load_keyring(settings: Settings) -> Keyring | None:
    """The router's keyring, or None if there is none (then no rule may need keys)."""
    return read_keyring(settings.keyring) if settings.keyring.exists() else None


def load_policy(settings: Settings) -> tuple[Registry, Policy]:
    """The registry and the compiled policy from the files on disk (raises on any problem)."""
    registry = load_registry(settings.convenanten_dir)
    store = load_store(settings.schemas_dir)
    keyring = load_keyring(settings)
    policy = compile_policy(load_covenants(settings.convenanten_dir), registry, store, keyring)
    return registry, policy


def prepare_cluster(settings: Settings, bootstrap: str, registry: Registry, policy: Policy) -> None:
    """Topics exist, every schema a client may meet is on the schema topic, and every
    processing activity a log line may name is in the register."""
    provision_topics(settings, bootstrap, registry)
    publish_policy(settings, bootstrap, policy)


def start_policy(settings: Settings, bootstrap: str) -> PolicyHolder:
    """The policy to start with: the newest valid published bundle, else the files on disk.

    Published bundles are read from the control topic and from the copies workers left on the
    status topic; with a minimum version set (KETENSTROOM_COVENANT_MIN_VERSION) the files on
    disk are never a fallback. Earlier signal schema versions on the schema topic stay
    decodable, so partners can upgrade their publishers one at a time.
    """
    registry = load_registry(settings.convenanten_dir)
    provision_topics(settings, bootstrap, registry)
    dead_letter_key = read_dead_letter_public_key(settings.dead_letter_public_key_path)
    published = load_schema_topic(settings, bootstrap)
    store = with_history(load_store(settings.schemas_dir), published)
    keyring = load_keyring(settings)
    disk = load_covenants(settings.convenanten_dir)
    policy = compile_policy(disk, registry, store, keyring)
    on_topic = read_register(settings, bootstrap, store)
    # copies: the precedent learns every adopted policy, the topics' snapshots must not
    precedent = Precedent(dict(on_topic), SchemaStore(published))
    holder = newest_policy(
        settings, bootstrap, policy, registry, store, keyring, dead_letter_key, precedent
    )
    holder.disk = tuple(c.model for c in disk)  # judged like a bundle's texts
    if holder.version == 0:
        problems = holder.refuse_disk()
        if problems:
            refuse_start(settings, bootstrap, holder, join(problems))
    log.debug("covenant version %d: %s", holder.version, holder.policy.version)
    publish_policy(settings, bootstrap, holder.policy, published, on_topic)
    return holder


def refuse_start(settings: Settings, bootstrap: str, holder: PolicyHolder, why: Text) -> NoReturn:
    """Say on the status topic why this worker does not start from the files on disk (Dutch,
    for `convenant status`), then stop with the reason (English, for the operator's log)."""
    text = refused_at_start_msg(why.nl)
    reporter = StatusReporter(worker_name(settings), holder, settings.covenant_status_interval_s)
    now = dt.datetime.now(dt.UTC)
    reporter.note(Adoption("refused", 0, None, text.nl), now)
    status = reporter.status("stopped", now)
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all")
    try:
        producer.send(
            topics.COVENANT_STATUS, key=status_key(status.worker), value=status.to_bytes()
        ).get(timeout=settings.request_timeout_s)
    except KafkaError:
        log.exception("could not report the refusal on %s", topics.COVENANT_STATUS)
    finally:
        producer.close()
    raise ConfigurationError(
        f"{refused_at_start_msg(why.en).en}. Raise `versie` in the covenant files, or publish "
        "the covenants with `ketenstroom convenant publish`"
    )


def newest_policy(
    settings: Settings,
    bootstrap: str,
    policy: Policy,
    registry: Registry,
    store: SchemaStore,
    keyring: Keyring | None,
    dead_letter_key: DeadLetterPublicKey | None = None,
    precedent: Precedent | None = None,
) -> PolicyHolder:
    """A holder of the newest valid published bundle (control topic and the copies on the
    status topic), else of ``policy`` (the files on disk), as every worker starts with."""
    trusted = read_trusted_signers(settings.trusted_signers)
    if not trusted.ondertekenaars:
        log.warning(
            "no trusted covenant signers (%s): published bundles are refused",
            settings.trusted_signers,
        )
    holder = PolicyHolder(
        policy,
        registry,
        store,
        keyring,
        trusted,
        min_version=settings.covenant_min_version,
        dead_letter_key=dead_letter_key,
        installation=this_installation(settings, bootstrap),
        precedent=precedent,
    )
    control, holder.next_offset = read_control(settings, bootstrap)
    status, _ = read_status(settings, bootstrap)
    disk = Bundle.from_directory(settings.convenanten_dir).digest
    holder.start(control, copies(status), disk)
    return holder


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    """Run one router worker until SIGTERM/SIGINT (blocks; exits the process when done).

    The health endpoints answer from the first moment (not started, not ready), the worker
    logs one line when it is ready and one when it stopped, and a stop takes at most
    KETENSTROOM_SHUTDOWN_TIMEOUT_S."""
    began = time.monotonic()
    configure_logging(loglevel, settings.log_format)
    registry = load_registry(settings.convenanten_dir)
    metrics = RouterMetrics(
        sources=[p.id for p in registry.deelnemers if p.publiceert],
        recipients=[p.id for p in registry.deelnemers if p.ontvangt],
    )
    health = Health(stuck_after=2 * settings.request_timeout_s + settings.batch_wait_s)
    probes = _serve_probes(settings, metrics, health)
    # Faust and aiokafka take seconds to import: after the probes answer
    from pipeline.app.faust_app import create_app
    from pipeline.app.faust_worker import RouterWorker

    bootstrap = settings.require_bootstrap()
    # names every address tried within seconds, where the clients would retry for a minute
    require_reachable(bootstrap, settings.connect_timeout_s)
    holder = start_policy(settings, bootstrap)
    watch = BrokerWatch(settings, bootstrap, health)
    try:
        cluster = watch.cluster_id(settings.request_timeout_s)
    except Exception as exc:
        raise BrokerError(f"the cluster's metadata did not come: {exc}") from exc
    state_dir = state_directory(settings, cluster, bootstrap)
    watch.start()

    def ready() -> None:
        log.info(
            "router worker ready in %.1f s: policy %s (covenant version %d), %d partition(s), "
            "event-id index in %s%s",
            time.monotonic() - began,
            holder.policy.version,
            holder.version,
            health.partitions,
            state_dir,
            f", /health and /metrics on {settings.metrics_host}:{probes.port}" if probes else "",
        )

    app = create_app(settings, bootstrap, holder, metrics, health, state_dir, ready)
    RouterWorker(
        app,
        health=health,
        deadline=ShutdownDeadline(settings.shutdown_timeout_s),
        began=began,
        loglevel=loglevel,
        quiet=True,
    ).execute_from_commandline()


def _serve_probes(settings: Settings, metrics: RouterMetrics, health: Health) -> ProbeServer | None:
    if settings.metrics_port is None:
        return None
    try:
        return ProbeServer(metrics, health, settings.metrics_host, settings.metrics_port).start()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot serve /metrics and /health on {settings.metrics_host}:"
            f"{settings.metrics_port} (KETENSTROOM_METRICS_HOST, KETENSTROOM_METRICS_PORT): {exc}"
        ) from exc
