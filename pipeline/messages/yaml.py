"""Mistakes in writing a YAML file, said as what the writer did and what to do instead."""

from __future__ import annotations

from pipeline.language import Text


def cannot_read(reason: str) -> Text:
    """The file cannot be opened."""
    return Text(f"het bestand is niet te lezen ({reason})", f"cannot read: {reason}")


def not_utf8() -> Text:
    """The file is not UTF-8 text."""
    return Text(
        "het bestand is geen gewone tekst (UTF-8); sla het op als UTF-8 in uw teksteditor",
        "not UTF-8 text; save it as UTF-8",
    )


def tab() -> Text:
    """A tab in the indentation."""
    return Text(
        "hier staat een tab; YAML kent alleen spaties om in te springen. Vervang de tab door "
        "spaties (zet in uw editor 'tabs als spaties' aan)",
        "a tab in the indentation; YAML indents with spaces only: replace the tab by spaces",
    )


def colon_in_text(key: str, value: str) -> Text:
    """A colon followed by a space in a plain value."""
    return Text(
        f"in de tekst na `{key}:` staat een dubbele punt met een spatie erachter; YAML leest "
        f"dat als een nieuwe sleutel. Zet de hele tekst tussen dubbele aanhalingstekens: "
        f'{key}: "{value}"',
        f"the value of `{key}:` contains a colon and a space, which YAML reads as a new key; "
        f'quote the whole value: {key}: "{value}"',
    )


def unclosed_quote(key: str, value: str, quote: str, closed_at: int | None) -> Text:
    """A value that starts with a quote (``'s-Hertogenbosch``) that is never closed on its line."""
    where_nl = (
        f"en vindt de sluitende pas op regel {closed_at}"
        if closed_at
        else "en vindt er geen tot het einde van het bestand"
    )
    where_en = f"and finds the closing one on line {closed_at}" if closed_at else "and finds none"
    other = '"' if quote == "'" else "'"
    mark_nl = "apostrof" if quote == "'" else "aanhalingsteken"
    return Text(
        f"de tekst na `{key}:` begint met een {mark_nl} ({value}). YAML leest dat als het begin "
        f"van een tekst tussen aanhalingstekens {where_nl}. Zet de hele tekst tussen "
        f"{'dubbele' if other == chr(34) else 'enkele'} aanhalingstekens: {key}: {other}{value}{other}",
        f"the value of `{key}:` starts with a quote ({value}); YAML reads a quoted text {where_en}. "
        f"Quote the whole value: {key}: {other}{value}{other}",
    )


def missing_colon(line: int, text: str) -> Text:
    """A key written without its colon."""
    return Text(
        f"op regel {line} ({text.strip()}) staat geen dubbele punt na de sleutel; schrijf "
        "`sleutel: waarde`, met een dubbele punt en een spatie",
        f"line {line} ({text.strip()}) has no colon after its key; write `key: value`",
    )


def indented_further(line: int, previous: int, key: str) -> Text:
    """A key indented further than the key above it, so YAML reads it as that key's text."""
    return Text(
        f"regel {line} springt verder in dan regel {previous} erboven; YAML leest deze regel "
        f"daardoor als vervolg van de tekst bij `{key}:`. Zet de sleutels van één blok recht "
        "onder elkaar (evenveel spaties ervoor)",
        f"line {line} is indented further than line {previous}, so YAML reads it as part of the "
        f"value of `{key}:`; align the keys of one block",
    )


def indentation(line: int, column: int, block_line: int, block_column: int) -> Text:
    """A line whose indentation fits no block above it."""
    return Text(
        f"regel {line} springt anders in dan de regels van het blok erboven (dat begint op "
        f"regel {block_line} in kolom {block_column}, deze regel in kolom {column}). Zet "
        "regels die bij elkaar horen recht onder elkaar; een regel die eronder hoort springt "
        "verder in, altijd met spaties",
        f"line {line} (column {column}) is indented differently from the block that starts on "
        f"line {block_line} (column {block_column}); align the lines of one block",
    )


