"""What the FG's commands say: `verantwoording` (inzage, overzicht, export) and the signed
re-identification (`keys herleider`, `reidentify`). Dutch and English side by side."""

from __future__ import annotations

from pipeline.language import Text

# --- re-identification requests ----------------------------------------------------------------


def unsigned_request() -> Text:
    """The request file is no signed request at all."""
    return Text(
        "geweigerd: dit is geen ondertekend herleidingsverzoek; maak er een met `ketenstroom "
        "reidentify verzoek` en de sleutel van een herleider uit het convenant",
        "refused: this is not a signed re-identification request; make one with `ketenstroom "
        "reidentify verzoek` and the key of a re-identifier named in the covenant",
    )


def unknown_covenant(covenant: str) -> Text:
    """The pseudonym's domain belongs to no covenant in force here."""
    return Text(
        f"geweigerd: het pseudoniem hoort bij convenant {covenant}, en dat convenant is hier niet "
        "bekend; niemand kan het dan herleiden",
        f"refused: the pseudonym belongs to covenant {covenant}, which is not known here",
    )


def not_a_herleider(key: str, covenant: str) -> Text:
    """The signing key is not one of the covenant's herleiders."""
    return Text(
        f"geweigerd: de sleutel {key} waarmee het verzoek is ondertekend staat niet bij de "
        f"herleiders van convenant {covenant}; alleen wie daar staat, mag herleiden",
        f"refused: key {key} that signed the request is not a re-identifier of covenant {covenant}",
    )


def not_for_domain(name: str, party: str, domain: str) -> Text:
    """A herleider of the covenant, but acting for a party outside the pseudonym's domain."""
    return Text(
        f"geweigerd: {name} mag herleiden namens {party}, maar dit pseudoniem hoort bij "
        f"koppeldomein {domain}, waar {party} geen deel van is",
        f"refused: {name} re-identifies for {party}, but this pseudonym belongs to linkage "
        f"domain {domain}, which {party} is not part of",
    )


def bad_signature(name: str) -> Text:
    """The signature does not verify with the herleider's key."""
    return Text(
        f"geweigerd: de handtekening klopt niet met de sleutel van {name}: het verzoek is "
        "veranderd na ondertekening, of met een andere sleutel ondertekend",
        f"refused: the signature does not verify with {name}'s key: the request was changed "
        "after signing, or signed with another key",
    )


def name_mismatch(claimed: str, named: str) -> Text:
    """The request claims another name than the covenant gives the key."""
    return Text(
        f"geweigerd: het verzoek noemt als herleider {claimed!r}, maar het convenant kent deze "
        f"sleutel als {named!r}",
        f"refused: the request names {claimed!r}, but the covenant knows this key as {named!r}",
    )


def outside_validity(covenant: str, van: str, tot: str | None, today: str) -> Text:
    """The covenant of the pseudonym's domain is not in force today (Dutch days)."""
    period = f"van {van}" + (f" tot {tot}" if tot else "")
    period_en = f"from {van}" + (f" until {tot}" if tot else "")
    return Text(
        f"geweigerd: convenant {covenant} geldt {period}, niet vandaag ({today}); buiten die "
        "periode mag niemand onder dit convenant herleiden",
        f"refused: covenant {covenant} is in force {period_en}, not today ({today})",
    )


def foreign_bundle_only(installation: str) -> Text:
    """No bundle of this installation names the covenants; another installation's does."""
    return Text(
        f"let op: gepubliceerde convenantbundels van een andere installatie zijn genegeerd; "
        f"alleen bundels voor deze installatie ({installation}) tellen",
        f"note: covenant bundles of another installation were ignored; only bundles for this "
        f"installation ({installation}) count",
    )


def no_adopted_bundle() -> Text:
    """Bundles are published for this installation, but no worker adopted one."""
    return Text(
        "let op: geen worker heeft een gepubliceerde convenantbundel overgenomen (geweigerd, of "
        "er draaide nog geen); de herleiders en de geldigheid komen uit de convenantbestanden "
        "waarmee de workers dan werken",
        "note: no worker adopted a published covenant bundle (refused, or none ran yet); the "
        "herleiders and the validity come from the covenant files the workers then route with",
    )


