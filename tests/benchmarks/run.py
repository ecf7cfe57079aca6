"""`make bench`: the pipeline measured side by side with a no-op forwarder on the same broker.

(a) no-op aiokafka forwarder, (b) full pipeline and b/a, with one worker and with BENCH_WORKERS
workers in one consumer group, (c) route() per signal, (d) route() with 10 and 1,000 covenant
rules, (e) latency p50/p99 at fixed rates, (f) the worker's memory.
Medians of repeated runs; prints a table and writes bench-results.json. Measured, never asserted.
Sizes from the environment: BENCH_RECORDS (20000), BENCH_REPEATS (3), BENCH_LATENCY_SECONDS (10),
BENCH_WORKERS (2), BENCH_MEMORY_SIGNALS (1000000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline import topics
from pipeline.app.worker import load_keyring, load_policy
from pipeline.codec.framing import encode
from pipeline.covenant.policy import Policy
from pipeline.demo import with_dev_keys
from pipeline.router.core import route
from pipeline.router.records import Inbound
from pipeline.settings import Settings
from pipeline.signals.prepare import prepare
from pipeline.synthetic.generator import SignalFactory
from tests.benchmarks.cluster import fresh_cluster
from tests.benchmarks.latency import bench_latency
from tests.benchmarks.memory_run import bench_memory_run
from tests.benchmarks.rules import scaled_policy
from tests.benchmarks.throughput import bench_noop, bench_pipeline, bench_scaled

RECORDS = int(os.environ.get("BENCH_RECORDS", "20000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "10"))
#: Workers of the scaled pipeline run: one per core of the machine the numbers are for.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
#: (signals/s offered, workers) of the latency runs
LATENCY_RUNS = ((1000.0, 1), (1000.0, WORKERS), (250.0, 1))
#: Signals of the long memory run (f): about half an hour per million on this machine.
MEMORY_SIGNALS = int(os.environ.get("BENCH_MEMORY_SIGNALS", "1000000"))
ROOT = Path(__file__).resolve().parents[2]
console = Console()


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


def route_us(policy: Policy, inputs: list[Inbound]) -> float:
    """µs per signal of route() over ``inputs`` (one pass)."""
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for record in inputs:
        route(record, policy, now)
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
    views = Counter(len(route(i, policy, now).deliveries) for i in inputs[:200])
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "route_us_per_signal": medians["shipped"],
        "views_per_signal": statistics.median(views.elements()),
        "route_us_10_rules": medians["10"],
        "route_us_1000_rules": medians["1000"],
        "rules_ratio": medians["1000"] / medians["10"],
        "runs": runs,
    }


def one_round(inputs: list[Inbound], logs: int, workdir: Path) -> dict[str, Any]:
    """Baseline and one worker on one fresh broker, so both start from empty topics; then
    WORKERS workers on another (the same inputs again would be duplicates)."""
    with fresh_cluster(workdir) as (bootstrap, settings):
        noop = bench_noop(bootstrap, inputs, settings.partitions)
        pipeline, memory = bench_pipeline(bootstrap, inputs, logs, settings, workdir)
    with fresh_cluster(workdir) as (bootstrap, settings):
        scaled = bench_scaled(bootstrap, inputs, logs, settings, workdir, WORKERS)
    return {
        "noop": noop,
        "pipeline": pipeline,
        "scaled": scaled,
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
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = with_dev_keys(Settings(), workdir)
        _, policy = load_policy(settings)
        console.print(f"Preparing {RECORDS} signals ...")
        inputs, logs = make_inputs(policy, RECORDS)
        core = bench_core(policy, inputs[:5000], settings)
        console.print(
            f"route(): {core['route_us_per_signal']:,.0f} µs; 10 rules "
            f"{core['route_us_10_rules']:,.0f} µs, 1,000 rules {core['route_us_1000_rules']:,.0f} µs"
        )
        for round_no in range(REPEATS):
            measured = one_round(inputs, logs, workdir)
            console.print(
                f"round {round_no + 1}: no-op {measured['noop']:,.0f} rec/s, pipeline "
                f"{measured['pipeline']:,.0f} rec/s, {WORKERS} workers {measured['scaled']:,.0f} rec/s"
            )
            rounds.append(measured)
        latency = {}
        for rate, workers in LATENCY_RUNS:
            measured = latency_round(policy, rate, workers, workdir)
            run = f"{rate:,.0f} signals/s to {workers} worker{'s' if workers > 1 else ''}"
            latency[run] = measured
            console.print(
                f"latency, {run}: p50 {measured['p50_ms']:,.0f} ms, "
                f"p99 {measured['p99_ms']:,.0f} ms"
            )
        console.print(f"memory run: {MEMORY_SIGNALS:,} signals through one worker ...")
        long_run = bench_memory_run(inputs, policy.store, MEMORY_SIGNALS, workdir)
        console.print(
            f"memory run: peak {long_run['peak_mb']:,.0f} MiB, "
            f"+{long_run['growth_b_per_signal_second_half']:,.0f} B/signal over the second half"
        )
    noop, pipeline, scaled = ([r[k] for r in rounds] for k in ("noop", "pipeline", "scaled"))
    memory = [r["memory"] for r in rounds]
    results = {
        "records": RECORDS,
        "repeats": REPEATS,
        "noop_forwarder_records_per_s": statistics.median(noop),
        "pipeline_records_per_s": statistics.median(pipeline),
        "ratio": statistics.median(pipeline) / statistics.median(noop),
        "workers": WORKERS,
        "pipeline_scaled_records_per_s": statistics.median(scaled),
        "ratio_scaled": statistics.median(scaled) / statistics.median(noop),
        "outputs_per_signal": (logs + RECORDS * (1 + core["views_per_signal"])) / RECORDS,
        **{k: v for k, v in core.items() if k != "runs"},
        "latency": latency,
        "memory_run": {k: v for k, v in long_run.items() if k != "points"},
        "short_run_peak_rss_mb": statistics.median(m["peak_mb"] for m in memory),
        "runs": {
            "noop": noop,
            "pipeline": pipeline,
            "scaled": scaled,
            "route": core["runs"],
            "memory": memory,
            "memory_run_points": long_run["points"],
        },
    }
    console.print(table(results))
    out = ROOT / "bench-results.json"
    out.write_text(json.dumps(results, indent=2))
    console.print(f"JSON: {out}")


def table(r: dict[str, Any]) -> Table:
    t = Table(
        title=f"ketenstroom benchmark ({r['records']:,} politie signals, median of {r['repeats']}, embedded broker)"
    )
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("per signal", justify="right")
    noop, pipe = r["noop_forwarder_records_per_s"], r["pipeline_records_per_s"]
    t.add_row(
        "(a) no-op aiokafka forwarder (baseline)", f"{noop:,.0f} rec/s", f"{1e6 / noop:,.1f} µs"
    )
    t.add_row(
        f"(b) full pipeline ({r['outputs_per_signal']:.1f} output records per signal)",
        f"{pipe:,.0f} rec/s",
        f"{1e6 / pipe:,.1f} µs",
    )
    t.add_row("    ratio b/a", f"{r['ratio']:.1%}", "")
    scaled = r["pipeline_scaled_records_per_s"]
    t.add_row(
        f"    {r['workers']} workers in one consumer group",
        f"{scaled:,.0f} rec/s",
        f"{1e6 / scaled:,.1f} µs",
    )
    t.add_row(f"    ratio ({r['workers']} workers)/a", f"{r['ratio_scaled']:.1%}", "")
    t.add_row(
        f"(c) route() core, {r['views_per_signal']:.0f} views",
        "",
        f"{r['route_us_per_signal']:,.0f} µs",
    )
    t.add_row("(d) route(), covenant of 10 rules", "", f"{r['route_us_10_rules']:,.0f} µs")
    t.add_row(
        "    route(), covenant of 1,000 rules",
        f"{r['rules_ratio']:.2f}x of 10",
        f"{r['route_us_1000_rules']:,.0f} µs",
    )
    for run, m in r["latency"].items():
        t.add_row(
            f"(e) latency, {run}",
            f"p50 {m['p50_ms']:,.0f} ms",
            f"p99 {m['p99_ms']:,.0f} ms",
        )
    m = r["memory_run"]
    t.add_row(
        f"(f) worker peak RSS over {m['signals']:,} signals",
        f"{m['peak_mb']:,.0f} MiB",
        f"+{m['growth_b_per_signal_second_half']:,.0f} B",
    )
    t.add_row(
        "    RSS at 10% / 50% / 100% of them",
        f"{m['rss_mb_at_10pct']:,.0f} / {m['rss_mb_at_50pct']:,.0f} / {m['rss_mb_at_100pct']:,.0f} MiB",
        "",
    )
    return t


if __name__ == "__main__":
    main()
