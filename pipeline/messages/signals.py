"""Why a signal (a partner's JSON, or an officer's example) is refused, in the language in force:
English in the router and the partner client, Dutch in the officer's `convenant test`.

The texts never echo a personal value: only field names, fixed lists and the schema's words.
"""

from __future__ import annotations

from pipeline.language import Text

_KINDS = {
    "boolean": ("true of false", "true or false"),
    "int": ("een geheel getal", "a whole number"),
    "long": ("een geheel getal", "a whole number"),
    "float": ("een getal", "a number"),
    "double": ("een getal", "a number"),
    "string": ("tekst", "text"),
    "bytes": ("tekst", "text"),
    "null": ("niets (null)", "null"),
}
_GIVEN = {
    "bool": ("true/false", "a boolean"),
    "int": ("een getal", "a number"),
    "float": ("een getal", "a number"),
    "str": ("tekst", "text"),
    "list": ("een lijst", "a list"),
    "dict": ("een blok", "an object"),
    "NoneType": ("niets", "nothing"),
}


def _kind(name: str) -> tuple[str, str]:
    return _KINDS.get(name, (name, name))


def time_zone(path: str) -> Text:
    """A timestamp without a zone."""
    return Text(
        f"{path}: geef een tijdzone, bijvoorbeeld 2024-03-01T12:00:00+01:00 of Z",
        f"{path}: give a time zone, e.g. 2024-03-01T12:00:00+01:00 or Z",
    )


def not_a_symbol(path: str, value: object, symbols: list[str]) -> Text:
    """An enum value the schema does not know."""
    return Text(
        f"{path}: {value!r} kan niet; kies uit {', '.join(symbols)}",
        f"{path}: {value!r} is not one of {', '.join(symbols)}",
    )


def expected_list(path: str) -> Text:
    """A list was expected."""
    return Text(f"{path}: hier hoort een lijst", f"{path}: expected a list")


def expected_object(path: str) -> Text:
    """An object (a block) was expected."""
    return Text(f"{path}: hier hoort een blok met velden", f"{path}: expected an object")


def unknown_fields(path: str, unknown: list[str], known: list[str]) -> Text:
    """Fields the schema does not have."""
    return Text(
        f"{path}: onbekend veld {', '.join(unknown)}; bekend: {', '.join(known)}",
        f"{path}: unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}",
    )


def missing_field(path: str) -> Text:
    """A required field without a value."""
    return Text(f"{path}: dit veld is verplicht", f"{path}: required field is missing")


def not_null(path: str) -> Text:
    """null where the field must have a value."""
    return Text(f"{path}: mag niet leeg (null) zijn", f"{path}: may not be null")


def unsupported(path: str, name: str) -> Text:
    """A schema type the JSON input does not handle."""
    return Text(
        f"{path}: schematype {name} wordt niet ondersteund",
        f"{path}: unsupported schema type {name}",
    )


def wrong_kind(path: str, expected: str, given: str) -> Text:
    """A value of the wrong kind (text for a number, ...)."""
    want_nl, _ = _kind(expected)
    got_nl, _ = _GIVEN.get(given, (given, given))
    return Text(
        f"{path}: hier hoort {want_nl}, niet {got_nl}",
        f"{path}: expected {expected}, got {'a boolean' if given == 'bool' else given}",
    )


def not_parsed(path: str, expected: Text, value: object | None) -> Text:
    """A date, time or id that cannot be read."""
    shown_nl = f", niet {value!r}" if value is not None else ""
    shown_en = f", got {value!r}" if value is not None else ""
    return Text(
        f"{path}: hier hoort {expected.nl}{shown_nl}", f"{path}: expected {expected.en}{shown_en}"
    )


def a_date() -> Text:
    """What a date looks like."""
    return Text("een datum als 2024-03-01", "a date like 2024-03-01")


def a_time() -> Text:
    """What a timestamp looks like."""
    return Text("een tijdstip als 2024-03-01T12:00:00Z", "a time like 2024-03-01T12:00:00Z")


def a_uuid() -> Text:
    """What a UUID looks like."""
    return Text("een UUID", "a UUID")


def signal_is_object() -> Text:
    """The document is not an object."""
    return Text("een signaal is een blok met velden", "a signal is a JSON object")


def which_type(types: list[str]) -> Text:
    """No (known) signal type given."""
    return Text(
        f"zeg welk signaaltype dit is (envelope.event_type): een van {', '.join(types)}",
        f"say which signal type this is (--type or envelope.event_type): one of {', '.join(types)}",
    )


def wrong_source(source: str, claimed: str) -> Text:
    """envelope.source differs from the publisher."""
    return Text(
        f"het signaal komt van {source!r}, maar envelope.source zegt {claimed!r}",
        f"you publish as {source!r} but envelope.source says {claimed!r}",
    )


def wrong_event_type(declared: str, event_type: str) -> Text:
    """envelope.event_type differs from the type given."""
    return Text(
        f"envelope.event_type {declared!r} verschilt van {event_type!r}",
        f"envelope.event_type {declared!r} differs from {event_type!r}",
    )


def minor_needed() -> Text:
    """No minderjarig and no birth date."""
    return Text(
        "minderjarig is verplicht als slachtoffer.geboortedatum onbekend is: zet "
        "`minderjarig: true` of `minderjarig: false`",
        "minderjarig: required when slachtoffer.geboortedatum is unknown (say true or false)",
    )


def minor_contradicts() -> Text:
    """minderjarig and the birth date disagree."""
    return Text(
        "minderjarig klopt niet met slachtoffer.geboortedatum op de datum van het signaal",
        "minderjarig contradicts slachtoffer.geboortedatum at event time",
    )


def type_differs(event_type: str) -> Text:
    """envelope.event_type differs from the schema (the claimed value is not echoed)."""
    return Text(
        f"envelope.event_type verschilt van het schema {event_type!r}",
        f"envelope.event_type differs from the schema {event_type!r}",
    )


def bad_trace_id() -> Text:
    """Not a W3C trace id."""
    return Text(
        "envelope.trace_id is geen W3C-trace-id (32 kleine hexadecimale tekens)",
        "envelope.trace_id is not a W3C trace id (32 lowercase hex)",
    )


def bad_span_id() -> Text:
    """Not a W3C span id."""
    return Text(
        "envelope.span_id is geen W3C-span-id (16 kleine hexadecimale tekens)",
        "envelope.span_id is not a W3C span id (16 lowercase hex)",
    )


def in_future(path: str) -> Text:
    """A moment after now."""
    return Text(f"{path} ligt in de toekomst", f"{path} lies in the future")


def recorded_before_occurred() -> Text:
    """Recorded before it happened."""
    return Text(
        "envelope.recorded_at ligt vóór envelope.occurred_at",
        "envelope.recorded_at lies before envelope.occurred_at",
    )


def bad_bsn(path: str) -> Text:
    """A BSN that fails the 11-check (the value is not echoed)."""
    return Text(
        f"{path}.bsn is geen geldig BSN (voldoet niet aan de elfproef)",
        f"{path}.bsn is not a valid BSN (fails the 11-check)",
    )


def born_after(path: str) -> Text:
    """Born after the event."""
    return Text(
        f"{path}.geboortedatum ligt na het signaal", f"{path}.geboortedatum lies after the event"
    )
