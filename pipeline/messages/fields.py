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
