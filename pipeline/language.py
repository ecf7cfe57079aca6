"""Which language a message is shown in: Dutch for privacy officers, English for operators.

A message is a ``Text`` with both renderings side by side (see ``pipeline/messages/``); it
becomes a string in the language in force where it is shown. Library code speaks English
(worker logs are read by operators); the officer's commands (``convenant``, ``keys
ondertekening``) switch to Dutch unless ``KETENSTROOM_TAAL`` or the locale says English.
The language in force is a context variable, so a worker thread or a test can speak its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    """The languages messages are written in."""

    NL = "nl"
    EN = "en"


_current: ContextVar[Language] = ContextVar("ketenstroom_language", default=Language.EN)


def current() -> Language:
    """The language messages are rendered in here and now."""
    return _current.get()


@contextlib.contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Render messages in ``language`` inside the block."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def use(language: Language) -> None:
    """Render messages in ``language`` from now on (for a command's whole run)."""
    _current.set(language)


#: Locale variables in the order POSIX consults them for messages.
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def officer_language(setting: str | None, environ: Mapping[str, str]) -> Language:
    """Dutch, unless the setting (``KETENSTROOM_TAAL``) or else the locale asks for English."""
    if setting:
        return Language.EN if setting.lower().startswith("en") else Language.NL
    for name in _LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return Language.EN if value.lower().startswith("en") else Language.NL
    return Language.NL


@dataclass(frozen=True)
class Text:
    """One message in Dutch and in English; ``str()`` gives the language in force."""

    nl: str
    en: str

    def __str__(self) -> str:
        return self.nl if current() is Language.NL else self.en

    def __add__(self, other: Text) -> Text:
        return Text(self.nl + other.nl, self.en + other.en)

    def render(self, language: Language) -> str:
        """The message in ``language``."""
        return self.nl if language is Language.NL else self.en


def join(texts: list[Text], separator: str = "; ") -> Text:
    """Texts joined with one separator in both languages."""
    return Text(separator.join(t.nl for t in texts), separator.join(t.en for t in texts))


EMPTY = Text("", "")
