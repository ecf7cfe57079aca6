"""What `convenant check` says about a covenant: against the registry, the schemas, itself and
the other covenants. Each message says what is wrong and what to do."""

from __future__ import annotations

from pipeline.language import Text

# --- where: what a location belongs to ----------------------------------------------------


def in_rule(rule_id: str | None, number: int) -> Text:
    """A rule, by its id (or its number when it has none)."""
    if rule_id:
        return Text(f"regel {rule_id}", f"rule {rule_id}")
    return Text(f"de {number}e regel (zonder id)", f"rule number {number} (no id)")


def in_heading() -> Text:
    """The covenant's heading."""
    return Text("kop", "heading")


def in_example(name: str | None, number: int) -> Text:
    """An example of an examples file."""
    if name:
        return Text(f"voorbeeld '{name}'", f"example '{name}'")
    return Text(f"voorbeeld {number}", f"example {number}")


def in_partner(partner_id: str | None, number: int) -> Text:
    """A partner of the registry."""
    return Text(f"deelnemer {partner_id or number}", f"partner {partner_id or number}")


def did_you_mean(option: str | None) -> Text:
    """'; bedoelt u X?' or nothing."""
    if option is None:
        return Text("", "")
    return Text(f"; bedoelt u {option}?", f"; did you mean {option}?")


# --- heading --------------------------------------------------------------------------------


def unknown_party(party: str, hint: Text) -> Text:
    """A party not in the registry."""
    return Text(
        f"partij {party!r} staat niet in het partnerregister (deelnemers.yaml){hint.nl or '.'} Voeg "
        "haar daar eerst toe (zie LEESMIJ.md, 'Een partner toevoegen')",
        f"party {party!r} is not in the partner registry (deelnemers.yaml){hint.en}",
    )


def domain_named_after_partner(name: str) -> Text:
    """A linkage domain named like a partner."""
    return Text(
        f"koppeldomein {name!r} heeft de naam van een deelnemer; kies een andere naam, zodat het "
        "niet met het eigen domein van die deelnemer verward kan worden",
        f"linkage domain {name!r} has a partner's name; choose another name",
    )


def reidentifier_not_member(party: str, domain: str) -> Text:
    """herleidbaar_door names a party outside the domain."""
    return Text(
        f"{party!r} staat bij herleidbaar_door van koppeldomein {domain}, maar is geen partij in "
        "dat domein; zet haar bij partijen of haal haar hier weg",
        f"{party!r} is under herleidbaar_door of linkage domain {domain} but not one of its parties",
    )


def domain_member_not_party(party: str, domain: str) -> Text:
    """A domain member that is not a party to the covenant."""
    return Text(
        f"{party!r} in koppeldomein {domain} is geen partij van dit convenant; zet haar bij "
        "convenant.partijen of haal haar uit het domein",
        f"{party!r} in linkage domain {domain} is not a party to this covenant",
    )


def party_in_two_domains(party: str, first: str, second: str) -> Text:
    """A party in two linkage domains."""
    return Text(
        f"{party!r} zit in twee koppeldomeinen ({first} en {second}); een partij hoort in "
        "hoogstens één",
        f"{party!r} is in two linkage domains: {first} and {second}",
    )


def unknown_police_unit(unit: str, hint: Text, known: list[str]) -> Text:
    """A police unit that does not exist."""
    return Text(
        f"politie-eenheid {unit!r} bestaat niet{hint.nl} (bekend: {', '.join(known)})",
        f"police unit {unit!r} does not exist{hint.en} (known: {', '.join(known)})",
    )


def unknown_municipality(code: str, division: str, hint: Text) -> Text:
    """A municipality code of an area that the CBS list does not hold."""
    return Text(
        f"gemeente {code} bestaat niet in {division}{hint.nl or '.'} Staat er een tikfout in "
        "de code, of is de gemeente nieuw of opgeheven? De lijst staat in "
        "pipeline/places/gemeenten.csv",
        f"municipality {code} is not in the CBS list ({division}){hint.en or '.'} A typing "
        "error, or a new or abolished municipality? The list is pipeline/places/gemeenten.csv",
    )