def only_foreign_bundles(installation: str) -> Text:
    """Only another installation's bundles are published here: nobody is re-identified."""
    return Text(
        f"geweigerd: er staan alleen ondertekende convenantbundels voor een andere installatie; "
        f"geen enkele is voor deze ({installation}). Controleer KETENSTROOM_INSTALLATIE; zonder "
        "bundel van deze installatie wordt niemand herleid",
        f"refused: the published covenant bundles are all for another installation, none for "
        f"this one ({installation}); check KETENSTROOM_INSTALLATIE",
    )


def expired(until: str) -> Text:
    """The request is no longer (or not yet) valid."""
    return Text(
        f"geweigerd: het verzoek is verlopen (geldig tot {until}); vraag de herleider om een nieuw "
        "verzoek",
        f"refused: the request expired (valid until {until}); ask for a new one",
    )


def not_yet_valid(since: str) -> Text:
    """The request claims to be made in the future."""
    return Text(
        f"geweigerd: het verzoek is gedateerd in de toekomst ({since}); controleer de klok",
        f"refused: the request is dated in the future ({since}); check the clock",
    )


def too_long(hours: int) -> Text:
    """The request's validity is longer than allowed."""
    return Text(
        f"geweigerd: een verzoek is hoogstens {hours} uur geldig",
        f"refused: a request is valid for at most {hours} hours",
    )


def short_reason(minimum: int) -> Text:
    """The reason is too short to mean anything."""
    return Text(
        f"geef een echte reden (minstens {minimum} tekens): die komt in het verantwoordingslog",
        f"give a real reason (at least {minimum} characters): it goes into the disclosure log",
    )


def request_made(path: str, label: str, until: str) -> Text:
    """A request was signed."""
    return Text(
        f"verzoek ondertekend: {path} (voor {label[:32]}…, geldig tot {until}); geef het aan wie "
        "`ketenstroom reidentify uitvoeren` draait",
        f"request signed: {path} (for {label[:32]}…, valid until {until}); hand it to whoever runs "
        "`ketenstroom reidentify uitvoeren`",
    )


def herleider_key_exists(path: str) -> Text:
    """keys herleider would overwrite a key."""
    return Text(
        f"{path} bestaat al; haal het eerst weg om de sleutel te vervangen (en vervang dan ook de "
        "publieke sleutel in het convenant)",
        f"{path} exists already; remove it first to replace the key",
    )


def herleider_key_made(path: str, snippet: str) -> Text:
    """keys herleider made a key: what to put in the covenant."""
    return Text(
        f"sleutel gemaakt: {path} (alleen voor u; modus 0600). Zet dit in het convenant onder "
        f"`convenant:` en publiceer het:\n\n{snippet}",
        f"key made: {path} (yours only; mode 0600). Put this in the covenant under `convenant:` "
        f"and publish it:\n\n{snippet}",
    )


def logged_reidentification(event_id: str, topic: str, name: str) -> Text:
    """The act is in the log; the identifier follows."""
    return Text(
        f"vastgelegd als {event_id} in {topic} (herleider {name}); de waarde:",
        f"logged as {event_id} in {topic} (re-identifier {name}); the value:",
    )


# --- verantwoording ------------------------------------------------------------------------------


def no_log_key(path: str) -> Text:
    """The key file has no verantwoording secret."""
    return Text(
        f"{path} bevat geen verantwoording-sleutel; vraag de beheerder om `ketenstroom keys "
        "uittreksel verantwoording --naar fg.json` en geef dat bestand met --sleutels",
        f"{path} holds no verantwoording key; ask for `ketenstroom keys uittreksel "
        "verantwoording --naar fg.json` and pass that file with --sleutels",
    )


def who_missing() -> Text:
    """inzage without a person."""
    return Text(
        "noem de betrokkene: --bsn, en/of --naam (met --geboortedatum als u die weet; "
        "--geboortedatum alleen kan niet). Het log noemt iemand bij het BSN als het signaal er "
        "een had, anders bij naam en geboortedatum, anders bij de naam alleen",
        "name the person: --bsn, and/or --naam (with --geboortedatum if known; not "
        "--geboortedatum alone). The log names someone by BSN when the signal had one, else by "
        "name and birth date, else by the name alone",
    )


def reading_log() -> Text:
    """The progress bar's label."""
    return Text("verantwoordingslog lezen", "reading the disclosure log")


