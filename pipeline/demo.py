"""The demo: broker, topics, a router worker, a synthetic stream from several partners, a summary."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.app.process import WorkerProcess
from pipeline.app.statistics import demo_figures
from pipeline.app.worker import load_policy, prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.client.inbox import read_inbox
from pipeline.client.publisher import Publisher
from pipeline.codec.framing import MAGIC, encode
from pipeline.covenant.register import Activity, disclosed
from pipeline.errors import BrokerError
from pipeline.ops.accounting import Ledger, wait_for_ledger
from pipeline.ops.lag import GroupReport
from pipeline.ops.lag_reading import wait_for_lag
from pipeline.ops.linkage import shared_values
from pipeline.ops.metrics import scrape, total
from pipeline.privacy.dead_letter_key import create_dead_letter_key
from pipeline.privacy.keyring import generate_keys, write_secret_file
from pipeline.privacy.references import parse_reference
from pipeline.publication.signing import create_signing_key
from pipeline.registry import load_registry
from pipeline.settings import Settings
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import ELDERS, SignalFactory, SyntheticSignal

#: Short consumer-group timings: joins on the embedded broker wait half the session timeout.
EMBEDDED_TIMINGS = {
    "session_timeout_s": 3.0,
    "heartbeat_interval_s": 0.5,
    "rebalance_timeout_s": 3.0,
}


@dataclass
class RecipientSummary:
    """What one recipient received."""

    views: int = 0
    types: Counter[str] = field(default_factory=Counter)
    treatments: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> set[str]:
        """Every field path this recipient received in any form."""
        return set(self.treatments)


@dataclass(frozen=True)
class OperationsView:
    """What an operator sees of the same run: the worker's metrics and the router group's lag."""

    metrics_url: str
    records_in: int
    views_out: int
    dead_letters: int
    lag: GroupReport


@dataclass(frozen=True)
class LinkageView:
    """What the demo checked about unlinkability across the whole run."""

    events: int  # events that reached two or more linkage domains
    shared: int  # identifier-like values shared across domains (must be 0)
    leaked_ids: int  # publisher event ids or trace ids found in an inbox (must be 0)
    referrals: int  # referrals that referred to a signal with the referrer's own reference
    translated: int  # ... whose recipient got its own reference of that same signal
    outside_area: int  # signals about a place outside the covenant's area: shared with nobody


@dataclass
class DemoReport:
    """Everything the demo measured, for printing and for tests."""

    published: int
    hostile: int
    ledger: Ledger
    recipients: dict[str, RecipientSummary]
    policy_version: str
    seconds: float
    operations: OperationsView | None = None
    linkage: LinkageView | None = None
    #: The Statistiek records the Nationaal Rapporteur received (published at the end).
    figures: list[dict[str, Any]] = field(default_factory=list)
    #: One view as its recipient received it: (recipient, schema name, the decoded view).
    sample: tuple[str, str, dict[str, Any]] | None = None

    @property
    def nothing_lost(self) -> bool:
        """Every input is a disclosure, a no-recipient entry or a dead letter."""
        return len(self.ledger.accounted()) == self.published + self.hostile


def _hostile_inputs(publishers: dict[str, Publisher], factory: SignalFactory) -> list[str]:
    """Send four records the router must refuse; returns the keys they carry."""
    store = publishers["politie"].store
    now = dt.datetime.now(dt.UTC)
    keys = []
    # 1. spoofed source: a valid signal claiming to come from nla, written on politie's topic
    spoof = factory.make("nla", "Signaal").document
    entry, datum = prepare(spoof, "nla", store, now)
    keys.append(str(datum["envelope"]["event_id"]))
    publishers["politie"].send_raw(keys[-1].encode(), encode(entry, datum))
    # 2. invalid BSN (fails the 11-check), bypassing the client's own validation
    bad = factory.make("politie", "Signaal").document
    entry, datum = prepare(bad, "politie", store, now)
    datum["slachtoffer"]["bsn"] = "123456789"
    keys.append(str(datum["envelope"]["event_id"]))
    publishers["politie"].send_raw(keys[-1].encode(), encode(entry, datum))
    # 3. garbage bytes and 4. an unknown schema fingerprint
    keys.append("demo-garbage")
    publishers["comensha"].send_raw(b"demo-garbage", b"this is not Avro at all")
    keys.append("demo-unknown-schema")
    publishers["nla"].send_raw(b"demo-unknown-schema", MAGIC + b"\x00" * 8 + b"\x02")
    for publisher in publishers.values():
        publisher.flush()
    return keys


def with_dev_keys(settings: Settings, workdir: Path) -> Settings:
    """A development keyring, every recipient's key pair, a covenant signing key and a
    dead-letter key, made for this run only."""
    keyring, private = generate_keys(load_registry(settings.convenanten_dir).ids)
    write_secret_file(workdir / "keyring.json", keyring)
    for partner, keys in private.items():
        write_secret_file(workdir / "ontvangers" / f"{partner}.sleutel.json", keys)
    paths = {
        "keyring": workdir / "keyring.json",
        "recipient_keys_dir": workdir / "ontvangers",
        "signing_key": workdir / "ondertekening.sleutel.json",
        "trusted_signers": workdir / "ondertekenaars.json",
        "dead_letter_key": workdir / "dode-letters.sleutel.json",
        "dead_letter_public_key": workdir / "dode-letters.publiek.json",
    }
    if not paths["signing_key"].exists():  # called again for the same directory: keep it
        create_signing_key("ontwikkeling", paths["signing_key"], paths["trusted_signers"])
        create_dead_letter_key(
            paths["dead_letter_key"], paths["dead_letter_public_key"], dt.datetime.now(dt.UTC)
        )
    return settings.model_copy(update=paths)


def _operations_view(settings: Settings, bootstrap: str, inputs: int) -> OperationsView:
    """Scrape the worker once it counted every input, and read its group's lag once the
    offsets of everything routed are committed (or after 15 s)."""
    url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
    deadline = time.monotonic() + 10
    while True:  # a batch is counted just after its outputs are acknowledged
        samples = scrape(url)
        if total(samples, "ketenstroom_records_in_total") >= inputs or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    lag = asyncio.run(wait_for_lag(settings, bootstrap, settings.router_group_id, 15))
    return OperationsView(
        metrics_url=url,
        records_in=int(total(samples, "ketenstroom_records_in_total")),
        views_out=int(total(samples, "ketenstroom_views_out_total")),
        dead_letters=int(total(samples, "ketenstroom_dead_letters_total")),
        lag=lag,
    )


def _worker_ok(worker: WorkerProcess) -> None:
    if not worker.alive:
        raise BrokerError(f"the router worker stopped:\n{worker.output()[-3000:]}")


def run_demo(
    settings: Settings,
    signals: int = 300,
    seed: int = 2024,
    timeout: float = 120.0,
    progress: Callable[[str], None] = lambda line: None,
) -> DemoReport:
    """Run the whole demo and return its report; the broker and worker are stopped afterwards.
    ``progress`` is told each step as it begins (one line each)."""
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if settings.broker == "embedded":
            broker = stack.enter_context(EmbeddedBroker())
            progress(f"embedded broker (Tansu) on {broker.bootstrap_servers}")
            settings = settings.model_copy(
                update={
                    "bootstrap_servers": broker.bootstrap_servers,
                    "broker": "external",
                    **EMBEDDED_TIMINGS,
                }
            )
        bootstrap = settings.require_bootstrap()
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ketenstroom-demo-")))
        settings = with_dev_keys(settings, workdir)
        registry, policy = load_policy(settings)
        prepare_cluster(settings, bootstrap, registry, policy)
        progress(
            f"topics and schemas made; starting a router worker (its log: {workdir}/worker.log)"
        )
        settings = settings.model_copy(
            update={
                "metrics_port": settings.metrics_port or free_port(),
                "statistics_interval_s": 3600.0,  # figures are published at the end, on demand
                "state_dir": workdir / "state",  # this run's event-id index, gone afterwards
            }
        )
        worker = stack.enter_context(WorkerProcess(settings, workdir / "worker.log"))

        factory = SignalFactory(seed)
        stream = list(factory.stream(signals))
        senders = {s.source for s in stream} | {"politie", "comensha", "nla"}
        publishers = {
            source: stack.enter_context(Publisher(settings, bootstrap, source, policy.store))
            for source in sorted(senders)
        }
        expected: set[str] = set()
        by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for signal in stream:
            by_source[signal.source].append(signal.document)
        for source, documents in by_source.items():
            expected |= {p.event_id for p in publishers[source].publish_many(documents)}
        hostile = _hostile_inputs(publishers, factory)
        expected |= set(hostile)
        progress(
            f"published {len(expected) - len(hostile)} signals from {len(by_source)} partners "
            f"and {len(hostile)} hostile records; waiting until the router accounted for each"
        )
        wait_for_ledger(
            settings, bootstrap, policy.store, expected, timeout, lambda: _worker_ok(worker)
        )
        # Follow-ups refer back to what was routed: CoMensha refers victims of politie signals
        # to the zorgcoördinator with the references it received; politie updates its own.
        follow_ups = _follow_ups(settings, bootstrap, factory, by_source["politie"])
        progress(f"sending {len(follow_ups)} follow-ups that refer to signals routed before")
        for source in sorted({f.source for f in follow_ups}):
            documents = [f.document for f in follow_ups if f.source == source]
            expected |= {p.event_id for p in publishers[source].publish_many(documents)}
        ledger = wait_for_ledger(
            settings, bootstrap, policy.store, expected, timeout, lambda: _worker_ok(worker)
        )
        progress("reading every inbox, the disclosure log, the metrics and the lag")
        recipients: dict[str, RecipientSummary] = {}
        views: dict[str, list[Any]] = {}
        for partner in registry.deelnemers:
            if not partner.ontvangt:
                continue
            summary = RecipientSummary()
            views[partner.id] = read_inbox(settings, bootstrap, partner.id, decrypt=False)
            for view in views[partner.id]:
                summary.views += 1
                summary.types[view.schema_name.rsplit(".", 1)[-1]] += 1
            for disclosure in ledger.disclosures.values():
                if disclosure["recipient"] == partner.id:
                    # the log names the activities; the register says what each one gives
                    how = disclosed(disclosure, policy.register) or {}
                    for path, treatment in how.items():
                        # one field may be treated differently per signal type: show each way
                        ways = {*summary.treatments.get(path, "").split("/"), treatment}
                        summary.treatments[path] = "/".join(sorted(w for w in ways if w))
            recipients[partner.id] = summary
        operations = _operations_view(settings, bootstrap, len(expected))
        return DemoReport(
            published=len(expected) - len(hostile),
            hostile=len(hostile),
            ledger=ledger,
            recipients=recipients,
            policy_version=policy.version,
            seconds=time.monotonic() - started,
            operations=operations,
            linkage=_linkage(ledger, views, [s.document for s in stream], policy.register),
            figures=demo_figures(settings, bootstrap, policy),  # after the ledger was read
            sample=_sample(views),
        )


#: The demo shows one view of this recipient: a pseudonym, a postcode area and an age band.
SAMPLE_RECIPIENT = "gemeente-utrecht"


def _sample(views: dict[str, list[Any]]) -> tuple[str, str, dict[str, Any]] | None:
    """The first Signaal view about someone with a BSN that the sample recipient received, as
    its inbox decodes it."""
    for view in views.get(SAMPLE_RECIPIENT, []):
        subject = view.datum.get("slachtoffer") or {}
        if view.schema_name.endswith(".Signaal") and subject.get("bsn"):
            return SAMPLE_RECIPIENT, view.schema_name, view.datum
    return None


def _follow_ups(
    settings: Settings, bootstrap: str, factory: SignalFactory, politie: list[dict[str, Any]]
) -> list[SyntheticSignal]:
    """Referrals by CoMensha about politie signals it received (by its own reference), and
    politie status updates about its own signals (by event id)."""
    received = read_inbox(settings, bootstrap, "comensha", decrypt=False)
    references = [
        str(v.datum["envelope"]["event_ref"])
        for v in received
        if v.datum["envelope"].get("source") == "politie"
    ]
    referrals = [factory.follow_up("comensha", "Verwijzing", ref) for ref in references[:8]]
    updates = [
        factory.follow_up("politie", "Statusupdate", str(d["envelope"]["event_id"]))
        for d in politie[:3]
    ]
    return referrals + updates


def _linkage(
    ledger: Ledger,
    views: dict[str, list[Any]],
    documents: list[dict[str, Any]],
    register: Mapping[str, Activity],
) -> LinkageView:
    """Check the whole run as a curious pair of recipients would."""
    own = {str(d["envelope"][k]) for d in documents for k in ("event_id", "trace_id", "span_id")}
    passed_on: dict[str, set[str]] = {}
    for disclosure in ledger.disclosures.values():
        how = disclosed(disclosure, register) or {}
        fields = {p for p, t in how.items() if t == "doorgeven"}
        passed_on.setdefault(disclosure["recipient"], set()).update(fields)
    located: list[tuple[str, str, str, dict[str, Any]]] = []
    leaked = 0
    for recipient, received in views.items():
        event_of = ledger.traces_of(recipient)
        for view in received:
            envelope = view.datum["envelope"]
            leaked += sum(value in own for value in map(str, envelope.values()))
            leaked += view.key in own
            domain = parse_reference(str(envelope["event_ref"]))[1]
            event = event_of.get(str(envelope["trace_id"]))
            if event is not None:
                located.append((event, recipient, domain, view.datum))
    domains: dict[str, set[str]] = {}
    for event, _, domain, _ in located:
        domains.setdefault(event, set()).add(domain)
    zorg = [v.datum for v in views.get("zorgcoordinatie-utrecht", [])]
    signal_refs = {str(v["envelope"]["event_ref"]) for v in zorg if "signaal_ref" not in v}
    referrals = [v for v in zorg if v.get("signaal_ref")]
    return LinkageView(
        events=sum(len(d) > 1 for d in domains.values()),
        shared=len(shared_values(located, {r: frozenset(f) for r, f in passed_on.items()})),
        leaked_ids=leaked,
        referrals=len(referrals),
        translated=sum(str(v["signaal_ref"]) in signal_refs for v in referrals),
        outside_area=sum(
            str(d["envelope"]["event_id"]) in ledger.no_recipient and _place(d) in ELDERS
            for d in documents
        ),
    )


def _place(document: dict[str, Any]) -> str | None:
    subject = document.get("slachtoffer") or {}
    return (subject.get("adres") or {}).get("gemeentecode") or document.get("gemeentecode")