def condition_not_a_municipality(path: str, value: str, division: str, hint: Text) -> Text:
    """A condition on a municipality field with a value that is no municipality."""
    return Text(
        f"{path} is een gemeentecode, maar {value} is geen gemeente in {division}"
        f"{hint.nl or '.'} Met deze waarde geldt de voorwaarde voor geen enkel signaal. Schrijf "
        "de CBS-code van de gemeente: GM en vier cijfers, bijvoorbeeld GM0344 voor Utrecht (alle "
        "gemeenten: pipeline/places/gemeenten.csv)",
        f"{path} holds a municipality code, but {value} is no municipality in the CBS list "
        f"({division}){hint.en}; the condition would never hold. Write the CBS code: GM and "
        "four digits, e.g. GM0344",
    )


def duplicate_covenant_id(covenant_id: str, first: str) -> Text:
    """Two files with one covenant id."""
    return Text(
        f"convenant-id {covenant_id!r} wordt ook gebruikt in {first}; geef elk convenant een "
        "eigen id",
        f"covenant id {covenant_id!r} is also used in {first}",
    )


def readable_in_domain(
    member: str, domain: str, what: str, covenant: str, rule: str, where: str
) -> Text:
    """A domain member that also receives an identifier readably."""
    what_nl = "het BSN" if what == "bsn" else "de naam"
    what_en = "the BSN" if what == "bsn" else "the name"
    return Text(
        f"{member} zit in koppeldomein {domain} en krijgt ook {what_nl} leesbaar (convenant "
        f"{covenant}, regel {rule}, {where}): daarmee kan {member} de pseudoniemen en "
        f"referenties van de andere partijen in {domain} herleiden. Haal {member} uit het "
        f"domein, geef het veld niet leesbaar, of zet `herleidbaar_door: {{{member}: <reden>}}` "
        "bij het domein als dat zo bedoeld is",
        f"{member} is in linkage domain {domain} and also receives {what_en} readably "
        f"(covenant {covenant}, rule {rule}, {where}), so it can re-identify the others' "
        f"pseudonyms; remove it, do not disclose it readably, or add herleidbaar_door with a reason",
    )


def areas_overlap(first: str, second: str, where_second: str, places: str, kinds: str) -> Text:
    """A warning: two covenants' areas overlap for the same kind of recipient, and where."""
    return Text(
        f"het werkgebied van {first} overlapt met dat van {second} ({where_second}) in "
        f"{places}, voor ontvangers van de soort {kinds}: een signaal daar gaat onder beide "
        "convenanten naar buiten. Controleer of dat zo bedoeld is (ketenstroom convenant "
        "analyse laat per veld zien waar ze verschillen)",
        f"the area of {first} overlaps that of {second} ({where_second}) in {places}, for "
        f"recipients of kind {kinds}: a signal there is disclosed under both covenants",
    )


def overlap_places(municipalities: list[str], units: list[str]) -> Text:
    """Where two areas overlap: municipalities with their names, and police units by name."""
    parts_nl, parts_en = [], []
    if municipalities:
        word = "gemeente" if len(municipalities) == 1 else "gemeenten"
        parts_nl.append(f"{word} {', '.join(municipalities)}")
        parts_en.append(f"municipalities {', '.join(municipalities)}")
    if units:
        parts_nl.append(f"politie-eenheid {', '.join(units)}, voor signalen zonder gemeente")
        parts_en.append(f"police unit {', '.join(units)}, for signals without a municipality")
    if not parts_nl:
        return Text("het hele land", "the whole country")
    return Text(" en ".join(parts_nl), " and ".join(parts_en))


# --- rules ----------------------------------------------------------------------------------


def duplicate_rule_id(rule_id: str, first_line: int) -> Text:
    """A rule id used twice."""
    return Text(
        f"regel-id {rule_id} komt twee keer voor: ook op regel {first_line} van dit bestand; "
        "geef elke regel een eigen id (de verantwoording noemt de regel bij zijn id)",
        f"rule id {rule_id} appears twice (also on line {first_line})",
    )


def undefined_purpose(rule: str, purpose: str, hint: Text, defined: list[str]) -> Text:
    """A rule's purpose is not in the heading."""
    return Text(
        f"doel {purpose!r} staat niet onder convenant.doelen{hint.nl} (gedefinieerd: "
        f"{', '.join(defined)})",
        f"doel {purpose!r} in rule {rule} is not defined under convenant.doelen{hint.en}",
    )


