"""The exit codes of every ketenstroom command: one table, documented in docs/operations.md.

Usage errors and alerts are distinct, so a script can tell "I called it wrong" from "what it
checked is not well": ``ketenstroom lag || page-someone`` pages on any failure, and
``[ $? -eq 4 ]`` tells an alert.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """Why a command ended (MEANING says it in words)."""

    OK = 0
    INVALID = 1
    USAGE = 2
    BROKER = 3
    ALERT = 4
    INTERNAL = 70
    INTERRUPTED = 130


MEANING = {
    Exit.OK: "done",
    Exit.INVALID: "invalid input, files or settings (a signal that fails validation, a covenant "
    "with an error, a missing file, an unknown partner id); nothing was sent",
    Exit.USAGE: "the command line: an unknown option or a missing argument",
    Exit.BROKER: "Kafka unreachable, refused the request (authorization) or did not "
    "acknowledge a write",
    Exit.ALERT: "what the command checked is not well: a consumer group in ERR, a topic that "
    "keeps records for less time than the covenants require",
    Exit.INTERNAL: "a worker stopped in the middle of a batch; nothing was committed, start it "
    "again",
    Exit.INTERRUPTED: "interrupted (Ctrl-C)",
}


def markdown_table() -> str:
    """The table as docs/operations.md shows it (a test keeps the two equal)."""
    rows = [f"| {code.value} | {MEANING[code]} |" for code in Exit]
    return "\n".join(["| exit | meaning |", "| --- | --- |", *rows])
