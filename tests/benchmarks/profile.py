"""Where one worker's time goes: py-spy samples a router worker while it routes a backlog.

    python -m tests.benchmarks.profile [signals]     # default 20,000 politie signals

Outside ``make bench`` (py-spy attaches to the worker process: it needs ptrace, which a
container may not allow). The worker starts on a fresh embedded broker and is consuming before
the signals arrive, so start-up is not sampled; py-spy samples it (100 Hz, idle frames left out)
until the last log record is there. Prints the share of samples per part of the work and the
functions that hold the most samples themselves; writes the collapsed stacks next to
bench-results.json (``profile-stacks.txt``) for a flame graph.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pipeline import topics
from pipeline.app.worker import load_policy
from pipeline.demo import with_dev_keys
from pipeline.settings import Settings
from tests.benchmarks.cluster import fresh_cluster, ready_workers
from tests.benchmarks.run import ROOT, make_inputs
from tests.benchmarks.throughput import count, produce

PY_SPY = Path(sys.executable).with_name("py-spy")
STACKS = ROOT / "profile-stacks.txt"

#: Parts of a worker's work, by a function on the sampled stack (the first that matches wins).
PARTS = (
    ("encrypting fields (HPKE, ENC2)", ("encryption.py",)),
    ("pseudonyms and references (AES-SIV, HMAC)", ("pseudonyms.py", "references.py")),
    ("rendering views (projectors, generated encoders)", ("views.py", "projector", "generated")),
    ("the disclosure log lines", ("disclosure.py", "split.py")),
    ("decoding and validating signals", ("framing.py", "validation.py", "fastavro")),
    ("the rest of route()", ("router/core.py",)),
    ("statistics facts", ("statistics/",)),
    ("event-id index and claims (SQLite, claims reader)", ("event_index.py", "claims_reader.py")),
    ("producing outputs (librdkafka)", ("output_producer.py",)),
    ("consuming (librdkafka, wire reader)", ("inbound.py", "wire_reader.py", "fetch_guard.py")),
    ("metrics", ("metrics.py", "prometheus")),
    # compiled (pipeline/compiled): route() and everything it calls in C is one frame to
    # py-spy, its caller's; an interpreted install (KETENSTROOM_COMPILE=0) shows the parts above
    ("the compiled core (route(), seen as one frame)", ("batch_routing.py",)),
    ("Faust, mode, aiokafka", ("faust/", "mode/", "aiokafka")),
    ("asyncio loop", ("asyncio/",)),
)


def part_of(stack: str) -> str:
    """The part of the work a collapsed stack (outermost first) belongs to: its innermost
    match, so routing inside Faust's agent counts as routing."""
    frames = stack.split(";")
    for frame in reversed(frames):
        for name, needles in PARTS:
            if any(n in frame for n in needles):
                return name
    return "other"


def summarise(collapsed: str) -> tuple[Counter[str], Counter[str], int]:
    """Samples per part, samples per innermost function, and the total."""
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        n = int(samples)
        total += n
        parts[part_of(stack)] += n
        own[stack.split(";")[-1]] += n
    return parts, own, total


def main() -> None:
    signals = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        _, policy = load_policy(with_dev_keys(Settings(), workdir))
        inputs, logs = make_inputs(policy, signals)
        with (
            fresh_cluster(workdir) as (bootstrap, settings, _),
            ready_workers(settings, workdir, 1, "profiled") as (worker,),
        ):
            assert worker.process is not None
            raw = workdir / "stacks.txt"
            command = [PY_SPY, "record", "--pid", str(worker.process.pid), "--rate", "100"]
            command += ["--format", "raw", "--output", str(raw), "--nonblocking"]
            spy = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(1.0)  # py-spy attached
            produce(bootstrap, topics.inbound("politie"), inputs)
            seconds = count(bootstrap, topics.DISCLOSURE_LOG, logs, lambda: worker.alive)
            spy.send_signal(signal.SIGINT)
            _, errors = spy.communicate(timeout=60)
            if not raw.exists():
                raise SystemExit(f"py-spy wrote nothing: {errors.decode(errors='replace')}")
            collapsed = raw.read_text()
    STACKS.write_text(collapsed)
    parts, own, total = summarise(collapsed)
    print(
        f"{signals} signals in {seconds:.1f} s ({(signals - 1) / seconds:,.0f}/s), {total} samples"
    )
    for name, n in parts.most_common():
        print(f"{100 * n / total:5.1f}%  {name}")
    print("\nmost samples in the function itself:")
    for frame, n in own.most_common(15):
        print(f"{100 * n / total:5.1f}%  {frame}")
    print(f"\ncollapsed stacks: {STACKS.name}")


if __name__ == "__main__":
    main()
