"""A key or value that does not fit the file format, said in the writer's terms."""

from __future__ import annotations

from pipeline.language import Text

#: What each key of the covenant, example and registry files is for (for a missing key).
KEYS: dict[str, tuple[str, str]] = {
    "convenant": ("de kop van het convenant", "the covenant's heading"),
    "regels": ("de regels: wie ontvangt wat", "the rules"),
    "id": ("een korte naam zonder spaties", "a short name without spaces"),
    "titel": ("de titel van het convenant", "the covenant's title"),
    "versie": (
        'het versienummer, tussen aanhalingstekens: "2026.1"',
        'the version, quoted: "2026.1"',
    ),
    "geldig": ("de geldigheid: `van:` en eventueel `tot:`", "the validity: van and tot"),
    "van": ("de ingangsdatum, bijvoorbeeld 2026-01-01", "the start date"),
    "werkgebied": (
        "het gebied: `landelijk`, of `gemeenten:` en/of `politie_eenheden:`",
        "the area: landelijk, or gemeenten and/or politie_eenheden",
    ),
    "partijen": ("de partijen (ids uit deelnemers.yaml)", "the parties (registry ids)"),
    "doelen": ("de doelen, elk met een korte naam", "the purposes"),
    "grondslagen": ("de grondslagen, elk met een korte naam", "the legal bases"),
    "omschrijving": ("een omschrijving", "a description"),
    "bronnen": ("van wie de signalen komen", "who publishes the signals"),
    "signaaltype": ("Signaal, Verwijzing, Controle of Statusupdate", "the signal type"),
    "ontvangers": ("wie de gegevens ontvangt", "who receives them"),
    "doel": ("een van de doelen uit de kop", "one of the heading's purposes"),
    "grondslag": ("een van de grondslagen uit de kop", "one of the heading's legal bases"),
    "bewaartermijn": (
        "hoe lang de ontvanger het mag bewaren, bijv. P5Y (5 jaar)",
        "retention, e.g. P5Y",
    ),
    "velden": ("de velden met hun behandeling", "the fields and their treatments"),
    "veld": ("het veld waarop de voorwaarde toetst", "the field the condition tests"),
    "partijen_domein": ("de partijen van het koppeldomein", "the linkage domain's parties"),
    "naam": ("een naam", "a name"),
    "bron": ("de partij die het signaal stuurt", "the publishing partner"),
    "signaal": ("het voorbeeldsignaal", "the example signal"),
    "verwacht": ("wat elke ontvanger krijgt", "what each recipient receives"),
    "soort": ("de soort organisatie", "the kind of organisation"),
}


def _purpose(key: str) -> tuple[str, str]:
    return KEYS.get(key, ("", ""))


def missing(key: str) -> Text:
    """A required key is not there."""
    nl, en = _purpose(key)
    return Text(
        f"`{key}:` ontbreekt; voeg het hier toe" + (f" ({nl})" if nl else ""),
        f"`{key}:` is required here" + (f" ({en})" if en else ""),
    )


def unknown_key(key: str, suggestion: str | None, allowed: list[str]) -> Text:
    """A key the format does not know."""
    guess_nl = f"; bedoelt u `{suggestion}`?" if suggestion else ""
    guess_en = f"; did you mean `{suggestion}`?" if suggestion else ""
    return Text(
        f"`{key}` is hier geen bekende sleutel{guess_nl} (mogelijk: {', '.join(allowed)})",
        f"`{key}` is not a known key here{guess_en} (allowed: {', '.join(allowed)})",
    )


def field_outside_velden(key: str) -> Text:
    """A field path written at the level of the rule instead of under ``velden:``."""
    return Text(
        f"`{key}` is een veld, maar staat niet onder `velden:`; spring het verder in dan "
        "`velden:` (net als de andere velden)",
        f"`{key}` is a field but not under `velden:`; indent it below `velden:`",
    )


def not_text(key: str, raw: str, read_as: str) -> Text:
    """A value YAML read as a number or yes/no where text is meant (``versie: 2026.10``)."""
    kinds = {
        "getal": ("een getal", "a number"),
        "ja/nee": ("ja/nee (true/false)", "true/false"),
        "datum": ("een datum", "a date"),
    }
    nl, en = kinds.get(read_as, (read_as, read_as))
    lost = " en laat daarbij nullen aan het eind weg" if read_as == "getal" and "." in raw else ""
    return Text(
        f"`{key}` moet tekst zijn, maar YAML leest {raw} als {nl}{lost}. Zet het tussen "
        f'aanhalingstekens: {key}: "{raw}"',
        f'`{key}` must be text, but YAML reads {raw} as {en}; quote it: {key}: "{raw}"',
    )


def not_yes_no(key: str, raw: str) -> Text:
    """A yes/no value written in Dutch or otherwise (``minderjarig: nee``)."""
    return Text(
        f"`{key}` is ja of nee: schrijf `true` (ja) of `false` (nee), niet {raw}",
        f"`{key}` is true or false, not {raw}",
    )


def not_number(key: str, raw: str) -> Text:
    """A number was expected."""
    return Text(f"`{key}` moet een getal zijn, niet {raw}", f"`{key}` must be a number, not {raw}")


