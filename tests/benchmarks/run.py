"""`make bench`: the pipeline measured side by side with its peers on the same broker.

(a) no-op forwarders on aiokafka and on confluent-kafka, (b) the full pipeline, with one worker
and with BENCH_WORKERS workers in one consumer group, (g) hand-written peers (confluent-kafka or
aiokafka + fastavro: four views and a log record per signal, no crypto), (c) route() per signal,
(d) route() with 10 and 1,000 covenant rules, (e) latency p50/p99 at fixed rates, (f) the
worker's memory. Every round gives each contender the same signals on a fresh broker; medians
of BENCH_REPEATS rounds. Prints tables and writes bench-results.json. Measured, never asserted.
Sizes from the environment: BENCH_RECORDS (20000), BENCH_REPEATS (3), BENCH_LATENCY_SECONDS
(10), BENCH_WORKERS (2), BENCH_MEMORY_SIGNALS (1000000). BENCH_QUICK=1: a quick run (5000, 1,
3, 2, 20000 unless set; a few minutes) that writes bench-results.quick.json instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from pipeline import topics
from pipeline.app.worker import load_keyring, load_policy
from pipeline.codec.framing import encode
from pipeline.covenant.policy import Policy
from pipeline.demo import with_dev_keys
from pipeline.router.core import route, route_batch
from pipeline.router.event_index import EventIndex
from pipeline.router.records import Inbound
from pipeline.settings import Settings
from pipeline.signals.prepare import prepare
from pipeline.statistics.facts import facts_of
from pipeline.synthetic.generator import SignalFactory
from tests.benchmarks.cluster import fresh_cluster
from tests.benchmarks.compiled import bench_compiled
from tests.benchmarks.latency import bench_latency
from tests.benchmarks.memory_run import bench_memory_run
from tests.benchmarks.peer_job import OUTPUTS_PER_SIGNAL
from tests.benchmarks.peers import PEERS, bench_peer
from tests.benchmarks.report import (
    BASELINE,
    CONFLUENT_PEER,
    contenders,
    measures,
    target_table,
    targets,
)
from tests.benchmarks.rules import scaled_policy
from tests.benchmarks.throughput import NOOP_FORWARDERS, bench_noop, bench_pipeline, bench_scaled

#: A quick run: smaller sizes and fewer repeats, to see that everything runs and roughly where.
QUICK = os.environ.get("BENCH_QUICK", "").strip().lower() not in ("", "0", "false", "no", "off")


def _size(name: str, full: str, quick: str) -> str:
    return os.environ.get(name, quick if QUICK else full)


RECORDS = int(_size("BENCH_RECORDS", "20000", "5000"))
REPEATS = int(_size("BENCH_REPEATS", "3", "1"))
LATENCY_SECONDS = float(_size("BENCH_LATENCY_SECONDS", "10", "3"))
#: Workers of the scaled pipeline run: one per core of the machine the numbers are for.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
#: (signals/s offered, workers) of the latency runs
LATENCY_RUNS = ((1000.0, 1), (1000.0, WORKERS), (250.0, 1))
#: Signals of the long memory run (f): about 12 minutes per million on this machine.
MEMORY_SIGNALS = int(_size("BENCH_MEMORY_SIGNALS", "1000000", "20000"))
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / ("bench-results.quick.json" if QUICK else "bench-results.json")
console = Console(log_path=False)  # log(): progress lines with the time of day


def make_inputs(policy: Policy, count: int, seed: int = 99) -> tuple[list[Inbound], int]:
    """Encoded politie signals (three or more views each) and how many log records they yield."""
    now = dt.datetime.now(dt.UTC)
    factory = SignalFactory(seed=seed, now=now)
    inputs = []
    for _ in range(count):
        entry, datum = prepare(
            factory.make("politie", "Signaal").document, "politie", policy.store, now
        )
        inputs.append(
            Inbound(
                topics.inbound("politie"),
                0,
                0,
                str(datum["envelope"]["event_id"]).encode(),
                encode(entry, datum),
            )
        )
    logs = sum(len(route(i, policy, now).log) for i in inputs)
    return inputs, logs


#: Signals a worker routes as one batch (Settings.batch_size): route_batch shares per-batch
#: work (the data key of encrypted fields, key versions, the log's time group) across them.
BATCH = 500


def route_us(policy: Policy, inputs: list[Inbound]) -> float:
    """µs per signal of the routing core over ``inputs`` (one pass), in batches as a worker
    routes them (route_batch, with an event-id index in memory)."""
    now = dt.datetime.now(dt.UTC)
    index = EventIndex()
    started = time.perf_counter()
    for first in range(0, len(inputs), BATCH):
        route_batch(inputs[first : first + BATCH], policy, now, index)
    return (time.perf_counter() - started) / len(inputs) * 1e6


def bench_core(policy: Policy, inputs: list[Inbound], settings: Settings) -> dict[str, Any]:
    """(c) route() on the shipped covenant; (d) with the covenant grown to 10 and 1,000 rules,
    measured in turns so that both see the same machine state."""
    keyring = load_keyring(settings)
    assert keyring is not None
    ten, thousand = scaled_policy(10, keyring), scaled_policy(1000, keyring)
    runs: dict[str, list[float]] = {"shipped": [], "10": [], "1000": []}
    for _ in range(REPEATS):
        runs["shipped"].append(route_us(policy, inputs))
        runs["10"].append(route_us(ten, inputs))
        runs["1000"].append(route_us(thousand, inputs))
    now = dt.datetime.now(dt.UTC)
    sample = inputs[:1000]
    results = [route(i, policy, now) for i in sample]
    # what a worker writes for them: views, log lines, claims, and statistics facts
    written = sum(len(r.outputs) for r in results) + len(facts_of(sample, results, policy, now))
    views = [len(r.deliveries) for r in results]
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "route_us_per_signal": medians["shipped"],
        "views_per_signal": statistics.median(views),
        "views_per_signal_mean": statistics.mean(views),
        "outputs_per_signal": written / len(sample),
        "route_us_10_rules": medians["10"],
        "route_us_1000_rules": medians["1000"],
        "rules_ratio": medians["1000"] / medians["10"],
        "runs": runs,
    }


def one_round(inputs: list[Inbound], logs: int, workdir: Path) -> dict[str, Any]:
    """Every contender once, each on a fresh broker so that all start from empty topics: the
    no-op forwarders and one worker share one (on topics of their own); WORKERS workers and each
    peer get one of their own (the same inputs again would be duplicates)."""
    with fresh_cluster(workdir) as (bootstrap, settings):
        noop = {c: bench_noop(bootstrap, inputs, settings.partitions, c) for c in NOOP_FORWARDERS}
        pipeline, memory, phases = bench_pipeline(bootstrap, inputs, logs, settings, workdir)
    with fresh_cluster(workdir) as (bootstrap, settings):
        scaled = bench_scaled(bootstrap, inputs, logs, settings, workdir, WORKERS)
    peers = {}
    for peer in PEERS:
        with fresh_cluster(workdir) as (bootstrap, settings):
            peers[peer] = bench_peer(bootstrap, inputs, settings.partitions, peer)
    return {
        "noop": noop,
        "pipeline": pipeline,
        "phases": phases,
        "scaled": scaled,
        "peers": peers,
        "memory": {
            "peak_mb": memory.peak / 2**20,
            "growth_b": memory.growth_per_signal(len(inputs)),
        },
    }


def latency_round(policy: Policy, rate: float, workers: int, workdir: Path) -> dict[str, float]:
    """(e) on a fresh broker: ``rate`` signals/s for LATENCY_SECONDS to warmed-up workers."""
    count = int(rate * LATENCY_SECONDS) + 1
    warmup, *inputs = make_inputs(policy, count, seed=int(rate) + workers)[0]
    with fresh_cluster(workdir) as (_, settings):
        return bench_latency(settings, workdir, warmup, inputs, rate, workers)


def main() -> None:
    if QUICK:
        console.print(
            "[bold]QUICK RUN[/bold] (BENCH_QUICK=1): smaller sizes, fewer repeats, short latency "
            f"and memory runs; results go to {RESULTS.name}, not for publishing."
        )
    load_at_start = os.getloadavg()
    started = time.monotonic()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = with_dev_keys(Settings(), workdir)
        _, policy = load_policy(settings)
        console.log(f"Preparing {RECORDS} signals ...")
        inputs, logs = make_inputs(policy, RECORDS)
        core = bench_core(policy, inputs[:5000], settings)
        console.log(
            f"route(): {core['route_us_per_signal']:,.0f} µs; 10 rules "
            f"{core['route_us_10_rules']:,.0f} µs, 1,000 rules {core['route_us_1000_rules']:,.0f} µs"
        )
        for round_no in range(REPEATS):
            measured = one_round(inputs, logs, workdir)
            rates = {
                **{f"no-op {c}": v for c, v in measured["noop"].items()},
                "pipeline": measured["pipeline"],
                f"{WORKERS} workers": measured["scaled"],
                **measured["peers"],
            }
            console.log(
                f"round {round_no + 1} (signals/s): "
                + ", ".join(f"{k} {v:,.0f}" for k, v in rates.items())
            )
            rounds.append(measured)
        latency = {}
        for rate, workers in LATENCY_RUNS:
            measured = latency_round(policy, rate, workers, workdir)
            run = f"{rate:,.0f} signals/s to {workers} worker{'s' if workers > 1 else ''}"
            latency[run] = measured
            console.log(
                f"latency, {run}: p50 {measured['p50_ms']:,.0f} ms, "
                f"p99 {measured['p99_ms']:,.0f} ms"
            )
        console.log(f"memory run: {MEMORY_SIGNALS:,} signals through one worker ...")
        long_run = bench_memory_run(inputs, policy.store, MEMORY_SIGNALS, workdir)
        console.log(
            f"memory run: peak {long_run['peak_mb']:,.0f} MiB, "
            f"+{long_run['growth_b_per_signal_second_half']:,.0f} B/signal over the second half"
        )
    results = summarise(rounds, core, latency, long_run)
    # the compiled core against the interpreted modules (tests/benchmarks/compiled.py)
    results["compiled_core"] = bench_compiled(rounds=4 if QUICK else 8)
    console.log(f"compiled core: {results['compiled_core']['summary']}")
    results["machine"] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "wall_s": time.monotonic() - started,
    }
    for shown in (contenders(results), measures(results), target_table(results)):
        console.print(shown)
    RESULTS.write_text(json.dumps(results, indent=2))
    console.print(f"JSON: {RESULTS} ({results['machine']['wall_s']:,.0f} s)")


def summarise(
    rounds: list[dict[str, Any]],
    core: dict[str, Any],
    latency: dict[str, dict[str, float]],
    long_run: dict[str, Any],
) -> dict[str, Any]:
    """Medians over the rounds, the ratios between contenders and issue 21's targets."""
    noop = {c: [r["noop"][c] for r in rounds] for c in NOOP_FORWARDERS}
    peers = {p: [r["peers"][p] for r in rounds] for p in PEERS}
    pipeline, scaled = ([r[k] for r in rounds] for k in ("pipeline", "scaled"))
    noop_median = {c: statistics.median(v) for c, v in noop.items()}
    peer_median = {p: statistics.median(v) for p, v in peers.items()}
    baseline = noop_median[BASELINE]
    memory = [r["memory"] for r in rounds]
    results: dict[str, Any] = {
        "quick": QUICK,
        "records": RECORDS,
        "repeats": REPEATS,
        "noop_forwarder_records_per_s": baseline,
        "noop_forwarder_records_per_s_by_client": noop_median,
        "pipeline_records_per_s": statistics.median(pipeline),
        "ratio": statistics.median(pipeline) / baseline,
        "pipeline_phase_share": {
            p: statistics.median(r["phases"][p] for r in rounds) for p in rounds[0]["phases"]
        },
        "workers": WORKERS,
        "pipeline_scaled_records_per_s": statistics.median(scaled),
        "ratio_scaled": statistics.median(scaled) / baseline,
        "peer_records_per_s": peer_median,
        "ratio_to_confluent_peer": statistics.median(pipeline) / peer_median[CONFLUENT_PEER],
        "peer_outputs_per_signal": OUTPUTS_PER_SIGNAL,
        **{k: v for k, v in core.items() if k != "runs"},
        "latency": latency,
        "memory_run": {k: v for k, v in long_run.items() if k != "points"},
        "short_run_peak_rss_mb": statistics.median(m["peak_mb"] for m in memory),
        "runs": {
            "noop": noop,
            "pipeline": pipeline,
            "phases": [r["phases"] for r in rounds],
            "scaled": scaled,
            "peers": peers,
            "route": core["runs"],
            "memory": memory,
            "memory_run_points": long_run["points"],
        },
    }
    results["targets"] = targets(results)
    return results


if __name__ == "__main__":
    main()