def unclosed_list(line: int, opening: str) -> Text:
    """A flow list or mapping that is not closed."""
    closing = "]" if opening == "[" else "}"
    return Text(
        f"de lijst die op regel {line} met {opening} begint, is niet goed afgesloten; zet een "
        f"komma tussen de onderdelen en sluit af met {closing} (een tekst met een dubbele punt "
        "of komma erin zet u tussen aanhalingstekens)",
        f"the {opening} ... {closing} opened on line {line} is not closed properly",
    )


def reserved_start(key: str, value: str, character: str) -> Text:
    """A value that starts with a character YAML reserves (``@``, backtick, ``*``, ``&``, ``%``)."""
    return Text(
        f"de tekst na `{key}:` begint met {character!r}, een teken dat YAML voor iets anders "
        f'gebruikt; zet de hele tekst tussen dubbele aanhalingstekens: {key}: "{value}"',
        f"the value of `{key}:` starts with {character!r}, which YAML reserves; quote it",
    )


def invalid_date(value: str) -> Text:
    """A date that does not exist (2026-02-30)."""
    return Text(
        f"{value} is geen bestaande datum; schrijf jjjj-mm-dd, bijvoorbeeld 2026-03-01",
        f"{value} is not a valid date (YYYY-MM-DD)",
    )


def duplicate_key(key: str, first_line: int) -> Text:
    """A key that appears twice in one block (YAML would silently keep the last)."""
    return Text(
        f"`{key}` staat twee keer in hetzelfde blok (eerst op regel {first_line}); YAML zou "
        "stilzwijgend alleen de laatste gebruiken. Haal er één weg of voeg ze samen",
        f"`{key}` appears twice in one block (first on line {first_line}); only the last would count",
    )


def other_syntax(detail: str) -> Text:
    """Any other YAML syntax error."""
    return Text(
        "de opbouw van het bestand klopt hier niet. Controleer op deze regel en de regel "
        "erboven: inspringen met spaties, `sleutel: waarde` met een dubbele punt en spatie, en "
        "aanhalingstekens om tekst met een dubbele punt, # of apostrof erin",
        f"not valid YAML: {detail}",
    )


def not_a_mapping(what: str) -> Text:
    """The file's top level is not `key: value` lines."""
    return Text(
        f"het bestand hoort te beginnen met `{what}:`; het is leeg of anders opgebouwd",
        f"the file must start with `{what}:`; it is empty or shaped differently",
    )


def gave_up() -> Text:
    """Too many syntax mistakes to go on."""
    return Text(
        "te veel fouten in de opbouw om verder te lezen; verbeter eerst deze",
        "too many syntax errors to read on; fix these first",
    )


def hidden_character(code: str) -> Text:
    """An invisible control or direction character in a text (U+001B, U+202E, ...)."""
    return Text(
        f"in deze tekst staat een onzichtbaar teken ({code}): een stuurteken of een teken dat "
        "de leesrichting omdraait. Op het scherm, in de wijzigingsnotitie en in de bijlage kan "
        "het tekst verbergen of in een andere volgorde tonen dan er staat; haal het weg (typ "
        "de tekst opnieuw als u het niet ziet)",
        f"this text holds an invisible character ({code}): a control character or one that "
        "reverses the reading direction. On a terminal, in the change memo and in the annex it "
        "can hide text or show it in another order than written: remove it",
    )


def alias() -> Text:
    """An anchor (&name) that an alias (*name) repeats."""
    return Text(
        "hier staat een anker (`&naam`) dat elders wordt herhaald (`*naam`). Een convenant "
        "schrijft elke waarde uit; een herhaling van een herhaling kan uitgroeien tot miljarden "
        "waarden. Schrijf de waarden op elke plaats zelf",
        "an anchor (`&name`) that an alias (`*name`) repeats elsewhere: write every value out "
        "(aliases of aliases grow to billions of values)",
    )
