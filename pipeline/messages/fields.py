"""Why a treatment or a condition does not fit a field."""

from __future__ import annotations

from pipeline.language import Text


def datum_needs_moment(path: str) -> Text:
    """datum on a field that is not a timestamp."""
    return Text(
        f"datum maakt van een tijdstip een dag; {path} is geen tijdstip",
        f"datum turns a timestamp into a day; {path} is not a timestamp",
    )


def envelope_treatments(path: str) -> Text:
    """An envelope field with a treatment other than doorgeven, datum or weglaten."""
    return Text(
        f"{path} kan alleen doorgeven, datum (bij een tijdstip) of weglaten",
        f"{path} takes only doorgeven, datum (for a timestamp) or weglaten",
    )


def needs_date(treatment: str, path: str) -> Text:
    """geboortejaar or leeftijdscategorie on a field that is not a date."""
    return Text(
        f"{treatment} werkt alleen bij een datumveld (zoals slachtoffer.geboortedatum); {path} is "
        "geen datum",
        f"{treatment} needs a date field; {path} is not one",
    )


def needs_postcode(path: str) -> Text:
    """pc4 on a field that is not a postcode."""
    return Text(
        f"pc4 werkt alleen bij een postcodeveld; {path} is geen postcode",
        f"pc4 applies to a postcode field; {path} is not one",
    )


def needs_address(path: str) -> Text:
    """gemeente on a field outside an address."""
    return Text(
        f"gemeente werkt alleen bij een veld van een adres (adres.*); {path} is dat niet",
        f"gemeente applies to a field of an address (adres.*); {path} is not one",
    )


def needs_scalar(treatment: str, path: str, base: str) -> Text:
    """pseudoniem, pseudoniem-herleidbaar or versleuteld on a list or record."""
    return Text(
        f"{treatment} werkt bij tekst, een getal of een datum; {path} is een "
        f"{'lijst' if base == 'array' else base}",
        f"{treatment} applies to text, number or date fields; {path} is {base}",
    )


def condition_unknown_field(path: str) -> Text:
    """A condition on a field that does not exist."""
    return Text(f"voorwaarde op een onbekend veld {path}", f"condition on unknown field {path}")


def condition_value(path: str, wrong: str, options: list[str]) -> Text:
    """A condition value outside the field's fixed list."""
    return Text(
        f"{path} kent de waarde {wrong} niet; mogelijk: {', '.join(options)}",
        f"{path} has no value {wrong}; it is one of {', '.join(options)}",
    )


def condition_minor_needs_date(path: str) -> Text:
    """minderjarig on a field that is not a date."""
    return Text(
        f"minderjarig toetst een geboortedatum; {path} is geen datum",
        f"minderjarig tests a birth date; {path} is not a date",
    )


def condition_range_needs_number(path: str, kind: str) -> Text:
    """vanaf/tot on a field that is not a number or date."""
    return Text(
        f"vanaf/tot werkt bij een getal of datum; {path} is {kind}",
        f"vanaf/tot need a number or date field; {path} is {kind}",
    )


def condition_not_boolean(path: str, raw: str) -> Text:
    """``is: ja`` (or any non-true/false value) on a true/false field: it never holds."""
    return Text(
        f"{path} is ja of nee (true of false), dus {raw} komt er nooit in voor en deze regel zou "
        f"nooit gelden; schrijf `is: true` (ja) of `is: false` (nee)",
        f"{path} is true or false, so {raw} never matches and the rule would never apply; "
        "write `is: true` or `is: false`",
    )


def condition_not_number(path: str, raw: str) -> Text:
    """A word where the field holds a number."""
    return Text(
        f"{path} is een getal, dus {raw} komt er nooit in voor en deze regel zou nooit gelden; "
        "schrijf een getal zonder aanhalingstekens",
        f"{path} is a number, so {raw} never matches and the rule would never apply",
    )


def condition_not_text(path: str, raw: str) -> Text:
    """A number or date where the field holds text (YAML read ``0344`` as a number)."""
    return Text(
        f"{path} is tekst, maar YAML leest {raw} als getal of datum, dus het komt er nooit in voor "
        f'en deze regel zou nooit gelden; zet de waarde tussen aanhalingstekens: "{raw}"',
        f'{path} is text, but YAML reads {raw} as a number or date; quote it: "{raw}"',
    )