def undefined_basis(rule: str, basis: str, hint: Text, defined: list[str]) -> Text:
    """A rule's legal basis is not in the heading."""
    return Text(
        f"grondslag {basis!r} staat niet onder convenant.grondslagen{hint.nl} (gedefinieerd: "
        f"{', '.join(defined)})",
        f"grondslag {basis!r} in rule {rule} is not defined under convenant.grondslagen{hint.en}",
    )


def not_a_party(rule: str, party: str, hint: Text) -> Text:
    """A rule's source or recipient is not a party."""
    return Text(
        f"{party!r} is geen partij van dit convenant{hint.nl or ';'} Zet haar bij "
        "convenant.partijen, of verbeter de naam",
        f"{party!r} in rule {rule} is not a party to this covenant; add it to "
        f"convenant.partijen{hint.en}",
    )


def registry_refuses_role(rule: str, party: str, role: str) -> Text:
    """The registry says a party does not publish or receive."""
    does = "levert geen signalen aan" if role == "publiceert" else "ontvangt niets"
    return Text(
        f"{party!r} {does} volgens het partnerregister ({role}: false); haal haar hier weg of "
        "pas deelnemers.yaml aan",
        f"{party!r} in rule {rule}: the registry says {role}: false",
    )


def unknown_signal_type(rule: str, given: str, hint: Text, known: list[str]) -> Text:
    """A signal type that does not exist."""
    return Text(
        f"signaaltype {given!r} bestaat niet{hint.nl} (bekend: {', '.join(known)}; let op "
        "hoofdletters)",
        f"unknown signal type {given!r} in rule {rule}{hint.en}; known: {', '.join(known)}",
    )


def envelope_never(rule: str, path: str) -> Text:
    """A rule grants an envelope identifier."""
    return Text(
        f"{path} verlaat de router nooit (het is een kenmerk dat de bron maakte en waarmee "
        "ontvangers hun gegevens zouden kunnen koppelen); elke view krijgt een eigen referentie "
        "(envelope.event_ref). Haal deze regel weg",
        f"rule {rule}: {path} never leaves the router (views carry envelope.event_ref); remove it",
    )


def reference_treatment(rule: str, path: str) -> Text:
    """A reference field with a treatment other than doorgeven/weglaten."""
    return Text(
        f"{path} verwijst naar een eerder signaal; de ontvanger krijgt het als eigen referentie. "
        "Kies doorgeven of weglaten",
        f"rule {rule}: {path} refers to an earlier signal; use doorgeven or weglaten",
    )


def group_of_fields(rule: str, path: str, members: list[str]) -> Text:
    """A group path instead of its fields."""
    return Text(
        f"{path} is een groep velden; noem elk veld apart (zo gaat een later toegevoegd veld "
        f"nooit ongemerkt mee): {', '.join(members)}",
        f"{path} in rule {rule} is a group of fields; name each field: {', '.join(members)}",
    )


def unknown_field(rule: str, path: str, hint: Text, signal_type: str) -> Text:
    """A field the signal type does not have."""
    return Text(
        f"{signal_type} heeft geen veld {path}{hint.nl} (alle velden: `ketenstroom schemas "
        f"fields {signal_type}`)",
        f"unknown field {path} in rule {rule}{hint.en} ({signal_type} fields: see "
        f"`ketenstroom schemas fields {signal_type}`)",
    )


def treatment_misfit(rule: str, problem: Text) -> Text:
    """A treatment that does not fit the field."""
    return Text(f"{problem.nl}", f"rule {rule}: {problem.en}")


def condition_problem(rule: str, problem: Text) -> Text:
    """A condition that does not fit the field."""
    return Text(f"voorwaarde: {problem.nl}", f"rule {rule}: {problem.en}")


def category_by_condition(rule: str, path: str, names: str, basis: str, allowed: str) -> Text:
    """A condition reveals special-category data under a basis that does not allow it."""
    return Text(
        f"de voorwaarde op {path} gaat over {names} gegevens: wie de view ontvangt, weet dat de "
        f"voorwaarde klopt. Grondslag {basis!r} staat dat niet toe; kies een grondslag waarvan "
        f"staat_toe {allowed} noemt, of haal de voorwaarde weg",
        f"rule {rule} has a condition on {path}, which holds {names} data, under grondslag "
        f"{basis!r}, which does not allow it; use a basis whose staat_toe lists {allowed}",
    )


