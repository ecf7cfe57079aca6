"""The compiled core against the interpreted modules: route() and a whole worker, per signal.

    python -m tests.benchmarks.compiled [--signals N] [--rounds R] [--callgrind N] [--worker N]

Outside ``make bench``. The interpreted side is a pure copy of the package (no extension
modules), the compiled side the installed build (pipeline/compiled/); both route the same
politie signals. Measures, each compiled against interpreted in one run:

- route() CPU per signal: two long-lived processes, one per side, route the same signals in
  batches as a worker does (route_batch), in alternating rounds; medians of the rounds.
- instructions per signal (``--callgrind N``): valgrind's callgrind counts the instructions of
  N signals' route_batch (collection on only inside it), per side, with where they go.
- a worker's CPU per signal (``--worker N``): on a fresh embedded broker, a worker of each side
  in turn routes N fresh signals; its process CPU time from its start of work to its last
  signal, in alternating rounds.

Writes compiled-results.json beside bench-results.json. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "compiled-results.json"
SIDES = ("interpreted", "compiled")
BATCH = 500
MODULE = "tests.benchmarks.compiled"


@contextmanager
def pure_copy() -> Iterator[Path]:
    """A directory holding a copy of ``pipeline/`` without any compiled module."""
    with tempfile.TemporaryDirectory(prefix="ketenstroom-pure-") as tmp:
        ignored = shutil.ignore_patterns("*.so", "__pycache__", "_compiled_manifest.py")
        shutil.copytree(ROOT / "pipeline", Path(tmp) / "pipeline", ignore=ignored)
        yield Path(tmp)


def side_env(side: str, pure: Path) -> dict[str, str]:
    """The environment of a process on one side: the pure copy first on its path, or not."""
    path = [pure, ROOT] if side == "interpreted" else [ROOT]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}


# ---- in the child processes (started outside the repository, whose pipeline/ would otherwise
# come first on the path: PYTHONPATH decides which one loads) ----


def _child_setup(signals: int) -> tuple[Any, list[Any], Any]:
    from pipeline import compiled
    from pipeline.app.worker import load_policy
    from pipeline.demo import with_dev_keys
    from pipeline.settings import Settings
    from tests.benchmarks.run import make_inputs

    workdir = Path(tempfile.mkdtemp(prefix="ketenstroom-bench-"))
    settings = Settings(schemas_dir=ROOT / "schemas", convenanten_dir=ROOT / "convenanten")
    _, policy = load_policy(with_dev_keys(settings, workdir))
    inputs, _ = make_inputs(policy, signals)
    print(f"# {compiled.status().reason}", file=sys.stderr, flush=True)
    return policy, inputs, dt.datetime.now(dt.UTC)


def _route_all(policy: Any, inputs: list[Any], now: dt.datetime) -> None:
    from pipeline.router.core import route_batch
    from pipeline.router.event_index import EventIndex

    index = EventIndex()
    for first in range(0, len(inputs), BATCH):
        route_batch(inputs[first : first + BATCH], policy, now, index)


def child_rounds(signals: int) -> None:
    """Route the signals once per line read, printing µs of CPU per signal."""
    policy, inputs, now = _child_setup(signals)
    _route_all(policy, inputs[:BATCH], now)  # warm: caches, the generated encoders
    print("ready", flush=True)
    for _ in sys.stdin:
        started = time.process_time()
        _route_all(policy, inputs, now)
        print((time.process_time() - started) / len(inputs) * 1e6, flush=True)


def child_callgrind(signals: int) -> None:
    """Route the signals inside functools.reduce: callgrind collects only there."""
    policy, inputs, now = _child_setup(signals)
    _route_all(policy, inputs[:BATCH], now)
    functools.reduce(lambda _, __: _route_all(policy, inputs, now), [None], None)


# ---- in the measuring process ----


def route_rounds(signals: int, rounds: int, pure: Path) -> dict[str, Any]:
    """µs of CPU per signal of route_batch on each side, alternating, medians of ``rounds``."""
    script = [sys.executable, "-m", MODULE, "--child-rounds", str(signals)]
    children = {
        side: subprocess.Popen(
            script,
            env=side_env(side, pure),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tempfile.gettempdir(),
        )
        for side in SIDES
    }
    per_round: dict[str, list[float]] = {side: [] for side in SIDES}
    try:
        for child in children.values():
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for n in range(rounds):
            for side in SIDES if n % 2 == 0 else reversed(SIDES):
                child = children[side]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write("go\n")
                child.stdin.flush()
                per_round[side].append(float(child.stdout.readline()))
    finally:
        for child in children.values():
            if child.stdin is not None:
                child.stdin.close()
            child.wait(60)
    return _medians(per_round, "us_per_signal", signals, rounds)


def _medians(
    per_round: dict[str, list[float]], measure: str, signals: int, rounds: int
) -> dict[str, Any]:
    medians = {side: statistics.median(v) for side, v in per_round.items()}
    return {
        "signals": signals,
        "rounds": rounds,
        measure: medians,
        f"{measure}_rounds": per_round,
        "ratio": medians["compiled"] / medians["interpreted"],
    }


#: Where callgrind's instructions are, by the object or source file of each function (for
#: code that was inlined, callgrind names no object); the first that matches.
OBJECTS = (
    ("the compiled core (mypyc)", ("_compiled__mypyc", "__native_", "mypyc/lib-rt")),
    ("CPython: the interpreter loop", ("ceval.c",)),
    ("CPython: dicts", ("dictobject.c",)),
    ("CPython: strings and bytes", ("unicode", "bytesobject.c", "stringlib", "join.h")),
    (
        "CPython: objects, attributes, calls",
        (
            *("object.c", "object.h", "typeobject.c", "call.c", "abstract.c"),
            *("descrobject.c", "methodobject.c", "getargs.c", "pycore_call.h", "pycore_pystate.h"),
        ),
    ),
    ("CPython: memory", ("obmalloc.c", "gcmodule.c")),
    (
        "CPython: tuples, lists, sets, ints",
        ("tupleobject.c", "listobject.c", "setobject.c", "longobject.c"),
    ),
    ("CPython: the rest", ("libpython", "/Python-3.", "/include/python3")),
    ("fastavro (decoding signals)", ("fastavro",)),
    ("OpenSSL and cryptography (AES, HMAC, HPKE)", ("libcrypto", "_rust", "???:")),
    ("the C library (malloc, memcpy)", ("libc.so", "/sysdeps/", "./malloc/", "./string/")),
)


def callgrind(signals: int, side: str, pure: Path, out: Path) -> dict[str, Any]:
    """Instructions per signal of route_batch on one side, and their split by object file and
    the functions that execute most of them."""
    command = ["valgrind", "--tool=callgrind", "--toggle-collect=functools_reduce"]
    command += [f"--callgrind-out-file={out}", sys.executable, "-m", MODULE]
    command += ["--child-callgrind", str(signals)]
    subprocess.run(
        command,
        env=side_env(side, pure),
        cwd=tempfile.gettempdir(),
        check=True,
        capture_output=True,
    )
    annotated = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--auto=no", str(out)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = re.findall(r"^\s*([\d,]+) \([ \d.]+%\)\s+(\S.*)$", annotated, re.MULTILINE)
    total = next(int(n.replace(",", "")) for n, where in rows if "PROGRAM TOTALS" in where)
    functions = [(int(n.replace(",", "")), where) for n, where in rows if "PROGRAM" not in where]
    by_object: Counter[str] = Counter()
    for n, where in functions:
        name = next((label for label, needles in OBJECTS if any(s in where for s in needles)), "other")
        by_object[name] += n
    top = [
        {"share": n / total, "function": re.sub(r"^.*/", "", where.split(" [")[0])}
        for n, where in functions[:20]
    ]
    return {
        "instructions_per_signal": total / signals,
        "by_object": {k: v / total for k, v in by_object.most_common()},
        "top_functions": top,
    }


def worker_rounds(signals: int, rounds: int, pure: Path) -> dict[str, Any]:
    """A worker's CPU per signal on each side: on one fresh broker, a worker of each side in
    turn (one consumer group, so each goes on where the last stopped) routes ``signals``
    fresh politie signals; its CPU time from its first to its last signal."""
    from pipeline import topics
    from pipeline.app.process import WorkerProcess
    from pipeline.app.worker import load_policy
    from pipeline.broker.embedded import free_port
    from pipeline.ops.metrics import scrape, total
    from tests.benchmarks.cluster import fresh_cluster
    from tests.benchmarks.run import make_inputs
    from tests.benchmarks.throughput import produce

    per_round: dict[str, list[float]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as tmp, fresh_cluster(Path(tmp)) as (bootstrap, settings):
        _, policy = load_policy(settings)
        home = Path.cwd()
        for n in range(rounds):
            for side in SIDES if n % 2 == 0 else reversed(SIDES):
                inputs, _ = make_inputs(policy, signals, seed=1000 + 2 * n + (side == "compiled"))
                port = free_port()
                worker_settings = settings.model_copy(update={"metrics_port": port})
                os.environ["PYTHONPATH"] = side_env(side, pure)["PYTHONPATH"]
                os.chdir(tmp)  # python -m pipeline: the working directory comes first
                try:
                    worker = WorkerProcess(worker_settings, Path(tmp) / f"{side}-{n}.log")
                    worker.start().wait_ready()
                finally:
                    os.chdir(home)
                assert worker.process is not None
                try:
                    maps = Path(f"/proc/{worker.process.pid}/maps").read_text()
                    if ("_compiled__mypyc" in maps) != (side == "compiled"):
                        raise RuntimeError(f"the {side} worker does not run {side}")
                    before = _cpu_seconds(worker.process.pid)
                    produce(bootstrap, topics.inbound("politie"), inputs)
                    url = f"http://127.0.0.1:{port}/metrics"
                    while total(scrape(url), "ketenstroom_records_in_total") < len(inputs):
                        time.sleep(0.2)
                    used = _cpu_seconds(worker.process.pid) - before
                finally:
                    worker.stop()
                per_round[side].append(used / len(inputs) * 1e6)
    return _medians(per_round, "cpu_us_per_signal", signals, rounds)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_compiled(signals: int = 2000, rounds: int = 8) -> dict[str, Any]:
    """For ``make bench``: route()'s CPU per signal compiled and interpreted (or why not)."""
    from pipeline import compiled

    found = compiled.status()
    if not found.compiled:
        return {"skipped": found.reason, "summary": f"not measured: {found.reason}"}
    with pure_copy() as pure:
        measured = route_rounds(signals, rounds, pure)
    us = measured["us_per_signal"]
    measured["summary"] = (
        f"route() {us['compiled']:,.0f} µs per signal compiled, {us['interpreted']:,.0f} "
        f"interpreted ({measured['ratio']:.2f}x)"
    )
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=2000, help="signals per route() round")
    parser.add_argument("--rounds", type=int, default=8, help="alternating rounds")
    parser.add_argument("--callgrind", type=int, default=0, help="signals under callgrind")
    parser.add_argument("--worker", type=int, default=0, help="signals per worker round")
    parser.add_argument("--child-rounds", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-callgrind", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rounds:
        return child_rounds(args.child_rounds)
    if args.child_callgrind:
        return child_callgrind(args.child_callgrind)

    from pipeline import compiled

    found = compiled.status()
    if not found.compiled:
        raise SystemExit(f"no compiled core to compare ({found.reason})")
    results: dict[str, Any] = {"modules": sorted(found.modules)}
    with pure_copy() as pure:
        results["route"] = route_rounds(args.signals, args.rounds, pure)
        print(json.dumps(results["route"], indent=1), flush=True)
        if args.callgrind:
            results["callgrind"] = {}
            for side in SIDES:
                out = Path(tempfile.gettempdir()) / f"callgrind.{side}.out"
                results["callgrind"][side] = callgrind(args.callgrind, side, pure, out)
                print(side, json.dumps(results["callgrind"][side], indent=1), flush=True)
            sides = results["callgrind"]
            results["callgrind"]["ratio"] = (
                sides["compiled"]["instructions_per_signal"]
                / sides["interpreted"]["instructions_per_signal"]
            )
        if args.worker:
            results["worker"] = worker_rounds(args.worker, max(2, args.rounds // 2), pure)
            print(json.dumps(results["worker"], indent=1), flush=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written: {RESULTS.name}")


if __name__ == "__main__":
    main()
