"""What the officer's commands print: check, test, explain, diff, publish, keys ondertekening."""

from __future__ import annotations

from pathlib import Path

from pipeline.language import Text


def error_label() -> Text:
    """The word before each problem."""
    return Text("fout", "error")


def warning_label() -> Text:
    """The word before each warning."""
    return Text("let op", "warning")


def problem_count(count: int) -> Text:
    """The closing line after problems."""
    return Text(
        f"{count} {'fout' if count == 1 else 'fouten'} gevonden; er is niets veranderd",
        f"{count} problem(s)",
    )


def check_ok(covenants: list[tuple[str, str]], rules: int, recipients: int, sources: int) -> Text:
    """check found nothing wrong: which covenants, and what they govern, in plain words."""
    each = [f"{c} (versie {v})" for c, v in covenants]
    named_nl = f"{', '.join(each[:-1])} en {each[-1]}" if len(each) > 1 else "".join(each)
    named_en = ", ".join(f"{c} (version {v})" for c, v in covenants)
    return Text(
        f"in orde: {'convenanten' if len(covenants) > 1 else 'convenant'} {named_nl}. "
        f"{rules} {'regel geeft' if rules == 1 else 'regels geven'} {recipients} "
        f"{'ontvanger' if recipients == 1 else 'ontvangers'} gegevens van {sources} "
        f"{'bron' if sources == 1 else 'bronnen'}",
        f"ok: {named_en}; {rules} rule(s) give {recipients} recipient(s) data from "
        f"{sources} source(s)",
    )


def not_checked_label() -> Text:
    """The words before what check could not check here (a note, not a warning)."""
    return Text("niet nagegaan", "not checked")


def warning_count(count: int) -> Text:
    """How many warnings check printed."""
    return Text(
        f"{count} {'waarschuwing' if count == 1 else 'waarschuwingen'}: geen fout, maar kijk ernaar",
        f"{count} warning(s): not errors, but worth a look",
    )


def not_found(path: str) -> Text:
    """A file or directory that does not exist."""
    return Text(
        f"{path} bestaat niet; geef een convenantbestand of de map convenanten/",
        f"{path} does not exist; give a covenant file or directory",
    )


def connecting(bootstrap: str) -> Text:
    """The status line while a command waits for a bootstrap server to answer."""
    return Text(f"verbinden met {bootstrap} ...", f"connecting to {bootstrap} ...")


# --- test -----------------------------------------------------------------------------------


def example_refused(reason: str) -> Text:
    """The example's signal itself is invalid."""
    return Text(
        f"het voorbeeldsignaal zelf wordt geweigerd: {reason}",
        f"the example signal itself is refused: {reason}",
    )


def example_unexpected(recipient: str, fields: str, named: bool) -> Text:
    """A recipient receives something where the example expects nothing."""
    note_nl = "" if named else " (het voorbeeld noemt deze ontvanger niet, dus: niets)"
    note_en = "" if named else " (not named in the example)"
    return Text(
        f"{recipient} ontvangt {fields or 'de envelop'}{note_nl}, verwacht: niets",
        f"{recipient} receives {fields or 'the envelope'}{note_en}, expected nothing",
    )


def example_nothing(recipient: str, expected: str) -> Text:
    """A recipient receives nothing where the example expects fields."""
    return Text(
        f"{recipient} ontvangt niets, verwacht: {expected}",
        f"{recipient} receives nothing, expected {expected}",
    )


def example_missing(recipient: str, fields: str) -> Text:
    """Fields the example expects that do not arrive."""
    return Text(f"{recipient} ontvangt niet: {fields}", f"{recipient} does not receive {fields}")


def example_extra(recipient: str, fields: str) -> Text:
    """Fields that arrive but the example does not name."""
    return Text(f"{recipient} ontvangt ook: {fields}", f"{recipient} also receives {fields}")


def example_treatment(recipient: str, field: str, got: str, expected: str) -> Text:
    """A field that arrives in another form than the example says."""
    return Text(
        f"{recipient} ontvangt {field} als {got}, verwacht: {expected}; is {got} de bedoeling, "
        f"schrijf dan `{field}: {got}` in het voorbeeld",
        f"{recipient} receives {field} as {got}, expected {expected}; if {got} is meant, write "
        f"`{field}: {got}` in the example",
    )


