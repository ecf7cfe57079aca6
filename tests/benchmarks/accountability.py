"""The FG's reports read the whole log in bounded memory, measured (not part of make test).

Fills the disclosure log of a fresh embedded broker with N real log lines (the lines route()
writes for one signal, copied with new event ids, spans and subjects), then runs `verantwoording
inzage`, `overzicht` and `export` as the FG would, each as its own process, and reports its
peak RSS and time. Run with two sizes: if memory is bounded, the peak does not grow with N.

    python -m tests.benchmarks.accountability            # LOG_LINES=50000,200000 by default

The machine may be shared: read the times as rough, the memory as the point.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SIZES = tuple(int(n) for n in os.environ.get("LOG_LINES", "50000,200000").split(","))
ROOT = Path(__file__).resolve().parents[2]


def _fill(settings, policy, count: int) -> None:  # type: ignore[no-untyped-def]
    from kafka import KafkaProducer

    from pipeline import topics
    from pipeline.broker.connection import client_config
    from pipeline.codec.framing import decode, encode
    from pipeline.covenant.compiler import LOG_SCHEMA
    from pipeline.router.core import route
    from pipeline.synthetic.generator import SignalFactory
    from tests.helpers import in_utrecht, inbound, signal_bytes

    now = dt.datetime.now(dt.UTC)
    document = in_utrecht(SignalFactory(seed=1, now=now).make("politie", "Signaal").document)
    _, raw = signal_bytes(policy.store, document, "politie", now)
    lines = [
        decode(o.value, policy.store)[1] for o in route(inbound("politie", raw), policy, now).log
    ]
    entry = policy.store.current(LOG_SCHEMA)
    producer = KafkaProducer(
        **client_config(settings, settings.require_bootstrap()), acks=1, linger_ms=20
    )
    for n in range(count):
        line = dict(lines[n % len(lines)])
        line.update(
            event_id=str(uuid.uuid4()),
            span_id=f"{n:016x}",
            data_subject_id=f"PS1.k1.verantwoording.bsn.{n}",
        )
        producer.send(
            topics.DISCLOSURE_LOG, key=line["event_id"].encode(), value=encode(entry, line)
        )
    producer.flush()
    producer.close()


#: Runs one command as a child and prints that child's own peak RSS (KiB) on its last line.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "print(done.stderr[-2000:] if done.returncode else '')\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def _run(env: dict[str, str], *args: str) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one CLI run in a process of its own."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "pipeline", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    return time.monotonic() - started, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    """Fill, run, print one line per (size, command)."""
    from pipeline.app.process import settings_env
    from pipeline.app.worker import prepare_cluster
    from pipeline.broker.embedded import EmbeddedBroker
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.compiler import compile_policy
    from pipeline.covenant.loader import load_covenants
    from pipeline.privacy.keyring import extract, generate_keys, write_secret_file
    from pipeline.registry import load_registry
    from pipeline.settings import Settings

    registry = load_registry(ROOT / "convenanten")
    keyring, _ = generate_keys(registry.ids)
    policy = compile_policy(
        load_covenants(ROOT / "convenanten"), registry, load_store(ROOT / "schemas"), keyring
    )
    print("lines     command     seconds  peak RSS (MiB)")
    for size in SIZES:
        with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as tmp:
            fg = Path(tmp) / "fg.json"
            write_secret_file(fg, extract(keyring, "verantwoording"))
            settings = Settings(broker="external", bootstrap_servers=broker.bootstrap_servers)
            prepare_cluster(settings, broker.bootstrap_servers, registry, policy)
            _fill(settings, policy, size)
            env = {**os.environ, **settings_env(settings)}
            for name, args in (
                (
                    "inzage",
                    (
                        "verantwoording",
                        "inzage",
                        "--bsn",
                        "111222333",
                        "--json",
                        "--sleutels",
                        str(fg),
                    ),
                ),
                (
                    "overzicht",
                    ("verantwoording", "overzicht", "--convenant", "midden-nederland", "--json"),
                ),
                ("export", ("verantwoording", "export", "--uit", str(Path(tmp) / "log.jsonl"))),
            ):
                seconds, peak = _run(env, *args)
                print(f"{size:<9} {name:<11} {seconds:7.1f}  {peak:8.0f}")


if __name__ == "__main__":
    main()
