"""What the change memo and the side-by-side analysis say about a difference, in Dutch and
English: the kinds of change, the aspects that changed, and how two regions are compared."""

from __future__ import annotations

from pipeline.language import Text

#: Kinds of change in a memo (before -> after), by the engine's Kind value.
_KINDS = {
    "nieuw": Text("nieuw gedeeld", "newly disclosed"),
    "meer": Text("meer gedeeld", "more shared"),
    "zwakker": Text("minder beschermd", "less protected"),
    "anders": Text("anders behandeld", "treated differently"),
    "gronden": Text("op andere gronden", "on other grounds"),
    "afbakening": Text("anders afgebakend", "bounded differently"),
    "sterker": Text("beter beschermd", "better protected"),
    "minder": Text("minder gedeeld", "less shared"),
    "vervalt": Text("niet meer gedeeld", "no longer disclosed"),
}
#: Aspects of which signals a rule takes, by the engine's Aspect value: "door ..." / "by ...".
_ASPECTS = {
    "voorwaarde": Text("een voorwaarde", "a condition"),
    "werkgebied": Text("het werkgebied", "the area"),
    "geldigheid": Text("de geldigheid", "the validity"),
    "bron": Text("de bronnen", "the sources"),
    "zonder-locatie": Text("signalen zonder locatie", "signals without a location"),
    "signaaltype": Text("de signaaltypen", "the signal types"),
}


def aspects(values: tuple[str, ...]) -> Text:
    """``een voorwaarde en het werkgebied``."""
    words = [_ASPECTS.get(v, Text(v, v)) for v in values]
    if not words:
        return Text("", "")
    if len(words) == 1:
        return words[0]
    return Text(
        ", ".join(w.nl for w in words[:-1]) + " en " + words[-1].nl,
        ", ".join(w.en for w in words[:-1]) + " and " + words[-1].en,
    )


def change_kind(kind: str, by: tuple[str, ...] = ()) -> Text:
    """The heading of a kind of change: ``minder gedeeld door een voorwaarde``."""
    label = _KINDS[kind]
    if by and kind in ("meer", "minder", "afbakening"):
        words = aspects(by)
        return Text(f"{label.nl} door {words.nl}", f"{label.en} by {words.en}")
    return label


def side_by_side_kind(kind: str, first: str, second: str, by: tuple[str, ...] = ()) -> Text:
    """How a difference between two covenants reads (first = left, second = right)."""
    words = aspects(by)
    extra_nl = f" ({words.nl})" if by else ""
    extra_en = f" ({words.en})" if by else ""
    return {
        "nieuw": Text(f"alleen onder {second}", f"only under {second}"),
        "vervalt": Text(f"alleen onder {first}", f"only under {first}"),
        "zwakker": Text(f"minder beschermd onder {second}", f"less protected under {second}"),
        "sterker": Text(f"minder beschermd onder {first}", f"less protected under {first}"),
        "meer": Text(f"ruimer onder {second}{extra_nl}", f"wider under {second}{extra_en}"),
        "minder": Text(f"ruimer onder {first}{extra_nl}", f"wider under {first}{extra_en}"),
        "anders": Text("anders behandeld", "treated differently"),
        "gronden": Text("op andere gronden", "on other grounds"),
        "afbakening": Text(f"anders afgebakend{extra_nl}", f"bounded differently{extra_en}"),
    }[kind]


def aspect_name(aspect: str) -> Text:
    """A difference's aspect as a noun: behandeling, grondslag, bewaartermijn langer, ..."""
    names = {
        "behandeling": Text("behandeling", "treatment"),
        "grondslag": Text("grondslag", "legal basis"),
        "doel": Text("doel", "purpose"),
        "bewaartermijn": Text("bewaartermijn", "retention"),
        "bewaartermijn langer": Text("bewaartermijn langer", "retention longer"),
        "bewaartermijn korter": Text("bewaartermijn korter", "retention shorter"),
        "drempel": Text("drempel", "threshold"),
        "bescherming": Text("bescherming", "protection range"),
        "periode": Text("periode", "period"),
        "afronden": Text("afronden", "rounding"),
        "nullen": Text("nullen", "zeros"),
        "indeling": Text("indeling in categorieën", "categories"),
        "koppeldomein": Text("koppeldomein (wie dezelfde pseudoniemen krijgt)", "linkage domain"),
        "voorwaarde": Text("voorwaarde", "condition"),
        "werkgebied": Text("werkgebied (eraf → erbij)", "area (removed -> added)"),
        "geldigheid": Text("geldigheid", "validity"),
        "bron": Text("bronnen", "sources"),
        "zonder-locatie": Text("ook zonder locatie", "also without a location"),
        "signaaltype": Text("signaaltypen", "signal types"),
    }
    return names.get(aspect, Text(aspect, aspect))


