"""What the FG's and herleiders' commands share: the officer's language, and every user error
as one line in it with its exit code (3 for the broker, 1 for anything else)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import typer
from rich.markup import escape

from pipeline.cli.exit_codes import Exit
from pipeline.cli.output import errors
from pipeline.errors import BrokerError, KetenstroomError
from pipeline.language import officer_language, use
from pipeline.messages import tools as tools_msg
from pipeline.settings import Settings, load_settings


def officer_settings() -> Settings:
    """The settings, with the officer's language (Dutch unless asked otherwise) in force."""
    settings = load_settings()
    use(officer_language(settings.taal, os.environ))
    return settings


@contextlib.contextmanager
def reporting() -> Iterator[None]:
    """A refusal or user error as one line in the officer's language; exit 3 when Kafka is the
    cause, else 1."""
    try:
        yield
    except KetenstroomError as exc:
        errors.print(f"[red]{tools_msg.error_label()}:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(Exit.BROKER if isinstance(exc, BrokerError) else Exit.INVALID) from exc
