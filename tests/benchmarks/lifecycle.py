"""How long a router worker takes to start and to stop, with the broker up and down: the numbers
the Kubernetes probes and terminationGracePeriodSeconds are set from (deploy/README.md).

    python -m tests.benchmarks.lifecycle [RUNS]

Per run, on a fresh embedded broker, one worker with the production timings (Settings'
defaults; the embedded broker makes a group join wait half the session timeout, as Kafka's
initial rebalance delay does): seconds from the process start until /health/live answers, until
it is ready, and from SIGTERM until it exited, for a first start and a restart; then a worker
whose broker stops answering (paused with SIGSTOP, then resumed) and one whose broker is gone
(killed): how soon readiness turns 503, what liveness says, the lines and bytes it logged
meanwhile, and how long its stop takes; last, a worker started while no broker runs. The logs of
the last run stay in <tmp>/ketenstroom-lifecycle-logs/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from signal import SIGCONT, SIGSTOP
from typing import Any

from pipeline.app.process import WorkerProcess
from pipeline.app.worker import load_policy, prepare_cluster
from pipeline.broker.embedded import EmbeddedBroker, free_port
from pipeline.demo import with_dev_keys
from pipeline.settings import Settings
from tests.helpers import probe_status

#: How long to watch the worker with the broker gone before stopping it.
BROKER_DOWN_S = 20.0


def until(predicate: Any, timeout: float) -> float | None:
    """Seconds until ``predicate()`` held, or None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def stop_seconds(worker: WorkerProcess, timeout: float = 180.0) -> tuple[float, int | None]:
    """SIGTERM, then seconds until the process exited, and its exit status."""
    process = worker.process
    assert process is not None
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    worker.process = None
    return time.monotonic() - started, code


def one_run(workdir: Path) -> dict[str, Any]:
    """Start and stop workers on one fresh broker; every figure in seconds from the process's
    start (or from SIGTERM)."""
    result: dict[str, Any] = {}
    with EmbeddedBroker() as broker:
        settings = with_dev_keys(
            Settings(
                broker="external",
                bootstrap_servers=broker.bootstrap_servers,
                state_dir=workdir / "state",
            ),
            workdir,
        )
        registry, policy = load_policy(settings)
        prepare_cluster(settings, broker.bootstrap_servers, registry, policy)
        for name in ("up", "again"):  # the second start finds the index its predecessor left
            port = free_port()
            began = time.monotonic()
            worker = WorkerProcess(
                settings.model_copy(update={"metrics_port": port}), workdir / f"{name}.log"
            ).start()
            until(lambda p=port: probe_status(p, "/health/live") is not None, 120)
            result[f"{name}_http_s"] = time.monotonic() - began
            until(lambda p=port: probe_status(p, "/health/ready") == 200, 120)
            result[f"{name}_ready_s"] = time.monotonic() - began
            result[f"{name}_stop_s"], result[f"{name}_stop_exit"] = stop_seconds(worker)
        assert broker.pid is not None
        result |= _broker_away(settings, workdir, "paused", lambda: os.kill(broker.pid, SIGSTOP))
        os.kill(broker.pid, SIGCONT)
        result |= _broker_away(settings, workdir, "killed", broker.stop)

    port = free_port()
    began = time.monotonic()
    worker = WorkerProcess(
        settings.model_copy(update={"metrics_port": port}), workdir / "nobroker.log"
    ).start()
    if until(lambda: probe_status(port, "/health/live") is not None, 30) is not None:
        result["no_broker_http_s"] = time.monotonic() - began
    result["no_broker_ready"] = probe_status(port, "/health/ready")
    exited = until(lambda: not worker.alive, 60)
    if exited is None:
        result["no_broker_stop_s"], result["no_broker_exit"] = stop_seconds(worker)
    else:
        result["no_broker_exit_after_s"] = time.monotonic() - began
        result["no_broker_exit"] = worker.process.returncode if worker.process else None
    return result


def _broker_away(
    settings: Settings, workdir: Path, how: str, away: Callable[[], object]
) -> dict[str, Any]:
    """A ready worker, then the broker ``away()``: seconds until readiness is 503, what
    liveness says after BROKER_DOWN_S, what the worker logged meanwhile, and its stop."""
    port = free_port()
    log = workdir / f"{how}.log"
    worker = WorkerProcess(settings.model_copy(update={"metrics_port": port}), log).start()
    until(lambda: probe_status(port, "/health/ready") == 200, 120)
    before = log.stat().st_size, len(log.read_text(errors="replace").splitlines())
    away()
    gone = time.monotonic()
    result: dict[str, Any] = {
        f"{how}_unready_s": until(lambda: probe_status(port, "/health/ready") == 503, BROKER_DOWN_S)
    }
    time.sleep(max(0.0, BROKER_DOWN_S - (time.monotonic() - gone)))
    result[f"{how}_live"] = probe_status(port, "/health/live")
    text = log.read_text(errors="replace")
    result[f"{how}_log_lines"] = len(text.splitlines()) - before[1]
    result[f"{how}_log_bytes"] = log.stat().st_size - before[0]
    result[f"{how}_stop_s"], result[f"{how}_stop_exit"] = stop_seconds(worker)
    return result


def main() -> None:
    """Print every run's figures and the medians as JSON."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    results = []
    kept = Path(tempfile.gettempdir()) / "ketenstroom-lifecycle-logs"
    kept.mkdir(exist_ok=True)
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="ketenstroom-lifecycle-") as workdir:
            results.append(one_run(Path(workdir)))
            for log in Path(workdir).glob("*.log"):
                shutil.copy(log, kept / log.name)  # the last run's logs, to read afterwards
        print(json.dumps(results[-1]), flush=True)
    medians = {
        key: statistics.median(r[key] for r in results if isinstance(r.get(key), float))
        for key in results[0]
        if any(isinstance(r.get(key), float) for r in results)
    }
    print(json.dumps({"medians": medians}, indent=1))


if __name__ == "__main__":
    main()