def identifier_in_condition(rule: str, path: str, treatment: str | None) -> Text:
    """A condition names the value of an identifier the rule does not give as it is."""
    given_nl = f"geeft het als {treatment}" if treatment else "geeft het niet"
    given_en = f"gives it as {treatment}" if treatment else "does not give it"
    return Text(
        f"de voorwaarde op {path} noemt een BSN of naam: wie de view ontvangt, weet dan om wie "
        f"het gaat, maar de regel {given_nl}. Zo herleidt de regel zelf het pseudoniem, zonder "
        f"verzoek van een herleider. Haal de voorwaarde weg, of geef {path} met doorgeven",
        f"rule {rule} has a condition naming values of {path}, an identifier the rule "
        f"{given_en} as it is: every view would tell whose it is (re-identifying its "
        f"pseudonym); remove the condition or give {path} with doorgeven",
    )


def category_disclosed(rule: str, path: str, names: str, basis: str, allowed: str) -> Text:
    """A field with special-category data under a basis that does not allow it."""
    return Text(
        f"deze regel geeft {path} door, met {names} gegevens, onder grondslag {basis!r}, die dat "
        f"niet toestaat; kies een grondslag waarvan staat_toe {allowed} noemt, of zet het veld "
        "op weglaten",
        f"rule {rule} discloses {path}, which holds {names} data, under grondslag {basis!r}, "
        f"which does not allow it; use a grondslag whose staat_toe lists {allowed}, or weglaten",
    )


def boolean_in_condition(path: str, value: str) -> Text:
    """YAML read NO, yes, on, off as true/false in a condition on a non-boolean field."""
    return Text(
        f"YAML leest deze waarde van {path} als ja/nee ({value}); bedoelt u de tekst, zet die "
        'dan tussen aanhalingstekens (bijvoorbeeld "NO" voor Noorwegen)',
        f"YAML reads this value of {path} as a boolean ({value}); quote it if text is meant",
    )


def conflicting_treatments(
    path: str, signal_type: str, source: str, recipient: str, other: str, other_line: int,
    other_treatment: str, mine: str, standard: str | None,
) -> Text:  # fmt: skip
    """Two rules of one covenant give one recipient a field in two ways."""
    extra_nl = (
        f" (een regel die {path} niet noemt, geeft het de standaardbehandeling {standard}: noem "
        "het in beide regels)"
        if standard
        else ""
    )
    return Text(
        f"{recipient} krijgt {path} van {signal_type} van {source} hier als {mine}, maar regel "
        f"{other} (regel {other_line}) geeft het als {other_treatment}; één ontvanger krijgt een "
        f"veld op één manier: maak de behandelingen gelijk{extra_nl}",
        f"{path} of {signal_type} from {source} to {recipient}: rule {other} (line {other_line}) "
        f"says {other_treatment}, this rule says {mine}; one field gets one treatment",
    )


def no_recipient_key(rule: str, path: str, recipient: str) -> Text:
    """Encryption for a recipient without a public key."""
    return Text(
        f"regel {rule} versleutelt {path} voor {recipient}, maar {recipient} heeft nog geen "
        f"sleutel; laat de beheerder `ketenstroom keys recipient --for {recipient}` draaien",
        f"rule {rule} encrypts {path} for {recipient}, who has no public key in the keyring: "
        f"ketenstroom keys recipient --for {recipient}",
    )


def period_order() -> Text:
    """geldig.tot before geldig.van."""
    return Text(
        "`tot` moet na `van` liggen (tot is de eerste dag waarop het convenant niet meer geldt)",
        "tot must lie after van",
    )


def one_test(path: str) -> Text:
    """A condition with none or several tests."""
    return Text(
        f"voorwaarde op {path}: kies precies één toets: is, in, vanaf/tot of minderjarig",
        f"condition on {path}: give exactly one of is, in, vanaf/tot, minderjarig",
    )


def empty_duration() -> Text:
    """bewaartermijn: P."""
    return Text(
        "de bewaartermijn heeft een lengte nodig, bijvoorbeeld P5Y (vijf jaar) of P6M (zes maanden)",
        "bewaartermijn needs a length, e.g. P5Y (five years) or P6M (six months)",
    )


