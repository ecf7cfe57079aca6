"""The help pages of the officer's, FG's and herleiders' commands (``--help``), in Dutch and
English: ``convenant``, ``verantwoording``, ``reidentify`` and ``keys ondertekening`` /
``keys herleider``. Chosen once, when the command tree is built
(``pipeline.cli.officer.HELP_LANGUAGE``)."""

from __future__ import annotations

from pipeline.language import Text

# --- typer's own words on a help page ----------------------------------------------------------


def usage() -> Text:
    """The word before the usage line."""
    return Text("Gebruik:", "Usage:")


def options_metavar() -> Text:
    """Where options go in the usage line."""
    return Text("[OPTIES]", "[OPTIONS]")


def subcommand_metavar() -> Text:
    """Where a group's command goes in the usage line."""
    return Text("OPDRACHT [ARGUMENTEN]...", "COMMAND [ARGS]...")


def arguments_panel() -> Text:
    """Title of the arguments panel."""
    return Text("Argumenten", "Arguments")


def options_panel() -> Text:
    """Title of the options panel."""
    return Text("Opties", "Options")


def commands_panel() -> Text:
    """Title of the commands panel."""
    return Text("Opdrachten", "Commands")


def default_value() -> Text:
    """How a default is shown (a format with one {})."""
    return Text("[standaard: {}]", "[default: {}]")


def required() -> Text:
    """The mark of a required option."""
    return Text("[verplicht]", "[required]")


#: Argument names on a help page (the parameter names are the code's).
_ARGUMENTS = {
    "path": Text("PAD", "PATH"),
    "paths": Text("PAD", "PATH"),
    "old": Text("VOOR", "BEFORE"),
    "new": Text("NA", "AFTER"),
    "label": Text("PSEUDONIEM", "PSEUDONYM"),
    "request_file": Text("VERZOEK", "REQUEST"),
}
#: What kind of value an option takes, by its Python type's name.
_KINDS = {
    "str": Text("TEKST", "TEXT"),
    "Path": Text("PAD", "PATH"),
    "list[Path]": Text("PADEN", "PATHS"),
    "float": Text("GETAL", "NUMBER"),
    "int": Text("GETAL", "NUMBER"),
    "datetime": Text("DATUM", "DATE"),
}


def argument_name(name: str) -> Text:
    """How an argument is called on a help page."""
    return _ARGUMENTS.get(name, Text(name.upper(), name.upper()))


def value_kind(kind: str) -> Text | None:
    """The kind of value an option takes (None: a flag, or a kind without a word)."""
    return _KINDS.get(kind)


def help_option() -> Text:
    """What -h/--help does."""
    return Text("Toon deze uitleg en stop.", "Show this message and exit.")


# --- convenant ---------------------------------------------------------------------------------


def convenant_group() -> Text:
    """ketenstroom convenant."""
    return Text(
        "Convenanten (convenanten/): controleren, testen, uitleggen, vergelijken en publiceren.",
        "Covenant files (convenanten/): check, test, explain, diff and publish.",
    )


def covenant_path() -> Text:
    """The covenant file or directory argument."""
    return Text(
        "Een convenantbestand, of de map met convenanten (standaard: KETENSTROOM_CONVENANTEN_DIR).",
        "A covenant file, or the covenant directory (default: KETENSTROOM_CONVENANTEN_DIR).",
    )


def covenant_folder() -> Text:
    """The covenant directory argument of publish."""
    return Text(
        "De map met convenanten (standaard: KETENSTROOM_CONVENANTEN_DIR); alle convenanten "
        "erin worden samen gepubliceerd.",
        "The covenant directory (default: KETENSTROOM_CONVENANTEN_DIR); every covenant in it "
        "is published together.",
    )


def check() -> Text:
    """convenant check."""
    return Text(
        "Controleer convenanten tegen het partnerregister en de schema's: elke fout met "
        "bestand:regel:kolom en wat u moet doen. Waarschuwingen (let op) laten de controle niet "
        "mislukken.",
        "Check covenant files against the registry and the schemas: every problem with "
        "file:line:column and what to do; warnings do not fail the check.",
    )


