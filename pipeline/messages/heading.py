"""What `convenant check` says about the heading's accountability elements (legal bases under
the AVG, controllers, data subject rights, security), about definitions no rule uses, and about
encrypted fields for a recipient without a key."""

from __future__ import annotations

from pipeline.language import Text

# --- definitions no rule uses ------------------------------------------------------------------


def unused_basis(name: str) -> Text:
    """A legal basis that no rule names."""
    return Text(
        f"grondslag {name!r} wordt door geen regel gebruikt; de bijlage noemt haar dan als "
        "grondslag van een verwerking die er niet is. Haal haar weg, of noem haar bij de regel "
        "die haar nodig heeft",
        f"legal basis {name!r} is used by no rule; remove it or name it in the rule that needs it",
    )


def unused_purpose(name: str) -> Text:
    """A purpose that no rule names."""
    return Text(
        f"doel {name!r} wordt door geen regel gebruikt; haal het weg, of noem het bij de regel "
        "die ervoor deelt (doelbinding: elk doel hoort bij een verstrekking)",
        f"purpose {name!r} is used by no rule; remove it or name it in the rule that serves it",
    )


# --- keys for encrypted fields -----------------------------------------------------------------


def no_key(rule: str, path: str, recipient: str, keyring: str) -> Text:
    """versleuteld for a recipient whose public key is not in the router's keyring."""
    return Text(
        f"deze regel versleutelt {path} voor {recipient}, maar de sleutelring ({keyring}) heeft "
        f"geen sleutel van {recipient}; zonder sleutel start de router niet. Laat de beheerder "
        f"eerst `ketenstroom keys recipient --for {recipient}` draaien (het privédeel gaat naar "
        f"{recipient})",
        f"rule {rule} encrypts {path} for {recipient}, whose public key is not in the keyring "
        f"({keyring}): ketenstroom keys recipient --for {recipient}",
    )


def keys_not_checked(recipients: list[str], keyring: str) -> Text:
    """A note, not a warning: the recipients of encrypted fields, whose keys check cannot see
    here (the keyring is the operator's and is usually not on the officer's computer)."""
    who = ", ".join(recipients)
    verb = "heeft" if len(recipients) == 1 else "hebben"
    return Text(
        f"of {who} een sleutel {verb} voor de versleutelde velden. Die "
        f"sleutels staan in de sleutelring van de router ({keyring}), en die is op deze computer "
        "niet te lezen; de beheerder ziet ze met `ketenstroom keys show`. Zonder sleutel start "
        "de router niet",
        f"whether {who} {'has' if len(recipients) == 1 else 'have'} a key for the fields rules "
        f"encrypt for them: the router's keyring ({keyring}) cannot be read here (the operator "
        "sees the keys with `ketenstroom keys show`)",
    )


# --- the heading's accountability elements ------------------------------------------------------


def not_a_party_here(key: str, party: str, hint: Text) -> Text:
    """contactpunt or loket names no party of the covenant."""
    return Text(
        f"`{key}: {party}` is geen partij van dit convenant{hint.nl or ';'} noem een partij uit "
        "convenant.partijen",
        f"`{key}: {party}` is not a party to this covenant{hint.en}",
    )


def joint_without_arrangement() -> Text:
    """gezamenlijk without regeling."""
    return Text(
        "bij `verhouding: gezamenlijk` (AVG art. 26) hoort een `regeling`: wie van de partijen "
        "welke verplichting nakomt, vooral tegenover betrokkenen. De wezenlijke inhoud daarvan "
        "moet voor betrokkenen beschikbaar zijn (art. 26 lid 2); zij komt in de bijlage",
        "verhouding gezamenlijk (GDPR art. 26) needs a `regeling`: who fulfils which obligation",
    )


def avg_outside_avg(basis: str, kader: str, key: str) -> Text:
    """avg_6/9/10 on a basis under the Wpg or Wjsg."""
    law = "Wet politiegegevens" if kader == "wpg" else "Wet justitiële en strafvorderlijke gegevens"
    return Text(
        f"grondslag {basis!r} valt onder de {law} (`kader: {kader}`); daar geldt de AVG niet, "
        f"dus `{key}` hoort hier niet. Haal het weg, of zet `kader: avg` als de AVG wel geldt",
        f"legal basis {basis!r} falls under kader {kader}, where the GDPR does not apply: "
        f"remove `{key}`",
    )


def no_avg_6(basis: str) -> Text:
    """A basis under the AVG without its art. 6 ground."""
    return Text(
        f"grondslag {basis!r} noemt niet op welke grond van AVG art. 6 lid 1 de verwerking "
        "rust; zet `avg_6: e` (taak van algemeen belang), `c` (wettelijke verplichting), `a` "
        "(toestemming) of een andere letter. Valt zij onder de politie- of justitiewetgeving, "
        "zet dan `kader: wpg` of `kader: wjsg`. De bijlage zegt anders 'niet opgegeven'",
        f"legal basis {basis!r} names no GDPR art. 6(1) ground (avg_6) nor a kader",
    )


def no_avg_9(basis: str) -> Text:
    """staat_toe bijzonder under the AVG without an art. 9 exception."""
    return Text(
        f"grondslag {basis!r} staat bijzondere persoonsgegevens toe, maar noemt niet welke "
        "uitzondering van AVG art. 9 lid 2 dat mogelijk maakt; zet bijvoorbeeld `avg_9: g` "
        "(zwaarwegend algemeen belang, op grond van een wet) of `avg_9: a` (uitdrukkelijke "
        "toestemming)",
        f"legal basis {basis!r} allows special categories but names no GDPR art. 9(2) exception",
    )


def no_avg_10(basis: str) -> Text:
    """staat_toe strafrechtelijk under the AVG without an art. 10 basis."""
    return Text(
        f"grondslag {basis!r} staat strafrechtelijke gegevens toe, maar noemt niet welke wet dat "
        "toestaat (AVG art. 10); zet bij `avg_10` de wet en het artikel, bijvoorbeeld de "
        "bepaling van de Wgs of de UAVG waarop u steunt",
        f"legal basis {basis!r} allows criminal data but names no GDPR art. 10 basis (avg_10)",
    )


def missing_elements(names: list[str]) -> Text:
    """The heading lacks accountability elements the annex needs."""
    return Text(
        f"het convenant zegt niets over {', '.join(names)}; de bijlage vermeldt dan 'niet "
        "vastgelegd in het convenant' (zie LEESMIJ.md, 'Verantwoordelijken, rechten en "
        "beveiliging')",
        f"the covenant says nothing about {', '.join(names)}; the annex says 'not laid down'",
    )


#: What each accountability element is about, for missing_elements.
ELEMENT_WORDS = {
    "verwerkingsverantwoordelijken": Text(
        "wie verwerkingsverantwoordelijke is (verwerkingsverantwoordelijken)",
        "who is controller (verwerkingsverantwoordelijken)",
    ),
    "rechten_betrokkenen": Text(
        "waar betrokkenen hun rechten uitoefenen (rechten_betrokkenen)",
        "where data subjects exercise their rights (rechten_betrokkenen)",
    ),
    "beveiliging": Text(
        "de beveiligingsmaatregelen (beveiliging)", "the security measures (beveiliging)"
    ),
}