def example_other_covenant(
    recipient: str, covenant: str, rules: list[str], fields: str | None
) -> Text:
    """Another covenant discloses the example's signal too (not judged by the example)."""
    what_nl = f": {fields}" if fields else " (alleen de envelop)"
    what_en = f": {fields}" if fields else " (the envelope only)"
    return Text(
        f"let op: {recipient} ontvangt dit signaal ook onder convenant {covenant} (regel "
        f"{', '.join(rules)}){what_nl}; dit voorbeeld toetst alleen zijn eigen convenant",
        f"note: {recipient} also receives this signal under covenant {covenant} (rule "
        f"{', '.join(rules)}){what_en}; this example tests its own covenant only",
    )


def examples_summary(passed: int, failed: int) -> Text:
    """The closing line of `convenant test`."""
    return Text(f"{passed} geslaagd, {failed} mislukt", f"{passed} passed, {failed} failed")


def covenant_without_examples(covenant: str, file: str) -> Text:
    """A covenant that no example tests (the others' examples passed)."""
    return Text(
        f"convenant {covenant} heeft geen voorbeeldtests: schrijf ze in {file}, naast het "
        "convenant (zie LEESMIJ.md, 'Voorbeeldtests')",
        f"covenant {covenant} has no example tests: write them in {file}",
    )


def no_examples() -> Text:
    """No examples file at all."""
    return Text(
        "geen voorbeeldtests gevonden (<naam>.voorbeelden.yaml naast het convenant); schrijf "
        "er minstens één per convenant",
        "no example tests found (<name>.voorbeelden.yaml)",
    )


def example_passed() -> Text:
    """Mark of a passed example."""
    return Text("goed", "ok")


def example_failed() -> Text:
    """Mark of a failed example."""
    return Text("FOUT", "FAIL")


# --- explain --------------------------------------------------------------------------------


def unknown_recipient(recipient: str, hint: Text, known: list[str]) -> Text:
    """explain --recipient with a name no rule has."""
    return Text(
        f"ontvanger {recipient!r} ontvangt niets onder dit convenant of bestaat niet{hint.nl} "
        f"(ontvangers: {', '.join(known)})",
        f"recipient {recipient!r} receives nothing under these covenants{hint.en} "
        f"(recipients: {', '.join(known)})",
    )


def unknown_type(signal_type: str, hint: Text, known: list[str]) -> Text:
    """explain --type with an unknown signal type."""
    return Text(
        f"signaaltype {signal_type!r} komt in dit convenant niet voor{hint.nl} (wel: {', '.join(known)})",
        f"signal type {signal_type!r} does not occur{hint.en} (known: {', '.join(known)})",
    )


def bad_format(given: str, options: list[str]) -> Text:
    """explain --format with an unknown format."""
    return Text(
        f"--format {given} bestaat niet; kies {', '.join(options)}",
        f"--format is one of {', '.join(options)}, not {given}",
    )


def no_browser() -> Text:
    """--format pdf without Chromium."""
    return Text(
        "voor --format pdf is de browser Chromium nodig en die is er niet (Debian: apt-get "
        "install chromium); maak anders de HTML-bijlage en druk die af als PDF",
        "--format pdf needs Chromium (Debian: apt-get install chromium)",
    )


def pdf_failed(detail: str) -> Text:
    """Chromium did not make the PDF."""
    return Text(
        f"Chromium kon de PDF niet maken ({detail})", f"Chromium did not write the PDF ({detail})"
    )


def pdf_needs_output() -> Text:
    """--format pdf without --uit."""
    return Text(
        "een PDF is geen tekst voor het scherm: geef een bestand op met --uit bijlage.pdf",
        "a PDF needs an output file: --uit annex.pdf",
    )


def written(path: str) -> Text:
    """A file was written."""
    return Text(f"geschreven: {path}", f"written: {path}")


# --- diff -----------------------------------------------------------------------------------


def diff_nothing(old: str, new: str) -> Text:
    """No change in what is disclosed."""
    return Text(
        f"geen verschil in wat wordt gedeeld, met wie, hoe of waarom ({old} → {new})",
        f"no change in what is disclosed, to whom, how or why ({old} -> {new})",
    )