def test() -> Text:
    """convenant test."""
    return Text(
        "Draai de voorbeeldtests (<naam>.voorbeelden.yaml): elke ontvanger krijgt precies de "
        "genoemde velden. Elk voorbeeld toetst het convenant waar het naast staat.",
        "Run the example tests (*.voorbeelden.yaml): each recipient gets exactly the fields "
        "named. Each example tests the covenant it sits beside.",
    )


def explain() -> Text:
    """convenant explain."""
    return Text(
        "De bijlage bij het convenant: status, partijen en hun rol, grondslagen (AVG art. 6, 9 "
        "en 10), doelen, rechten van betrokkenen, beveiliging, wie wat levert en wie wat ziet, "
        "en per ontvanger elk veld: hoe, waarom en hoe lang.",
        "The covenant's annex: status, parties and their roles, legal bases (GDPR art. 6, 9 "
        "and 10), purposes, data subject rights, security, who supplies and who sees what, and "
        "per recipient each field: how, why and for how long.",
    )


def explain_format() -> Text:
    """explain --format."""
    return Text(
        "tabel, markdown, html of pdf (pdf vraagt --uit).",
        "tabel, markdown, html or pdf (pdf needs --uit).",
    )


def explain_recipient() -> Text:
    """explain --recipient."""
    return Text("Alleen deze ontvanger.", "Only this recipient.")


def explain_type() -> Text:
    """explain --type."""
    return Text("Alleen dit signaaltype.", "Only this signal type.")


def explain_output() -> Text:
    """explain --uit."""
    return Text(
        "Schrijf naar dit bestand in plaats van naar het scherm.",
        "Write to this file instead of the screen.",
    )


def diff() -> Text:
    """convenant diff."""
    return Text(
        "Wijzigingsnotitie: per ontvanger wat nieuw, niet meer of anders wordt gedeeld (ook "
        "meer of minder door een voorwaarde, het werkgebied, de geldigheid of de bronnen), "
        "vanaf welke datum en op welke grondslag. Twee verschillende convenanten worden per "
        "soort partner vergeleken. Als bijlage: --format markdown|html --uit BESTAND.",
        "A change memo: per recipient what is newly shared, no longer shared or shared "
        "differently (also more or less by a condition, the area, the validity or the sources), "
        "from which date and on which legal basis. Two different covenants are compared per "
        "kind of partner. As an attachment: --format markdown|html --uit FILE.",
    )


def diff_old() -> Text:
    """diff's first argument."""
    return Text(
        "Vóór: een convenantbestand, een map, of een git-versie (bijvoorbeeld HEAD).",
        "Before: a covenant file, a directory, or a git revision (e.g. HEAD).",
    )


def diff_new() -> Text:
    """diff's second argument."""
    return Text(
        "Na: bestand, map of git-versie (standaard: de huidige bestanden).",
        "After: file, directory or revision (default: the working directory).",
    )


def diff_format() -> Text:
    """diff --format."""
    return Text(
        "tabel (op het scherm), markdown of html (een notitie per ontvanger).",
        "tabel (on screen), markdown or html (a memo per recipient).",
    )


def diff_recipient() -> Text:
    """diff --ontvanger."""
    return Text("Alleen het deel van deze ontvanger.", "Only this recipient's part.")


def analyse() -> Text:
    """convenant analyse."""
    return Text(
        "De convenanten naast elkaar: per convenant wie wat ziet, per soort partner wat "
        "verschilt en wat ontbreekt, overlappende werkgebieden (gemeenten met code en naam) en "
        "tegenstrijdigheden, wie over convenanten heen kan herleiden, statistiekregels en "
        "dubbel tellen, en losse eindjes. Zonder --format een samenvatting; het hele verslag "
        "met --format html|markdown|json --uit BESTAND.",
        "The covenants side by side: per covenant who sees what, per kind of partner what "
        "differs and what is missing, overlapping areas (municipalities by code and name) and "
        "conflicts, who can re-identify across covenants, statistics rules and double counting, "
        "and loose ends. Without --format a summary; the whole report with --format "
        "html|markdown|json --uit FILE.",
    )


def analyse_paths() -> Text:
    """analyse's files or directories."""
    return Text(
        "Convenantbestanden of mappen (standaard: KETENSTROOM_CONVENANTEN_DIR).",
        "Covenant files or directories (default: KETENSTROOM_CONVENANTEN_DIR).",
    )


