"""How a worker logs: plain text lines or one JSON object per line, library chatter kept down.

``KETENSTROOM_LOG_FORMAT=json`` writes every record as one JSON object on one line (python-json-
logger): ``time``, ``level``, ``logger``, ``message``, and ``trace_id``/``span_id`` (and any
other field) a log call passes in ``extra``; an exception's traceback is a field, never extra
lines. ``text`` (the default) writes ``time level logger: message``.

ketenstroom's own loggers log at the level asked for (INFO by default: one line when the worker
is ready, one when it stopped, and what an operator acts on). Faust, mode, aiokafka and
librdkafka (confluent-kafka's ``logger`` property: its ``%3|...|FAIL|`` lines become records
of ``ketenstroom.librdkafka``) log WARNING and above only, unless DEBUG is asked for. A library's
message that repeats (a broker that refuses every connection makes aiokafka and librdkafka say
the same thing many times a second) is written once per ``REPEAT_WINDOW_S`` per logger and
template, with how many were left out since.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from pipeline.broker.connection import LIBRDKAFKA_LOGGER

LogFormat = Literal["text", "json"]

#: The loggers of the libraries a worker runs on: WARNING and above unless DEBUG is asked for.
LIBRARIES = ("faust", "mode", "aiokafka", "kafka", "aiohttp", "asyncio")
#: A repeated message is written at most once per this many seconds (per logger and template).
REPEAT_WINDOW_S = 30.0

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RepeatFilter(logging.Filter):
    """Lets a library's message through once per ``window`` seconds per (logger, level,
    template); the next one let through says how many were left out meanwhile. ketenstroom's
    own lines always pass: each says something happened (a refused covenant bundle, a dead
    letter), and its own "the broker does not answer" is written once per change already."""

    def __init__(
        self, window: float = REPEAT_WINDOW_S, clock: Callable[[], float] = time.monotonic
    ):
        super().__init__()
        self.window = window
        self._clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """True to write ``record`` (perhaps with a count of those left out), False to drop it."""
        if record.name.startswith("ketenstroom.") and record.name != LIBRDKAFKA_LOGGER:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        last = self._seen.get(key)
        if last is not None and now - last[0] < self.window:
            self._seen[key] = (last[0], last[1] + 1)
            return False
        self._seen[key] = (now, 0)
        if last is not None and last[1]:
            record.repeated = last[1]  # a field of its own in JSON
            if not isinstance(record.msg, str):
                record.msg = str(record.msg)
            record.msg += f" ({last[1]} more like this in the last {now - last[0]:.0f} s)"
        if len(self._seen) > 10_000:  # templates are few; this bounds a pathological logger
            self._seen.clear()
        return True


def formatter(form: LogFormat) -> logging.Formatter:
    """The formatter of one format: text, or one JSON object per line."""
    if form == "json":
        return JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(
    level: str | int = "info", form: LogFormat = "text", stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record of this process to ``stream`` (stderr) in ``form``: ketenstroom's
    at ``level``, the libraries' at WARNING or above (at ``level`` when that is DEBUG), repeats
    rate-limited. Returns the handler (replacing any the root logger had)."""
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(form))
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    # every logger but ketenstroom's is a library's (mode names Faust's services' loggers after
    # their modules, some of them ours): those at WARNING and above, unless DEBUG is asked for
    libraries = numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    root.setLevel(libraries)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(libraries)
    logging.getLogger("ketenstroom").setLevel(numeric)
    logging.getLogger(LIBRDKAFKA_LOGGER).setLevel(libraries)
    logging.captureWarnings(True)
    # an exception nobody caught, in any thread, is a log record too (one JSON line), not a
    # traceback printed beside the log
    uncaught = logging.getLogger("ketenstroom.uncaught")
    threading.excepthook = lambda args: uncaught.error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
    )
    sys.excepthook = lambda kind, value, tb: uncaught.critical(
        "uncaught exception", exc_info=(kind, value, tb)
    )
    return handler
