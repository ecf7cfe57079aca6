"""What the officer's, FG's and herleiders' commands share: their language, their help pages,
and every user error as one line in that language with its exit code (3 for the broker, 1 for
anything else).

Help pages are built when the command tree is built (typer reads every ``help=`` at import), so
the language of the help is chosen once, before the apps are defined: Dutch unless
KETENSTROOM_TAAL or the locale says English (``HELP_LANGUAGE``). ``OfficerCommand`` and
``OfficerGroup`` also say typer's own words (usage, panel titles, defaults) in that language
(typer carries its own copy of click, so the click types are not named here).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import typer
from rich.markup import escape
from typer import rich_utils
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from pipeline.cli.exit_codes import Exit
from pipeline.cli.output import errors
from pipeline.errors import BrokerError, KetenstroomError
from pipeline.language import Language, Text, officer_language, use
from pipeline.messages import help as help_msg
from pipeline.messages import tools as tools_msg
from pipeline.settings import Settings, load_settings

#: The language of the officer's help pages, fixed when the command tree is built.
HELP_LANGUAGE: Language = officer_language(os.environ.get("KETENSTROOM_TAAL"), os.environ)


def said(text: Text) -> str:
    """A help text in the language of the officer's help pages."""
    return text.render(HELP_LANGUAGE)


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


#: typer's own words on a help page (module constants it reads while printing one).
_FRAMING = {
    "ARGUMENTS_PANEL_TITLE": help_msg.arguments_panel(),
    "OPTIONS_PANEL_TITLE": help_msg.options_panel(),
    "COMMANDS_PANEL_TITLE": help_msg.commands_panel(),
    "DEFAULT_STRING": help_msg.default_value(),
    "REQUIRED_LONG_STRING": help_msg.required(),
}


@contextlib.contextmanager
def _framing() -> Iterator[None]:
    """typer's words in the help language while one officer's help page prints."""
    saved = {name: getattr(rich_utils, name) for name in _FRAMING}
    try:
        for name, text in _FRAMING.items():
            setattr(rich_utils, name, said(text))
        yield
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)


def _shown_as(word: str) -> Any:
    """A stand-in for typer's ``display_type_rich``: the kind of value, in the help language."""
    return lambda ctx: word


def _usage(text: str) -> str:
    return text.replace("Usage:", said(help_msg.usage()), 1)


class OfficerCommand(TyperCommand):
    """A command whose help page is entirely in the officer's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = said(help_msg.options_metavar())
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.metavar is not None:
                continue
            if isinstance(param, TyperArgument):
                param.metavar = said(help_msg.argument_name(param.name or ""))
                kind = help_msg.value_kind(param.bare_type())
                if kind is not None:  # typer shows an argument's Python type otherwise
                    param.display_type_rich = _shown_as(said(kind))  # type: ignore[method-assign]
            elif isinstance(param, TyperOption) and param.is_flag:
                param.metavar = ""  # a flag takes no value: no type to show
            elif isinstance(param, TyperOption):
                kind = help_msg.value_kind(param.bare_type())
                param.metavar = said(kind) if kind is not None else None

    def get_help_option(self, ctx: Any) -> Any:
        """The -h/--help option, explained in the officer's language."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = said(help_msg.help_option())
            option.metavar = ""  # a flag: no type to show
        return option

    def get_usage(self, ctx: Any) -> str:
        """The usage line, in the officer's language."""
        return _usage(super().get_usage(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help page, typer's own words included, in the officer's language."""
        with _framing():
            super().format_help(ctx, formatter)


class OfficerGroup(TyperGroup):
    """A group of officer's commands whose help page is in the officer's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = said(help_msg.options_metavar())
        kwargs["subcommand_metavar"] = said(help_msg.subcommand_metavar())
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: Any) -> Any:
        """The -h/--help option, explained in the officer's language."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = said(help_msg.help_option())
            option.metavar = ""  # a flag: no type to show
        return option

    def get_usage(self, ctx: Any) -> str:
        """The usage line, in the officer's language."""
        return _usage(super().get_usage(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help page, typer's own words included, in the officer's language."""
        with _framing():
            super().format_help(ctx, formatter)


def officer_app(text: Text) -> typer.Typer:
    """A typer app for officer's commands: help in the officer's language."""
    return typer.Typer(help=said(text), no_args_is_help=True, cls=OfficerGroup)
