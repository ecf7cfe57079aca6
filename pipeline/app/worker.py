"""Start a router worker: load and compile the policy, provision topics, publish schemas, run."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, NoReturn

from faust.worker import Worker
from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import topics
from pipeline.app.covenant_watch import StatusReporter, worker_name
from pipeline.app.faust_app import create_app
from pipeline.broker.admin import provision_topics
from pipeline.broker.connection import client_config
from pipeline.client.covenant_topic import read_control, read_status, this_installation
from pipeline.client.register_topic import publish_policy, read_register
from pipeline.client.schema_topic import load_schema_topic
from pipeline.codec.schema_store import SchemaStore, load_store, with_history
from pipeline.covenant.compiler import compile_policy
from pipeline.covenant.loader import load_covenants
from pipeline.covenant.policy import Policy
from pipeline.errors import ConfigurationError
from pipeline.language import Text
from pipeline.messages.publication import refused_at_start as refused_at_start_msg
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
    policy = compile_policy(load_covenants(settings.convenanten_dir), registry, store, keyring)
    on_topic = read_register(settings, bootstrap, store)
    # copies: the precedent learns every adopted policy, the topics' snapshots must not
    precedent = Precedent(dict(on_topic), SchemaStore(published))
    holder = newest_policy(
        settings, bootstrap, policy, registry, store, keyring, dead_letter_key, precedent
    )
    if holder.version == 0:
        problems = holder.refuse_disk()
        if problems:
            refuse_start(settings, bootstrap, holder, join(problems))
    log.info("covenant version %d: %s", holder.version, holder.policy.version)
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


class RouterWorker(Worker):
    """Faust's worker without its terminal spinner.

    To spin on every log message, Faust's worker sets the root logger to DEBUG whenever the
    log level is WARNING or above: every debug call in aiokafka and Faust then builds a log
    record (aiokafka's per message, with its value), which cost ~6% of the worker's time in
    ``make bench``. A router runs headless; without the spinner the root logger keeps the level
    asked for.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spinner = None


def run_worker(settings: Settings, loglevel: str = "warning") -> None:
    """Run one router worker until SIGTERM/SIGINT (blocks; exits the process when done)."""
    bootstrap = settings.require_bootstrap()
    holder = start_policy(settings, bootstrap)
    app = create_app(settings, bootstrap, holder)
    log.info("router worker starting with policy %s", holder.policy.version)
    RouterWorker(app, loglevel=loglevel, quiet=True).execute_from_commandline()
