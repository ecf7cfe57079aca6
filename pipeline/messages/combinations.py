"""What `convenant check` says about two covenants together: one recipient that receives a
person's identity under one and only a pseudonym or generalisation of it under the other."""

from __future__ import annotations

from pipeline.language import Text

_KINDS_NL = {"bsn": "het BSN", "naam": "de naam"}
_KINDS_EN = {"bsn": "the BSN", "naam": "the name"}


def _fields(fields: list[tuple[str, str]]) -> str:
    """``slachtoffer.bsn (pseudoniem), ...``."""
    return ", ".join(f"{path} ({treatment})" for path, treatment in fields)


def reidentifiable_across(
    recipient: str,
    covenant: str,
    rule: str,
    signal_type: str,
    sources: list[str],
    protected: list[tuple[str, str]],
    other: str,
    other_rule: str,
    other_where: str,
    identity: list[str],
    kinds: list[str],
) -> Text:
    """A recipient can re-identify what ``covenant`` protects through ``other``."""
    what_nl = " en ".join(_KINDS_NL[k] for k in kinds)
    what_en = " and ".join(_KINDS_EN[k] for k in kinds)
    from_ = ", ".join(sources)
    return Text(
        f"{recipient} krijgt onder dit convenant ({covenant}, regel {rule}) van {signal_type} "
        f"van {from_} alleen {_fields(protected)}, maar onder convenant {other} (regel "
        f"{other_rule}, {other_where}) {what_nl} leesbaar ({', '.join(identity)}), voor signalen "
        "die onder allebei vallen (werkgebied, geldigheid, bron en signaaltype overlappen). "
        f"Door zijn twee views van één signaal naast elkaar te leggen, kan {recipient} dan "
        f"weten om wie het gaat, en met die kennis ook de pseudoniemen herleiden van signalen "
        f"die alleen onder {covenant} vallen. Geef {recipient} onder één van beide convenanten "
        "de identiteit of het pseudoniem niet, laat werkgebied of geldigheid niet overlappen, "
        f"of zet in dit convenant onder `herleidbaar_via` ontvanger {recipient}, convenant "
        f"{other} en de reden, als dat zo bedoeld is",
        f"{recipient} receives under this covenant ({covenant}, rule {rule}) of {signal_type} "
        f"from {from_} only {_fields(protected)}, but under covenant {other} (rule {other_rule}, "
        f"{other_where}) {what_en} readably ({', '.join(identity)}), for signals both cover: it "
        "can join its two views of one signal and re-identify the pseudonyms, also of signals "
        f"only {covenant} covers. Do not give it one of the two, keep the areas or periods "
        f"apart, or name it under `herleidbaar_via` with covenant {other} and the reason",
    )


def reason_too_short() -> Text:
    """herleidbaar_via without a real reason."""
    return Text(
        "geef een echte reden (minstens 20 tekens) waarom deze ontvanger mag kunnen herleiden "
        "wat dit convenant beschermt",
        "give a real reason (at least 20 characters) why this recipient may re-identify what "
        "this covenant protects",
    )


def statement_not_a_party(recipient: str, hint: Text) -> Text:
    """herleidbaar_via names a recipient that is not a party."""
    return Text(
        f"herleidbaar_via noemt ontvanger {recipient!r}, maar die is geen partij van dit "
        f"convenant{hint.nl} Noem een partij uit convenant.partijen",
        f"herleidbaar_via names recipient {recipient!r}, which is not a party to this "
        f"covenant{hint.en}",
    )


def statement_own_covenant(covenant: str) -> Text:
    """herleidbaar_via names the covenant it stands in."""
    return Text(
        f"herleidbaar_via noemt {covenant}, dit convenant zelf; noem het andere convenant dat de "
        "ontvanger de identiteit geeft",
        f"herleidbaar_via names {covenant}, this covenant itself; name the other covenant",
    )


def statement_unknown_covenant(covenant: str, hint: Text, known: list[str]) -> Text:
    """herleidbaar_via names a covenant that is not being checked with this one."""
    listed = ", ".join(known) or "geen"
    return Text(
        f"herleidbaar_via noemt convenant {covenant!r}, dat er niet is (er zijn: {listed})"
        f"{hint.nl} Controleer de hele map, of haal deze regel weg als dat convenant niet "
        "meer bestaat",
        f"herleidbaar_via names covenant {covenant!r}, which is not among the covenants checked"
        f"{hint.en} (known: {', '.join(known) or 'none'})",
    )


def statement_without_finding(recipient: str, other: str) -> Text:
    """A warning: herleidbaar_via allows something no rule makes possible."""
    return Text(
        f"herleidbaar_via staat toe dat {recipient} via convenant {other} herleidt, maar geen "
        f"regel maakt dat mogelijk: {recipient} krijgt onder {other} geen identiteit bij wat dit "
        "convenant beschermt. Haal de regel weg als die niet meer nodig is",
        f"herleidbaar_via allows {recipient} to re-identify through covenant {other}, but no "
        "rule makes that possible; remove it if it is no longer needed",
    )