def not_a_municipality_code(code: str, hint: Text) -> Text:
    """A municipality code that is not GM and four digits."""
    return Text(
        f"gemeentecode {code!r} is geen CBS-code{hint.nl or '.'} Schrijf GM en vier cijfers, "
        "bijvoorbeeld GM0344 voor Utrecht",
        f"municipality code {code!r} is not a CBS code{hint.en} (GM and four digits, e.g. "
        "GM0344)",
    )


def empty_area() -> Text:
    """werkgebied without municipalities or police units."""
    return Text(
        "noem gemeenten en/of politie_eenheden, of schrijf `werkgebied: landelijk`",
        "name gemeenten and/or politie_eenheden, or write `werkgebied: landelijk`",
    )


def reidentification_reason(party: str) -> Text:
    """herleidbaar_door without a real reason."""
    return Text(
        f"geef bij {party} een echte reden (minstens 20 tekens) waarom deze partij de "
        "pseudoniemen van de anderen mag kunnen herleiden",
        f"give {party} a real reason (at least 20 characters) why it may re-identify the "
        "others' pseudonyms",
    )


def not_a_public_key() -> Text:
    """A herleider's key is not an Ed25519 public key."""
    return Text(
        "dit is geen publieke sleutel van een herleider: plak de regel die `ketenstroom keys "
        "herleider` afdrukt",
        "not a re-identifier's public key: paste the line `ketenstroom keys herleider` prints",
    )


def reidentifier_not_party(name: str, party: str) -> Text:
    """A herleider acts for a party that is not in the covenant."""
    return Text(
        f"herleider {name} handelt namens {party!r}, maar dat is geen partij van dit convenant; "
        "noem een partij uit convenant.partijen",
        f"re-identifier {name} acts for {party!r}, which is not a party to this covenant",
    )


def reidentifier_twice(name: str) -> Text:
    """Two herleiders with one name or one key."""
    return Text(
        f"herleider {name} staat er twee keer (dezelfde naam of dezelfde sleutel); ieder "
        "persoon staat er één keer, met een eigen sleutel",
        f"re-identifier {name} is listed twice (same name or key); one entry per person",
    )


def reidentifier_without_pseudonyms(name: str, party: str) -> Text:
    """A herleider for a party that receives no reversible pseudonym."""
    return Text(
        f"herleider {name} handelt namens {party}, maar geen regel geeft {party} een "
        "pseudoniem-herleidbaar: er is voor haar niets te herleiden; haal de herleider weg of "
        "controleer de regels",
        f"re-identifier {name} acts for {party}, but no rule gives {party} a reversible pseudonym",
    )


def reversible_without_reidentifier(rule: str, path: str, party: str) -> Text:
    """A reversible pseudonym for a party no herleider acts for."""
    return Text(
        f"regel {rule} geeft {party} {path} als pseudoniem-herleidbaar, maar geen herleider in "
        f"de kop handelt namens {party}: niemand mag het herleiden, terwijl wie de sleutel van de "
        f"router heeft het wel kan. Kies pseudoniem (niet terug te rekenen), of noem onder "
        f"herleiders wie namens {party} mag herleiden",
        f"rule {rule} gives {party} {path} as a reversible pseudonym, but no re-identifier acts "
        f"for {party}: use pseudoniem, or name a herleider",
    )


def herleider_added(covenant: str, name: str, party: str) -> Text:
    """convenant diff: a new herleider."""
    return Text(
        f"{covenant}: {name} mag voortaan herleiden, namens {party}",
        f"{covenant}: {name} may now re-identify, for {party}",
    )


def herleider_removed(covenant: str, name: str, party: str) -> Text:
    """convenant diff: a herleider is gone."""
    return Text(
        f"{covenant}: {name} (namens {party}) mag niet meer herleiden",
        f"{covenant}: {name} (for {party}) may no longer re-identify",
    )


def herleider_changed(covenant: str, name: str, party: str) -> Text:
    """convenant diff: a herleider's party or key changed."""
    return Text(
        f"{covenant}: herleider {name} heeft een andere sleutel of partij (nu namens {party})",
        f"{covenant}: re-identifier {name} has another key or party (now for {party})",
    )
