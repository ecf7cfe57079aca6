"""What `make bench` prints: the contenders side by side, the workers as they scale, the other
measures, and the targets of issue 32 against this run's numbers (computed, never asserted)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

#: The hand-written peer one router worker is compared with.
CONFLUENT_PEER = "confluent-kafka+fastavro"


def slope(xs: list[int], ys: list[float]) -> float:
    """The least-squares slope of ``ys`` over ``xs`` (0 for fewer than two points)."""
    if len(xs) < 2:
        return 0.0
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def targets(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Issue 32's targets: this run's value, the bound and whether the value is within it."""
    memory = r["memory_run"]

    def bound(value: float, limit: float, at_least: bool) -> dict[str, Any]:
        met = value >= limit if at_least else value <= limit
        return {"value": value, "target": f"{'>=' if at_least else '<='} {limit:g}", "met": met}

    found = {
        "one_worker_cpu_per_signal_vs_confluent_peer": bound(
            r["cpu_vs_confluent_peer"], 2.0, at_least=False
        ),
        "one_worker_signals_per_s_vs_confluent_peer": bound(
            r["rate_vs_confluent_peer"], 0.5, at_least=True
        ),
    }
    if r["scaling"]:
        found["catch_up_us_per_signal_per_added_worker"] = bound(
            r["scaling"]["catch_up_us_per_added_worker"], 5.0, at_least=False
        )
    for run, measured in r["latency"].items():
        if measured["offered_per_s"] == 200.0 and "before" not in run:
            found[f"p99_ms, {run}"] = bound(measured["p99_ms"], 100.0, at_least=False)
    # flat: less than 10% more resident memory at the end than halfway
    found["memory_rss_growth_over_second_half"] = bound(
        memory["rss_mb_at_100pct"] / memory["rss_mb_at_50pct"] - 1, 0.1, at_least=False
    )
    return found


def _title(r: dict[str, Any], what: str) -> str:
    quick = "QUICK RUN (BENCH_QUICK=1, not for publishing): " if r["quick"] else ""
    return (
        f"{quick}{what} ({r['records']:,} politie signals, median of {r['repeats']}, "
        "embedded broker, 6 partitions)"
    )


def contenders(r: dict[str, Any]) -> Table:
    """The side-by-side table: signals/s, CPU per signal, the broker's CPU per signal."""
    t = Table(title=_title(r, "ketenstroom and its peers"))
    for column in ("contender", "signals/s", "CPU µs/signal", "broker CPU µs/signal"):
        t.add_column(column, justify="left" if column == "contender" else "right")
    for client, rate in r["noop_forwarder_records_per_s_by_client"].items():
        t.add_row(f"no-op forwarder, {client}", f"{rate:,.0f}", "", "")
    rows = [("ketenstroom, one worker", r["one_worker"])]
    if r["one_worker_before"] is not None:
        rows.append(("ketenstroom before issue 32, one worker", r["one_worker_before"]))
    rows += [(f"hand-written peer, {p}", m) for p, m in r["peers"].items()]
    for name, m in rows:
        t.add_row(name, f"{m['rate']:,.0f}", f"{m['cpu_us']:,.0f}", f"{m['broker_cpu_us']:,.0f}")
    t.caption = (
        f"ketenstroom: {r['outputs_per_signal']:.1f} output records per signal (views, log lines, "
        "event-id claim, statistics facts), duplicate check, conditions, pseudonyms, encryption; "
        f"peers: {r['peer_outputs_per_signal']} (4 views, 1 log record), plain field selections. "
        "CPU: every thread of the contender's processes over the span of its outputs."
    )
    return t


def scaling(r: dict[str, Any]) -> Table:
    """CPU per signal of 1, 2, 4 workers (all together), before and after issue 32."""
    t = Table(title=_title(r, "workers in one group on this machine"))
    for column in ("router", "workers", "signals/s", "CPU µs/signal", "of it catch-up", "broker"):
        t.add_column(column, justify="left" if column == "router" else "right")
    for label, key in (("now", "scaling"), ("before issue 32", "scaling_before")):
        found = r.get(key) or {}
        for n, m in found.get("by_workers", {}).items():
            t.add_row(
                label,
                n,
                f"{m['rate']:,.0f}",
                f"{m['cpu_us']:,.0f}",
                f"{m['catch_up_us']:,.1f}",
                f"{m['broker_cpu_us']:,.0f}",
            )
        if found:
            t.add_row(
                label,
                "per added worker",
                "",
                f"{found['cpu_us_per_added_worker']:+,.1f}",
                f"{found['catch_up_us_per_added_worker']:+,.1f}",
                f"{found['broker_cpu_us_per_added_worker']:+,.1f}",
            )
    t.caption = (
        "CPU µs/signal: all workers' processes together; catch-up: their batch loops reading "
        "other workers' claims before each batch; per added worker: least-squares slope."
    )
    return t


def measures(r: dict[str, Any]) -> Table:
    """Before/after, route() on its own, with more rules, latency and memory."""
    t = Table(title=_title(r, "ketenstroom benchmark"))
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("per signal", justify="right")
    change = r.get("before_after")
    if change:
        t.add_row(
            "one worker now / before issue 32",
            f"{change['rate_ratio']:.2f}x signals/s",
            f"{change['cpu_ratio']:.2f}x CPU",
        )
        t.add_row(
            "    the broker's CPU per signal, now / before",
            "",
            f"{change['broker_cpu_ratio']:.2f}x",
        )
    shares = dict(r.get("pipeline_phase_share", {}))
    if shares:
        busy = shares.pop("busy", None)
        t.add_row(
            "one worker's batch loop: " + ", ".join(f"{p} {s:.0%}" for p, s in shares.items()),
            f"{busy:.0%} on the CPU" if busy is not None else "",
            "",
        )
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
        t.add_row(f"(e) latency, {run}", f"p50 {m['p50_ms']:,.0f} ms", f"p99 {m['p99_ms']:,.0f} ms")
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
    """Each target of issue 32 with this run's value."""
    t = Table(title=_title(r, "targets of issue 32"))
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