def analyse_format() -> Text:
    """analyse --format."""
    return Text(
        "tabel (een samenvatting), html, markdown of json.",
        "tabel (a summary), html, markdown or json.",
    )


def report_output() -> Text:
    """--uit of analyse."""
    return Text("Schrijf het verslag naar dit bestand.", "Write the report to this file.")


def analyse_from() -> Text:
    """analyse --van."""
    return Text(
        "Met een bereikbare pijplijn: zoek in het verantwoordingslog de regels die vanaf deze dag "
        "niets verstrekten.",
        "With a reachable pipeline: find in the disclosure log the rules that disclosed nothing "
        "from this day.",
    )


def analyse_until() -> Text:
    """analyse --tot."""
    return Text(
        "... tot deze dag (die dag telt niet mee).",
        "... until this day (exclusive).",
    )


def proef() -> Text:
    """convenant proef."""
    return Text(
        "Proef op echte signalen: de signalen van een periode (standaard de afgelopen 7 dagen) "
        "gaan in het geheugen door de versie die live is en door de voorgestelde bestanden; per "
        "ontvanger, regel en veld hoeveel verstrekkingen nieuw, vervallen of anders zouden zijn, "
        "en hoeveel signalen naar niemand of juist naar iemand zouden gaan. Verstuurt niets, "
        "toont alleen aantallen. Heeft de leesrechten van een router nodig.",
        "A dry run on real signals: the signals of a period (default the last 7 days) go in "
        "memory through the version in force and through the proposed files; per recipient, "
        "rule and field how many disclosures would be new, withdrawn or different, and how many "
        "signals would go to nobody or to someone. Sends nothing, shows counts only. Needs a "
        "router's read rights.",
    )


def proef_path() -> Text:
    """proef's files."""
    return Text(
        "De voorgestelde convenanten: een bestand of de map (standaard: "
        "KETENSTROOM_CONVENANTEN_DIR).",
        "The proposed covenants: a file or the directory (default: KETENSTROOM_CONVENANTEN_DIR).",
    )


def proef_from() -> Text:
    """proef --van."""
    return Text(
        "Vanaf deze dag (standaard: 7 dagen geleden).", "From this day (default: 7 days ago)."
    )


def proef_until() -> Text:
    """proef --tot."""
    return Text(
        "Tot deze dag, die dag telt niet mee (standaard: nu).",
        "Until this day, exclusive (default: now).",
    )


# --- keys (the officer's and the herleider's) ---------------------------------------------------


def keys_signing() -> Text:
    """keys ondertekening."""
    return Text(
        "Maak uw persoonlijke sleutel (Ed25519) waarmee u convenanten ondertekent bij "
        "`convenant publish`, en vertrouw hem op deze computer. Het publieke deel "
        "(ondertekenaars.json) krijgen de beheerders voor de routers; de sleutel zelf geeft u "
        "aan niemand.",
        "Create the Ed25519 key that signs published covenants, and trust it on this machine. "
        "The public half (ondertekenaars.json) goes to the operators for the workers; the key "
        "itself to nobody.",
    )


def keys_signer_name() -> Text:
    """keys ondertekening --naam."""
    return Text(
        "Wie ondertekent, zoals het in de bijlage komt te staan (bijvoorbeeld \"FG "
        "Midden-Nederland\").",
        "Who signs, as the annex will name them (e.g. \"FG Midden-Nederland\").",
    )


def keys_herleider() -> Text:
    """keys herleider."""
    return Text(
        "Maak uw persoonlijke herleidersleutel (Ed25519, KETENSTROOM_HERLEIDER_KEY) waarmee u "
        "verzoeken om te herleiden ondertekent, en toon de regels die u noemen onder "
        "`herleiders:` in het convenant.",
        "Create your Ed25519 key for signing re-identification requests "
        "(KETENSTROOM_HERLEIDER_KEY) and print the lines that name you under `herleiders:` in "
        "the covenant.",
    )


def keys_herleider_name() -> Text:
    """keys herleider --naam."""
    return Text(
        "Uw naam en functie, zoals het convenant u noemt.",
        "Your name and role, as the covenant names you.",
    )


