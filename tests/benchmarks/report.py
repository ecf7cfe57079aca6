"""What `make bench` prints: the contenders side by side, the other measures, and the targets of
issue 21 against this run's numbers (computed from the results, never asserted)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

#: The no-op forwarder every contender is compared with.
BASELINE = "aiokafka"
#: The hand-written peer one router worker is to keep up with.
CONFLUENT_PEER = "confluent-kafka+fastavro"


def targets(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Issue 21's targets: this run's value, the bound and whether the value is within it."""
    latency = r["latency"]
    memory = r["memory_run"]

    def bound(value: float, limit: float, at_least: bool) -> dict[str, Any]:
        met = value >= limit if at_least else value <= limit
        return {"value": value, "target": f"{'>=' if at_least else '<='} {limit:g}", "met": met}

    found = {
        "one_worker_vs_confluent_peer": bound(r["ratio_to_confluent_peer"], 1.0, at_least=True),
        "two_workers_vs_aiokafka_noop": bound(r["ratio_scaled"], 0.5, at_least=True),
        "route_us_per_signal": bound(r["route_us_per_signal"], 40.0, at_least=False),
        # flat: less than 10% more resident memory at the end than halfway
        "memory_rss_growth_over_second_half": bound(
            memory["rss_mb_at_100pct"] / memory["rss_mb_at_50pct"] - 1, 0.1, at_least=False
        ),
    }
    for run, measured in latency.items():
        if measured["offered_per_s"] == 1000.0:
            found[f"p99_ms, {run}"] = bound(measured["p99_ms"], 100.0, at_least=False)
    return found


def _title(r: dict[str, Any], what: str) -> str:
    quick = "QUICK RUN (BENCH_QUICK=1, not for publishing): " if r["quick"] else ""
    return (
        f"{quick}{what} ({r['records']:,} politie signals, median of {r['repeats']}, "
        "embedded broker, 6 partitions)"
    )


def contenders(r: dict[str, Any]) -> Table:
    """The side-by-side table: every contender's signals/s and its ratio to the baseline."""
    t = Table(title=_title(r, "ketenstroom and its peers"))
    t.add_column("contender")
    t.add_column("signals/s", justify="right")
    t.add_column(f"vs {BASELINE} no-op", justify="right")
    baseline = r["noop_forwarder_records_per_s"]
    rows = [
        *(
            (f"no-op forwarder, {c}", v)
            for c, v in r["noop_forwarder_records_per_s_by_client"].items()
        ),
        ("ketenstroom, one worker", r["pipeline_records_per_s"]),
        (f"ketenstroom, {r['workers']} workers", r["pipeline_scaled_records_per_s"]),
        *((f"hand-written peer, {p}", v) for p, v in r["peer_records_per_s"].items()),
    ]
    for name, rate in rows:
        t.add_row(name, f"{rate:,.0f}", f"{rate / baseline:.1%}")
    t.caption = (
        f"ketenstroom: {r['outputs_per_signal']:.1f} output records per signal (views, log lines, "
        "event-id claim, statistics facts), duplicate check, conditions, pseudonyms, encryption; "
        f"peers: {r['peer_outputs_per_signal']} (4 views, 1 log record), plain field selections"
    )
    return t


def measures(r: dict[str, Any]) -> Table:
    """route() on its own, with more rules, latency and memory."""
    t = Table(title=_title(r, "ketenstroom benchmark"))
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("per signal", justify="right")
    pipe = r["pipeline_records_per_s"]
    t.add_row(
        f"(b) full pipeline ({r['outputs_per_signal']:.1f} output records per signal)",
        f"{pipe:,.0f} rec/s",
        f"{1e6 / pipe:,.1f} µs",
    )
    shares = dict(r.get("pipeline_phase_share", {}))
    if shares:
        busy = shares.pop("busy", None)
        t.add_row(
            "    its wall time: " + ", ".join(f"{p} {s:.0%}" for p, s in shares.items()), "", ""
        )
        if busy is not None:
            t.add_row("    its event loop's thread on the CPU", f"{busy:.0%}", "")
    t.add_row("    ratio to the confluent-kafka peer", f"{r['ratio_to_confluent_peer']:.1%}", "")
    t.add_row(f"    ratio ({r['workers']} workers)/aiokafka no-op", f"{r['ratio_scaled']:.1%}", "")
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


def target_table(r: dict[str, Any]) -> Table:
    """Each target of issue 21 with this run's value."""
    t = Table(title=_title(r, "targets of issue 21"))
    t.add_column("target")
    t.add_column("this run", justify="right")
    t.add_column("bound", justify="right")
    t.add_column("", justify="left")
    for name, found in r["targets"].items():
        value = found["value"]
        t.add_row(
            name,
            f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}",
            found["target"],
            "met" if found["met"] else "missed",
        )
    return t