def not_date(key: str, raw: str) -> Text:
    """A date was expected."""
    return Text(
        f"`{key}` moet een datum zijn in de vorm jjjj-mm-dd (bijvoorbeeld 2026-03-01), niet {raw}",
        f"`{key}` must be a date YYYY-MM-DD, not {raw}",
    )


def not_one_of(key: str, raw: str, suggestion: str | None, options: list[str]) -> Text:
    """A value outside a fixed list."""
    guess_nl = f"; bedoelt u {suggestion}?" if suggestion else ""
    guess_en = f"; did you mean {suggestion}?" if suggestion else ""
    return Text(
        f"{raw} is geen geldige waarde voor `{key}`{guess_nl} Kies uit: {', '.join(options)}",
        f"{raw} is not a valid `{key}`{guess_en} Choose from: {', '.join(options)}",
    )


def unknown_treatment(path: str, raw: str, suggestion: str | None, options: list[str]) -> Text:
    """A field's treatment is not one of the treatments."""
    guess_nl = f"; bedoelt u {suggestion}?" if suggestion else "."
    guess_en = f"; did you mean {suggestion}?" if suggestion else "."
    return Text(
        f"{raw} is geen behandeling (bij {path}){guess_nl} Behandelingen: {', '.join(options)}",
        f"{raw} is not a treatment (for {path}){guess_en} Treatments: {', '.join(options)}",
    )


def duration(key: str, raw: str, proposal: str | None) -> Text:
    """A retention period not written as an ISO 8601 duration."""
    if proposal:
        return Text(
            f"`{key}: {raw}` kan de pijplijn niet lezen; schrijf `{key}: {proposal}` "
            "(P, dan het aantal met Y voor jaren, M voor maanden, W voor weken, D voor dagen)",
            f"`{key}: {raw}` is not an ISO 8601 duration; write `{key}: {proposal}`",
        )
    return Text(
        f"`{key}: {raw}` kan de pijplijn niet lezen; schrijf een termijn als P5Y (5 jaar), "
        "P6M (6 maanden), P2W (2 weken), P30D (30 dagen) of P1Y6M (anderhalf jaar)",
        f"`{key}: {raw}` is not an ISO 8601 duration (e.g. P5Y, P6M, P1Y6M)",
    )


def identifier(key: str, raw: str) -> Text:
    """An id with spaces or other characters."""
    return Text(
        f"`{key}: {raw}` mag alleen letters, cijfers, punt, streepje en laag streepje "
        "bevatten, zonder spaties, en begint met een letter of cijfer",
        f"`{key}: {raw}` may hold only letters, digits, '.', '-' and '_', without spaces",
    )


def partner_identifier(key: str, raw: str, proposal: str) -> Text:
    """A partner id (deelnemers.yaml) with capitals, spaces or other characters."""
    return Text(
        f"`{key}: {raw}` kan niet: een deelnemer-id heeft alleen kleine letters, cijfers en "
        f"streepjes, en begint met een letter; bijvoorbeeld `{key}: {proposal}`",
        f"`{key}: {raw}`: a partner id has only lowercase letters, digits and '-', starting "
        f"with a letter (e.g. {proposal})",
    )


def empty(key: str) -> Text:
    """A list or block that must name at least one thing is empty."""
    return Text(
        f"`{key}` is leeg; noem er minstens één",
        f"`{key}` is empty; name at least one",
    )


def empty_block(key: str) -> Text:
    """A block key with nothing under it: often the lines below are not indented."""
    return Text(
        f"onder `{key}:` staat niets. Horen de regels eronder erbij? Spring ze dan verder in "
        f"dan `{key}:`",
        f"nothing under `{key}:`; indent the lines that belong to it",
    )


def not_block(key: str, raw: str) -> Text:
    """A block (key: value lines) was expected."""
    return Text(
        f"onder `{key}:` horen ingesprongen regels `naam: waarde`, niet {raw}",
        f"`{key}:` needs indented `name: value` lines, not {raw}",
    )


def not_list(key: str, raw: str) -> Text:
    """A list was expected."""
    return Text(
        f"`{key}` is een lijst: schrijf [a, b] of elk onderdeel op een eigen regel met '- ' "
        f"ervoor, niet {raw}",
        f"`{key}` is a list: [a, b] or lines starting with '- ', not {raw}",
    )


def area_word(raw: str, suggestion: str | None) -> Text:
    """werkgebied is neither ``landelijk`` nor a block."""
    guess = f" (bedoelt u {suggestion}?)" if suggestion else ""
    return Text(
        f"werkgebied is `landelijk` (het hele land) of een blok met `gemeenten:` en/of "
        f"`politie_eenheden:`, niet {raw}{guess}",
        f"werkgebied is `landelijk` or a block with gemeenten and/or politie_eenheden, not {raw}",
    )


def text_too_short(key: str) -> Text:
    """An empty text."""
    return Text(f"`{key}` is leeg; vul het in", f"`{key}` is empty")


def other(key: str, detail: str) -> Text:
    """Any other mismatch (the validator's own words are kept for the operator)."""
    return Text(
        f"de waarde van `{key}` past hier niet; kijk in convenanten/LEESMIJ.md hoe het hoort",
        f"`{key}`: {detail}",
    )


def file_label(name: str) -> Text:
    """Where a problem is, when it belongs to the whole file."""
    return Text(f"het bestand {name}", f"file {name}")
