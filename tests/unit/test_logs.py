"""How a worker logs (pipeline/ops/logs.py) and what its probe endpoints answer
(pipeline/app/endpoints.py), without a broker; tests/integration/test_probes.py runs them in a
real worker on a real broker."""

from __future__ import annotations

import io
import json
import logging
import threading
import urllib.error
import urllib.request

import pytest

from pipeline.app.endpoints import ProbeServer
from pipeline.ops.health import Health
from pipeline.ops.logs import RepeatFilter, configure_logging
from pipeline.ops.metrics import RouterMetrics


@pytest.fixture
def restore_logging():
    """configure_logging changes the process's logging: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = threading.excepthook
    levels = {n: logging.getLogger(n).level for n in ("ketenstroom", "aiokafka", "faust", "mode")}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    threading.excepthook = hooks
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_json_logs_are_one_object_per_line_with_level_logger_message_and_trace(restore_logging):
    out = io.StringIO()
    configure_logging("info", "json", out)
    logging.getLogger("ketenstroom.worker").info("router worker ready in %.1f s", 7.25)
    logging.getLogger("ketenstroom.router").info(
        "dead letter: %s", "invalid_record", extra={"trace_id": "4bf9" * 8, "span_id": "00f0" * 4}
    )
    try:
        raise ValueError("a\nmultiline\nproblem")
    except ValueError:
        logging.getLogger("ketenstroom.router").exception("batch failed")
    logging.getLogger("aiokafka").info("routine chatter of a library")  # below WARNING: not shown
    logging.getLogger("pipeline.app.transport").info("[^-RouterApp]: Starting...")  # Faust's
    logging.getLogger("aiokafka").error("Unable connect to node with id %s", 111)
    lines = out.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert [(r["level"], r["logger"]) for r in records] == [
        ("INFO", "ketenstroom.worker"),
        ("INFO", "ketenstroom.router"),
        ("ERROR", "ketenstroom.router"),
        ("ERROR", "aiokafka"),
    ]
    assert records[0]["message"] == "router worker ready in 7.2 s" and "time" in records[0]
    assert (records[1]["trace_id"], records[1]["span_id"]) == ("4bf9" * 8, "00f0" * 4)
    assert "ValueError" in records[2]["exc_info"]
    assert records[3]["message"] == "Unable connect to node with id 111"


def test_text_logs_and_debug_let_the_libraries_speak(restore_logging):
    out = io.StringIO()
    configure_logging("debug", "text", out)
    logging.getLogger("aiokafka").debug("fetch request")
    assert "DEBUG aiokafka: fetch request" in out.getvalue()
    with pytest.raises(ValueError):
        configure_logging("loud", "text", out)


def test_an_uncaught_exception_in_a_thread_is_a_log_record(restore_logging):
    out = io.StringIO()
    configure_logging("info", "json", out)

    def fail() -> None:
        raise RuntimeError("the fetcher was cancelled")

    thread = threading.Thread(target=fail, name="consumer-thread")
    thread.start()
    thread.join()
    (record,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert record["message"] == "uncaught exception in thread consumer-thread"
    assert "the fetcher was cancelled" in record["exc_info"]


def test_a_repeated_message_is_written_once_per_window_with_how_many_were_left_out():
    now = [0.0]
    repeats = RepeatFilter(window=30, clock=lambda: now[0])

    def record(message: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, message, args, None)

    refused = "Unable connect to node with id %s: %s"
    assert repeats.filter(record(refused, 111, "refused"))
    passed = []
    for step in range(1, 300):  # ten a second for 30 s: connection errors of a broker gone
        now[0] = step / 10
        passed.append(repeats.filter(record(refused, 111, "refused")))
    assert not any(passed)
    assert repeats.filter(record("Unable to update metadata from %s", [111]))  # another message
    now[0] = 30.0
    summary = record(refused, 111, "refused")
    assert repeats.filter(summary)
    assert summary.getMessage().endswith("(299 more like this in the last 30 s)")
    assert summary.repeated == 299  # type: ignore[attr-defined]
    now[0] = 31.0
    assert not repeats.filter(record(refused, 111, "refused"))
    # ketenstroom's own lines each report an event: never left out
    refusal = logging.LogRecord(
        "ketenstroom.covenants", logging.ERROR, __file__, 1, "bundle refused: %s", ("v1",), None
    )
    assert all(repeats.filter(refusal) for _ in range(5))
    librdkafka = logging.LogRecord(
        "ketenstroom.librdkafka", logging.ERROR, __file__, 1, "FAIL %s", ("refused",), None
    )
    assert repeats.filter(librdkafka) and not repeats.filter(librdkafka)  # a library's


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_probes_answer_503_until_ready_and_200_after():
    health = Health(stuck_after=10)
    server = ProbeServer(RouterMetrics(["politie"], ["om"]), health, "127.0.0.1", 0).start()
    try:
        port = server.port
        assert _get(port, "/health/live")[0] == 200  # from the first moment
        for path in ("/health", "/health/ready", "/health/started"):
            status, body = _get(port, path)
            assert status == 503 and json.loads(body)["ready"] is False
        health.event_ids_loaded = True
        health.broker_answered()
        health.tick(partitions=1)
        for path in ("/health", "/health/ready", "/health/started", "/health/live"):
            assert _get(port, path)[0] == 200, path
        health.broker_failed("timed out")
        assert _get(port, "/health/ready")[0] == 503
        assert _get(port, "/health/started")[0] == 200  # a startup probe never fails again
        status, text = _get(port, "/metrics")
        assert status == 200 and "ketenstroom_records_in_total" in text
        assert _get(port, "/nothing")[0] == 404
        with pytest.raises(OSError):  # the port is taken: the worker says so and stops
            ProbeServer(RouterMetrics(), health, "127.0.0.1", port)
    finally:
        server.stop()