def keys_herleider_for() -> Text:
    """keys herleider --namens."""
    return Text(
        "De partij namens wie u herleidt (haar id in deelnemers.yaml).",
        "The party you act for (its id in deelnemers.yaml).",
    )


def publish() -> Text:
    """convenant publish."""
    return Text(
        "Controleer, test, onderteken en publiceer de convenanten; draaiende routers schakelen "
        "over zonder herstart. Daarna wacht het commando op de routers en zegt wie de nieuwe "
        "versie overnam en wie haar weigerde. Afloop: 0 alle routers namen haar over; 1 niet "
        "gepubliceerd; 2 een router weigerde; 4 niet elke router antwoordde.",
        "Check, test, sign and publish the covenants; running workers switch without a "
        "restart. Then waits for every running worker and says who adopted the new version and "
        "who refused it. Exit 0: all adopted; 1: not published; 2: a worker refused; 4: not "
        "every worker answered.",
    )


def publish_version() -> Text:
    """publish --versie."""
    return Text(
        "Publicatienummer (standaard: één hoger dan het nieuwste gepubliceerde).",
        "Version number (default: one higher than the newest published).",
    )


def publish_wait() -> Text:
    """publish --wacht."""
    return Text(
        "Hoeveel seconden op het antwoord van de routers wachten.",
        "Seconds to wait for the workers to answer.",
    )


def status() -> Text:
    """convenant status."""
    return Text(
        "Welke convenantversie elke router gebruikt (0: de bestanden op schijf), zijn laatste "
        "melding en zijn laatste weigering.",
        "Every worker's covenant version (0: the files on disk), last report and last refusal.",
    )


def as_json_lines() -> Text:
    """--json on status."""
    return Text("Eén JSON-object per regel.", "One JSON object per line.")


# --- verantwoording -----------------------------------------------------------------------------


def verantwoording_group() -> Text:
    """ketenstroom verantwoording."""
    return Text(
        "Verantwoording voor de FG: inzage per persoon, gebruik per convenant, het register van "
        "verwerkingen, export (OTLP).",
        "Accountability for the FG: inzage per person, use per covenant, the register of "
        "processing activities, export (OTLP).",
    )


def period_from() -> Text:
    """--van."""
    return Text(
        "Vanaf deze dag (die dag telt mee, Nederlandse tijd).",
        "From this day (inclusive, Dutch time).",
    )


def period_until() -> Text:
    """--tot."""
    return Text("Tot deze dag (die dag telt niet mee).", "Until this day (exclusive).")


def as_json_document() -> Text:
    """--json on the FG's reports."""
    return Text("Eén JSON-document in plaats van tabellen.", "One JSON document instead of tables.")


def inzage() -> Text:
    """verantwoording inzage."""
    return Text(
        "Elke verstrekking over één persoon: wanneer, aan wie, welke velden en hoe, onder welk "
        "convenant, welke regel, welk artikel, welke grondslag en welk doel; en elke "
        "herleiding. Geef het BSN, of naam en geboortedatum, of beide (het log noemt iemand bij "
        "het BSN als het signaal er een had).",
        "Every disclosure about one person: when, to whom, which fields and how, under which "
        "covenant, rule, article, legal basis and purpose; and every re-identification. Give "
        "the BSN, or name and birth date, or both (the log names someone by BSN when a signal "
        "had one).",
    )


def inzage_bsn() -> Text:
    """inzage --bsn."""
    return Text("Het BSN van de persoon.", "The person's BSN.")


def inzage_name() -> Text:
    """inzage --naam."""
    return Text(
        "Volledige naam: alleen (vindt ook naamgenoten), of samen met --geboortedatum.",
        "Full name: alone (also finds namesakes), or with --geboortedatum.",
    )


def inzage_birth_date() -> Text:
    """inzage --geboortedatum."""
    return Text("Geboortedatum (samen met --naam).", "Birth date (with --naam).")


def inzage_keys() -> Text:
    """inzage --sleutels."""
    return Text(
        "Het sleuteluittreksel van de FG (standaard: KETENSTROOM_KEYRING).",
        "The FG's key extract (default: KETENSTROOM_KEYRING).",
    )