def read_lines(count: int, unreadable: int) -> Text:
    """How much was read (stderr)."""
    extra_nl = f"; {unreadable} onleesbaar (geen bekend schema)" if unreadable else ""
    extra_en = f"; {unreadable} unreadable (no known schema)" if unreadable else ""
    return Text(f"{count} regels gelezen{extra_nl}", f"{count} lines read{extra_en}")


def inzage_title(person: str, period: str, count: int) -> Text:
    """Title of the inzage table."""
    return Text(
        f"Inzage {person} ({period}): {count} regel(s)",
        f"Inzage {person} ({period}): {count} line(s)",
    )


def inzage_columns() -> list[Text]:
    """Column headers of the inzage table."""
    return [
        Text("tijdstip", "time"),
        Text("wat", "what"),
        Text("gevonden op", "found by"),
        Text("ontvanger", "recipient"),
        Text("velden (behandeling)", "fields (treatment)"),
        Text("convenant, regel, artikel", "covenant, rule, article"),
        Text("grondslag", "legal basis"),
        Text("doel", "purpose"),
        Text("bewaartermijn", "retention"),
    ]


def nothing_found() -> Text:
    """No line about the person."""
    return Text(
        "het log noemt deze persoon niet in deze periode",
        "the log does not name this person in this period",
    )


def reidentified_by(name: str, party: str, signature: str) -> Text:
    """A re-identification line in the table."""
    return Text(
        f"door {name} namens {party}; handtekening {signature}",
        f"by {name} for {party}; signature {signature}",
    )


def not_in_register(activity: str) -> Text:
    """A log line's activity that the register does not hold."""
    return Text(f"{activity} (niet in het register)", f"{activity} (not in the register)")


def overview_title(covenant: str, period: str, lines: int) -> Text:
    """Title of the overview."""
    return Text(
        f"Overzicht convenant {covenant} ({period}): {lines} regel(s) in het log "
        "(verstrekkingen, tegengehouden, statistiek, herleidingen)",
        f"Overview of covenant {covenant} ({period}): {lines} line(s) in the log "
        "(disclosed, withheld, statistics, re-identifications)",
    )


def overview_rule_columns() -> list[Text]:
    """Column headers of the rules table."""
    return [
        Text("regel", "rule"),
        Text("artikel", "article"),
        Text("versie", "version"),
        Text("verstrekt", "disclosed"),
        Text("tegengehouden", "withheld"),
        Text("per ontvanger", "per recipient"),
    ]


def overview_field_columns() -> list[Text]:
    """Column headers of the fields table."""
    return [
        Text("versie", "version"),
        Text("ontvanger", "recipient"),
        Text("veld", "field"),
        Text("behandeling", "treatment"),
        Text("verstrekt", "disclosed"),
    ]


def overview_other_columns() -> list[Text]:
    """Column headers of the table of statistics publications and re-identifications."""
    return [
        Text("wat", "what"),
        Text("versie", "version"),
        Text("aantal", "count"),
        Text("per partij", "per party"),
    ]


def statistics_row(rule: str) -> Text:
    """A statistics rule's publications."""
    return Text(f"statistiek, regel {rule}", f"statistics, rule {rule}")


def reidentification_row() -> Text:
    """Re-identifications under the covenant."""
    return Text("herleidingen", "re-identifications")


def register_title(covenant: str, versie: str, title: str) -> Text:
    """Title of one covenant version in the register."""
    return Text(
        f"Verwerkingsregister: {title} ({covenant}, versie {versie})",
        f"Register of processing activities: {title} ({covenant}, version {versie})",
    )


def register_columns() -> list[Text]:
    """Column headers of the register."""
    return [
        Text("verwerking", "activity"),
        Text("artikel", "article"),
        Text("doel", "purpose"),
        Text("grondslag", "legal basis"),
        Text("bewaartermijn", "retention"),
        Text("ontvangers en velden", "recipients and fields"),
        Text("voorwaarden", "conditions"),
    ]


def register_overwritten(activity: str, times: int) -> Text:
    """Someone wrote a register entry again with another content: passed over."""
    return Text(
        f"let op: verwerking {activity} is {times} keer opnieuw geschreven met een andere "
        "inhoud; dat is genegeerd: de eerste registerregel blijft gelden",
        f"note: activity {activity} was written {times} time(s) again with other content; "
        "passed over: the first entry stands",
    )


