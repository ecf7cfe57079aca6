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


def keys_unknown(recipients: list[str], keyring: str) -> Text:
    """versleuteld fields while the keyring cannot be read here."""
    return Text(
        f"regels versleutelen velden voor {', '.join(recipients)}; of zij een sleutel hebben, "
        f"kan check hier niet nagaan (geen leesbare sleutelring op {keyring}). Vraag de "
        "beheerder (`ketenstroom keys list`) voordat u publiceert: zonder sleutel start de "
        "router niet",
        f"rules encrypt fields for {', '.join(recipients)}; the keyring ({keyring}) cannot be "
        "read here to confirm their keys (ketenstroom keys list)",
    )