def overzicht() -> Text:
    """verantwoording overzicht."""
    return Text(
        "Verstrekkingen per regel, ontvanger en veld van één convenant, en de regels en velden "
        "die in de periode niets verstrekten (voor de evaluatie van het convenant en "
        "dataminimalisatie).",
        "Disclosures per rule, recipient and field of one covenant, and the rules and fields "
        "that disclosed nothing in the period (for the covenant's evaluation and data "
        "minimisation).",
    )


def overzicht_covenant() -> Text:
    """overzicht --convenant."""
    return Text("De id van het convenant.", "The covenant's id.")


def register() -> Text:
    """verantwoording register."""
    return Text(
        "Het register van verwerkingen (AVG art. 30) per convenant en versie: van elke "
        "verwerking het doel, de grondslag, de bewaartermijn, de ontvangers en wat elk "
        "ontvangt. Een vermelding wordt één keer geschreven en verandert nooit: een regel in het "
        "log vindt altijd de vermelding waaronder hij geschreven is.",
        "The register of processing activities (AVG art. 30) per covenant and version: every "
        "activity's purpose, legal basis, retention, recipients and what each receives. Entries "
        "are written once and never change; a log line always finds the entry it was written "
        "under.",
    )


def register_covenant() -> Text:
    """verantwoording register --convenant."""
    return Text("Alleen het convenant met dit id.", "Only this covenant's id.")


def export() -> Text:
    """verantwoording export."""
    return Text(
        "Het log als OTLP JSON-regels (één ExportTraceServiceRequest per regel) in de vorm van "
        "Logboek Dataverwerkingen, voor het logboek van uw eigen organisatie.",
        "The log as OTLP JSON lines (one ExportTraceServiceRequest a line) in the Logboek "
        "Dataverwerkingen shape, for an organisation's own logboek.",
    )


def export_output() -> Text:
    """export --uit."""
    return Text(
        "Schrijf de regels naar dit bestand (standaard: het scherm).",
        "Write the lines here (default: stdout).",
    )


# --- reidentify ---------------------------------------------------------------------------------


def reidentify_group() -> Text:
    """ketenstroom reidentify."""
    return Text(
        "Een herleidbaar pseudoniem herleiden: een herleider die het convenant noemt, "
        "ondertekent een verzoek; wie de sleutelring beheert, voert het uit (uitvoeren), en "
        "dat komt eerst in het verantwoordingslog.",
        "Re-identify a reversible pseudonym: a herleider named in the covenant signs a request "
        "(verzoek); the keyring's holder carries it out (uitvoeren), logged first.",
    )


def request() -> Text:
    """reidentify verzoek."""
    return Text(
        "Onderteken een verzoek om te herleiden met uw herleidersleutel "
        "(KETENSTROOM_HERLEIDER_KEY).",
        "Sign a re-identification request with your herleider key (KETENSTROOM_HERLEIDER_KEY).",
    )


def request_label() -> Text:
    """verzoek's pseudonym argument."""
    return Text("Het herleidbare pseudoniem (RP1....).", "The reversible pseudonym (RP1....).")


def request_reason() -> Text:
    """verzoek --reden."""
    return Text("Waarom (komt in het verantwoordingslog).", "Why (goes into the disclosure log).")


def request_output() -> Text:
    """verzoek --uit."""
    return Text(
        "Schrijf het ondertekende verzoek naar dit bestand (standaard: het scherm).",
        "Write the signed request here (default: stdout).",
    )


def request_hours() -> Text:
    """verzoek --geldig."""
    return Text(
        "Hoeveel uur het verzoek geldig blijft (hoogstens 24).",
        "Hours the request stays valid (at most 24).",
    )


def carry_out() -> Text:
    """reidentify uitvoeren."""
    return Text(
        "Toets een ondertekend verzoek aan het convenant van het domein van het pseudoniem, leg "
        "de herleiding vast (wie, waarom, met het verzoek als bewijs) en toon pas daarna het "
        "BSN.",
        "Check a signed request against the covenant of the pseudonym's domain, log the act "
        "(who, why, the request as proof) with Kafka's acknowledgement, then show the "
        "identifier.",
    )


def carry_out_file() -> Text:
    """uitvoeren's file argument."""
    return Text(
        "Het ondertekende verzoek (van `reidentify verzoek`); - voor standaardinvoer.",
        "The signed request (from `reidentify verzoek`); - for stdin.",
    )
