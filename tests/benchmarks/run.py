"""`make bench`: the pipeline measured side by side with its peers on the same broker.

(a) no-op forwarders on aiokafka and on confluent-kafka; (b) the pipeline with 1, 2 and 4
workers in one consumer group (BENCH_SCALE), and the same with the router as it was before
issue 32 (tests/benchmarks/before.py), interleaved; (g) hand-written peers (confluent-kafka or
aiokafka + fastavro: four views and a log record per signal, no crypto); (c) route() per
signal; (d) route() with 10 and 1,000 covenant rules; (e) latency p50/p99 at fixed rates, once
per round; (f) the worker's memory. Every contender gets the same signals on a fresh broker;
signals/s and CPU per signal (every thread of its processes, and the broker's) over the span of
its outputs; medians of BENCH_REPEATS rounds. Prints tables and writes bench-results.json.
Measured, never asserted. Sizes from the environment: BENCH_RECORDS (20000), BENCH_REPEATS
(3), BENCH_LATENCY_SECONDS (10), BENCH_SCALE (1,2,4), BENCH_MEMORY_SIGNALS (1000000),
BENCH_BEFORE (the git revision of the router before issue 32). BENCH_QUICK=1: a quick run
(5000, 1, 3, 20000 unless set; a few minutes) that writes bench-results.quick.json instead.
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
from tests.benchmarks.before import BEFORE, before_source
from tests.benchmarks.cluster import PARTITIONS, fresh_cluster
from tests.benchmarks.compiled import bench_compiled
from tests.benchmarks.latency import bench_latency
from tests.benchmarks.memory_run import bench_memory_run
from tests.benchmarks.peer_job import OUTPUTS_PER_SIGNAL
from tests.benchmarks.peers import PEERS, bench_peer
from tests.benchmarks.report import contenders, measures, scaling, slope, target_table, targets
from tests.benchmarks.rules import scaled_policy
from tests.benchmarks.throughput import NOOP_FORWARDERS, bench_noop, bench_workers

#: A quick run: smaller sizes and fewer repeats, to see that everything runs and roughly where.
QUICK = os.environ.get("BENCH_QUICK", "").strip().lower() not in ("", "0", "false", "no", "off")


def _size(name: str, full: str, quick: str) -> str:
    return os.environ.get(name, quick if QUICK else full)


RECORDS = int(_size("BENCH_RECORDS", "20000", "5000"))
REPEATS = int(_size("BENCH_REPEATS", "3", "1"))
LATENCY_SECONDS = float(_size("BENCH_LATENCY_SECONDS", "10", "3"))
#: Workers of the scaling runs (the first is the one-worker contender).
SCALE = tuple(int(n) for n in os.environ.get("BENCH_SCALE", "1,2,4").split(","))
#: (signals/s offered, workers, the router before issue 32?) of the latency runs
LATENCY_RUNS = ((200.0, 1, False), (200.0, 1, True), (1000.0, 1, False))
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


def one_round(
    inputs: list[Inbound], logs: int, workdir: Path, before: Path | None, round_no: int
) -> dict[str, Any]:
    """Every contender once, each on a fresh broker (the same inputs again would be
    duplicates, not new disclosures); the router before and after issue 32 in turns, each
    going first in every other round."""
    with fresh_cluster(workdir) as cluster:
        noop = {
            c: bench_noop(cluster.bootstrap, cluster.broker_pid, inputs, PARTITIONS, c)
            for c in NOOP_FORWARDERS
        }
    after: dict[int, dict[str, Any]] = {}
    prior: dict[int, dict[str, Any]] = {}
    for n in SCALE:
        order = [(after, None), (prior, before)]
        for runs, source in order if round_no % 2 == 0 else reversed(order):
            if runs is prior and source is None:
                continue
            with fresh_cluster(workdir) as cluster:
                runs[n] = bench_workers(cluster, inputs, logs, workdir, n, source).to_json()
    peers = {}
    for peer in PEERS:
        with fresh_cluster(workdir) as cluster:
            args = (cluster.bootstrap, cluster.broker_pid, inputs, PARTITIONS, peer)
            peers[peer] = bench_peer(*args).to_json()
    return {"noop": noop, "workers": after, "before": prior, "peers": peers}


def latency_round(
    policy: Policy, rate: float, workers: int, workdir: Path, source: Path | None
) -> dict[str, float]:
    """(e) on a fresh broker: ``rate`` signals/s for LATENCY_SECONDS to warmed-up workers."""
    count = int(rate * LATENCY_SECONDS) + 1
    warmup, *inputs = make_inputs(policy, count, seed=int(rate) + workers)[0]
    with fresh_cluster(workdir) as cluster:
        return bench_latency(cluster.settings, workdir, warmup, inputs, rate, workers, source)


def main() -> None:
    if QUICK:
        console.print(
            "[bold]QUICK RUN[/bold] (BENCH_QUICK=1): smaller sizes, fewer repeats, short latency "
            f"and memory runs; results go to {RESULTS.name}, not for publishing."
        )
    load_at_start = os.getloadavg()
    loads = [load_at_start]
    started = time.monotonic()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        before = before_source(workdir)
        if before is None:
            console.print(f"[bold]no router before issue 32[/bold]: git gave no {BEFORE}")
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
            measured = one_round(inputs, logs, workdir, before, round_no)
            loads.append(os.getloadavg())
            console.log(f"round {round_no + 1} (signals/s; CPU µs per signal): {_line(measured)}")
            rounds.append(measured)
        latency_runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(REPEATS):  # each run once per round, in turns
            for rate, workers, old in LATENCY_RUNS:
                if old and before is None:
                    continue
                one = latency_round(policy, rate, workers, workdir, before if old else None)
                run = f"{rate:,.0f} signals/s to {workers} worker{'s' if workers > 1 else ''}"
                run += " (before issue 32)" if old else ""
                latency_runs.setdefault(run, []).append(one)
                console.log(
                    f"latency, {run}: p50 {one['p50_ms']:,.0f} ms, p99 {one['p99_ms']:,.0f} ms"
                )
        latency = {run: _medians(runs) for run, runs in latency_runs.items()}
        loads.append(os.getloadavg())
        console.log(f"memory run: {MEMORY_SIGNALS:,} signals through one worker ...")
        long_run = bench_memory_run(inputs, policy.store, MEMORY_SIGNALS, workdir)
        console.log(
            f"memory run: peak {long_run['peak_mb']:,.0f} MiB, "
            f"+{long_run['growth_b_per_signal_second_half']:,.0f} B/signal over the second half"
        )
    results = summarise(rounds, core, latency, long_run)
    results["runs"]["latency"] = latency_runs
    # the compiled core against the interpreted modules (tests/benchmarks/compiled.py)
    results["compiled_core"] = bench_compiled(rounds=4 if QUICK else 8)
    console.log(f"compiled core: {results['compiled_core']['summary']}")
    results["machine"] = {
        "cpus": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "load_averages": loads,
        "wall_s": time.monotonic() - started,
        "before": BEFORE if before is not None else None,
    }
    for shown in (contenders(results), scaling(results), measures(results), target_table(results)):
        console.print(shown)
    RESULTS.write_text(json.dumps(results, indent=2))
    console.print(f"JSON: {RESULTS} ({results['machine']['wall_s']:,.0f} s)")


def _line(measured: dict[str, Any]) -> str:
    parts = [f"no-op {c} {v:,.0f}" for c, v in measured["noop"].items()]
    for label, runs in (("", measured["workers"]), ("before ", measured["before"])):
        parts += [
            f"{label}{n} worker(s) {r['rate']:,.0f}; {r['cpu_us']:,.0f}" for n, r in runs.items()
        ]
    parts += [f"{p} {r['rate']:,.0f}; {r['cpu_us']:,.0f}" for p, r in measured["peers"].items()]
    return ", ".join(parts)


def _medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def _scaling(rounds: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Medians per worker count, and the projection per added worker: the least-squares slope
    of CPU per signal (all workers together) and of the catch-up per signal over the counts."""
    if not rounds[0][key]:
        return {}
    by_n = {n: _medians([r[key][n] for r in rounds]) for n in rounds[0][key]}
    counts = sorted(by_n)
    return {
        "by_workers": {str(n): by_n[n] for n in counts},
        "cpu_us_per_added_worker": slope(counts, [by_n[n]["cpu_us"] for n in counts]),
        "catch_up_us_per_added_worker": slope(counts, [by_n[n]["catch_up_us"] for n in counts]),
        "broker_cpu_us_per_added_worker": slope(counts, [by_n[n]["broker_cpu_us"] for n in counts]),
    }