def unused(rules: list[str], fields: int) -> Text:
    """What disclosed nothing."""
    names = ", ".join(rules) if rules else "geen"
    names_en = ", ".join(rules) if rules else "none"
    return Text(
        f"zonder verstrekking in deze periode: regels {names}; {fields} veld(en) (zie hierboven, "
        "0). Het log zegt niet of een veld leeg was: een veld telt als verstrekt wanneer het in "
        "de view stond",
        f"nothing disclosed in this period: rules {names_en}; {fields} field(s) (0 above). The "
        "log does not say whether a field was empty: a field counts when the view carried it",
    )


def unknown_covenant_in_register(covenant: str) -> Text:
    """overzicht for a covenant the register does not know."""
    return Text(
        f"het verwerkingsregister kent convenant {covenant} niet; is het gepubliceerd (een "
        "startende worker of `convenant publish` zet het in het register)?",
        f"the register of processing activities does not know covenant {covenant}",
    )


def exported(count: int, path: str) -> Text:
    """export is done."""
    return Text(f"{count} regels geëxporteerd naar {path}", f"{count} lines exported to {path}")


#: The kind of an inzage line, as the table shows it (the JSON keeps the Dutch word).
KIND_WORDS = {
    "verstrekt": Text("verstrekt", "disclosed"),
    "tegengehouden": Text("tegengehouden", "withheld"),
    "geen ontvanger": Text("geen ontvanger", "no recipient"),
    "herleid": Text("herleid", "re-identified"),
}


def kind_word(kind: str) -> str:
    """An inzage line's kind in the language in force."""
    word = KIND_WORDS.get(kind)
    return str(word) if word is not None else kind


def withheld_without_location() -> Text:
    """Why a disclosure was withheld: the covenant has an area and the signal no location."""
    return Text(
        "het convenant geldt voor een gebied en het signaal noemt geen plaats",
        "the covenant covers an area and the signal names no location",
    )


def withheld_referred_outside_area() -> Text:
    """Why a follow-up was withheld: what it refers to lay outside the covenant's area."""
    return Text(
        "het bericht verwijst naar een signaal buiten het werkgebied van het convenant",
        "the record refers to a signal outside the covenant's area",
    )


def withheld_referred_outside_period() -> Text:
    """Why a follow-up was withheld: what it refers to happened outside the validity period."""
    return Text(
        "het bericht verwijst naar een signaal van buiten de looptijd van het convenant",
        "the record refers to a signal from outside the covenant's validity period",
    )


def withheld_referred_unknown() -> Text:
    """Why a follow-up was withheld: the router does not know where what it refers to lay."""
    return Text(
        "het bericht verwijst naar een signaal waarvan de pijplijn niet (meer) weet waar en "
        "wanneer het speelde (verwerkt vóór deze versie, of langer geleden dan zij onthoudt)",
        "the record refers to a signal of which the pipeline does not know (any longer) where "
        "and when it happened",
    )


#: How an inzage line was found, as the FG reads it (person.Person.found_by values).
_FOUND_BY = {
    "BSN": Text("BSN", "BSN"),
    "naam+geboortedatum": Text("naam en geboortedatum", "name and birth date"),
    "naam": Text("alleen de naam: kan een naamgenoot zijn", "the name alone: may be a namesake"),
    "deel van de naam": Text(
        "een deel van de naam (herleiding): kan een naamgenoot zijn",
        "part of the name (re-identification): may be a namesake",
    ),
}


def found_by_words(found_by: str | None) -> str:
    """By which identity an inzage line was found, in the language in force."""
    if found_by is None:
        return "-"
    text = _FOUND_BY.get(found_by)
    return str(text) if text is not None else found_by


def withheld_other_covenant() -> Text:
    """Why a disclosure was withheld: the record refers to a signal under another covenant."""
    return Text(
        "het bericht verwijst naar een signaal dat de afzender onder een ander convenant kreeg",
        "the record refers to a signal its sender received under another covenant",
    )


def invalid_bsn() -> Text:
    """inzage for a BSN that fails the 11-check."""
    return Text(
        "dit BSN klopt niet (het voldoet niet aan de elfproef); controleer het nummer",
        "this BSN fails the 11-check; check the number",
    )


def period_words(van: str | None, tot: str | None) -> Text:
    """The period of a report (``tot`` exclusive)."""
    if van is None and tot is None:
        return Text("hele log", "whole log")
    return Text(f"{van or '…'} tot {tot or '…'}", f"{van or '…'} until {tot or '…'}")