def working_directory() -> Text:
    """The name of the current files in a diff heading."""
    return Text("de huidige bestanden", "the working directory")


def publish_dry_run_hint() -> Text:
    """publish reminds of the dry run."""
    return Text(
        "Wat deze wijziging met echte signalen doet, ziet u vooraf met `ketenstroom convenant "
        "proef` (de signalen van de afgelopen week, zonder iets te versturen).",
        "`ketenstroom convenant proef` shows beforehand what this change does to real signals "
        "(the last week's, sending nothing).",
    )


def publish_examples_fail(name: str, problems: str) -> Text:
    """publish refused: an example fails."""
    return Text(f"voorbeeld faalt: {name}: {problems}", f"example fails: {name}: {problems}")


def publish_takes_folder(path: str) -> Text:
    """publish was given one covenant file."""
    folder = str(Path(path).parent)
    return Text(
        f"publish neemt de map, niet één bestand: alle convenanten in de map worden samen "
        f"ondertekend en gepubliceerd (een los bestand zou de andere uit de pijplijn halen). "
        f"Controleer en test eerst: `ketenstroom convenant check {path}`, en publiceer dan: "
        f"`ketenstroom convenant publish {folder}`",
        f"publish takes the covenant directory, not one file (the bundle holds every covenant): "
        f"ketenstroom convenant publish {folder}",
    )


def publish_refused() -> Text:
    """publish refused, closing line."""
    return Text(
        "niet gepubliceerd: verbeter het convenant of de voorbeelden (ketenstroom convenant test)",
        "not published: fix the covenant or its examples (ketenstroom convenant test)",
    )


def published(version: str, digest: str) -> Text:
    """publish done."""
    return Text(
        f"gepubliceerd: {version} (kenmerk {digest}); de draaiende workers schakelen binnen "
        "enkele seconden over",
        f"published {version} (digest {digest}); workers switch within seconds",
    )


def signing_key_made(key_id: str, name: str, key_path: str, trusted: str) -> Text:
    """keys ondertekening done."""
    return Text(
        f"ondertekensleutel {key_id} van {name} gemaakt: {key_path} (alleen voor u, geef hem "
        f"aan niemand). Het publieke deel staat in {trusted}: geef dat bestand aan de beheerders "
        "voor de workers",
        f"signing key {key_id} of {name}: {key_path} (mode 0600); trusted in {trusted} "
        "(give workers this file, never the key)",
    )


def signing_key_exists(path: str) -> Text:
    """keys ondertekening when a key exists already."""
    return Text(
        f"er is al een ondertekensleutel in {path}; wilt u een nieuwe, verwijder of verplaats "
        "dan eerst de oude (en laat de beheerders de oude uit ondertekenaars.json halen)",
        f"{path} exists already; remove it first to replace the key",
    )


def no_signing_key(path: str) -> Text:
    """publish without a signing key."""
    return Text(
        f"u heeft nog geen ondertekensleutel ({path}); maak die eenmalig met `ketenstroom keys "
        'ondertekening --naam "uw naam"`',
        f"no covenant signing key at {path}: create one with `ketenstroom keys ondertekening`",
    )


# --- status ---------------------------------------------------------------------------------


def status_title(count: int) -> Text:
    """Title of `convenant status`."""
    return Text(
        f"Convenantversie van de routers ({count})", f"Covenant status of the workers ({count})"
    )


def status_columns() -> list[Text]:
    """Column headings of `convenant status`."""
    return [
        Text("router", "worker"),
        Text("toestand", "state"),
        Text("versie", "version"),
        Text("convenanten", "policy"),
        Text("laatste melding", "last report"),
        Text("laatste weigering", "last refusal"),
    ]


def status_state(state: str) -> Text:
    """A worker's state in words."""
    words = {
        "running": Text("draait", "running"),
        "stopped": Text("gestopt", "stopped"),
        "silent": Text("stil (geen melding meer)", "silent"),
        "starting": Text("start", "starting"),
    }
    return words.get(state, Text(state, state))


def seconds_ago(seconds: float) -> Text:
    """How long ago a report came."""
    return Text(f"{seconds:.0f} s geleden", f"{seconds:.0f} s ago")