def summarise(
    rounds: list[dict[str, Any]],
    core: dict[str, Any],
    latency: dict[str, dict[str, float]],
    long_run: dict[str, Any],
) -> dict[str, Any]:
    """Medians over the rounds, the ratios between contenders and issue 32's targets."""
    noop = {c: [r["noop"][c] for r in rounds] for c in NOOP_FORWARDERS}
    peers = {p: _medians([r["peers"][p] for r in rounds]) for p in PEERS}
    one = min(SCALE)
    worker = _medians([r["workers"][one] for r in rounds])
    prior = _medians([r["before"][one] for r in rounds]) if rounds[0]["before"] else None
    peer = peers["confluent-kafka+fastavro"]
    results: dict[str, Any] = {
        "quick": QUICK,
        "records": RECORDS,
        "repeats": REPEATS,
        "noop_forwarder_records_per_s_by_client": {
            c: statistics.median(v) for c, v in noop.items()
        },
        "one_worker": worker,
        "one_worker_before": prior,
        "peers": peers,
        "pipeline_phase_share": {
            p: statistics.median(r["workers"][one]["phases"][p] for r in rounds)
            for p in rounds[0]["workers"][one]["phases"]
        },
        "cpu_vs_confluent_peer": worker["cpu_us"] / peer["cpu_us"],
        "rate_vs_confluent_peer": worker["rate"] / peer["rate"],
        "before_after": None
        if prior is None
        else {
            "cpu_ratio": worker["cpu_us"] / prior["cpu_us"],
            "rate_ratio": worker["rate"] / prior["rate"],
            "broker_cpu_ratio": worker["broker_cpu_us"] / prior["broker_cpu_us"],
        },
        "scaling": _scaling(rounds, "workers"),
        "scaling_before": _scaling(rounds, "before"),
        "peer_outputs_per_signal": OUTPUTS_PER_SIGNAL,
        **{k: v for k, v in core.items() if k != "runs"},
        "latency": latency,
        "memory_run": {k: v for k, v in long_run.items() if k != "points"},
        "runs": {
            "noop": noop,
            "rounds": [{k: v for k, v in r.items() if k != "noop"} for r in rounds],
            "route": core["runs"],
            "memory_run_points": long_run["points"],
        },
    }
    results["targets"] = targets(results)
    return results


if __name__ == "__main__":
    main()