def memo_title(old: str, new: str) -> Text:
    """The memo's title."""
    return Text(f"Wijzigingen van {old} naar {new}", f"What changes from {old} to {new}")


def comparison_title(first: str, second: str) -> Text:
    """The title of two covenants compared per kind of partner."""
    return Text(
        f"{first} en {second} naast elkaar, per soort partner",
        f"{first} and {second} side by side, per kind of partner",
    )


def envelope_note() -> Text:
    """The envelope, said once instead of per rule."""
    return Text(
        "Bij elk signaal dat een ontvanger krijgt, horen de envelopvelden: de bron "
        "(envelope.source, ongewijzigd) en de dag van het voorval en van de registratie "
        "(envelope.occurred_at en envelope.recorded_at, alleen de dag). Ze staan hieronder "
        "alleen waar een regel ze anders behandelt.",
        "Every signal a recipient gets carries the envelope fields: the source (envelope.source, "
        "as is) and the day of the event and of its recording (envelope.occurred_at, "
        "envelope.recorded_at, day only). They appear below only where a rule treats them "
        "otherwise.",
    )


def since(day: str, future: bool) -> Text:
    """From when a change applies."""
    if future:
        return Text(f"Vanaf {day}", f"From {day}")
    return Text(
        f"Vanaf de publicatie (het convenant geldt sinds {day})",
        f"from publication (the covenant applies since {day})",
    )


def no_change(old: str, new: str) -> Text:
    """Nothing leaves differently."""
    return Text(
        f"geen verschil in wat wordt gedeeld, met wie, hoe of waarom tussen {old} en {new}",
        f"no difference in what is shared, with whom, how or why between {old} and {new}",
    )


def no_difference_between(first: str, second: str) -> Text:
    """Two covenants give every kind of partner the same."""
    return Text(
        f"{first} en {second} geven elke soort partner hetzelfde, op dezelfde gronden",
        f"{first} and {second} give every kind of partner the same, on the same grounds",
    )


def still_recognisable_title(signal_type: str) -> Text:
    """The heading of a withdrawal that does not hold for whom the recipient already saw."""
    return Text(
        f"let op, blijft herkenbaar: {signal_type}",
        f"note, stays recognisable: {signal_type}",
    )


def still_recognisable(
    recipient: str,
    withdrawn: tuple[str, ...],
    pseudonyms: tuple[str, ...],
    domain: str,
) -> Text:
    """A readable identifier withdrawn while the pseudonym the recipient received beside it
    stays in the same linkage domain."""
    gone, kept = ", ".join(withdrawn), ", ".join(pseudonyms)
    covenant, _, name = domain.partition("/")
    where = (
        f"het eigen domein van {recipient} onder {covenant}"
        if name == recipient
        else f"koppeldomein {name} van {covenant}"
    )
    return Text(
        f"{recipient} krijgt {gone} niet meer, maar houdt {kept} als pseudoniem, in hetzelfde "
        f"domein als voorheen ({where}). Die pseudoniemen kreeg {recipient} eerder naast "
        f"{gone}: wie {recipient} toen zag, blijft herkenbaar aan het pseudoniem, ook in elk "
        f"later signaal. De beperking geldt dus alleen voor personen die {recipient} nog niet "
        f"eerder zag. Wilt u dat ook eerder geziene personen niet meer herkenbaar zijn, geef "
        f"{recipient} dan een koppeldomein met een nieuwe naam (onder koppeldomeinen in de kop; "
        f"dat mag een domein met alleen {recipient} zijn): dat geeft nieuwe pseudoniemen, die "
        f"niet aan de oude te koppelen zijn. Let op: {recipient} kan dan ook zijn eigen oude en "
        f"nieuwe signalen over dezelfde persoon niet meer koppelen.",
        f"{recipient} no longer receives {gone} but keeps {kept} as a pseudonym in the same "
        f"linkage domain ({domain}); it received those pseudonyms beside {gone} before, so whom "
        f"it saw then stays recognisable in every later signal. A linkage domain of a new name "
        f"gives new pseudonyms.",
    )
