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


# --- the analysis (convenant analyse) and the annex (convenant explain) -------------------------


def across_intro() -> Text:
    """What the analysis's part on re-identification across covenants is about."""
    return Text(
        "Een ontvanger die onder het ene convenant de naam of het BSN van een persoon leesbaar "
        "krijgt en onder een ander convenant van hetzelfde signaal alleen een pseudoniem of een "
        "grovere waarde, kan zijn twee views naast elkaar leggen en zo weten om wie het "
        "pseudoniem gaat; daarna herkent hij die persoon ook in signalen die alleen onder het "
        "tweede convenant vallen. Dat mag alleen als het beschermende convenant het onder "
        "herleidbaar_via toestaat, met een reden; anders weigert convenant check de "
        "convenanten samen.",
        "A recipient that reads a person's name or BSN under one covenant and only a pseudonym "
        "or coarser value of the same signal under another can join its two views and learn "
        "whose pseudonym it holds. Allowed only when the protecting covenant says so under "
        "herleidbaar_via, with a reason; otherwise convenant check refuses them together.",
    )


def across_none() -> Text:
    """No recipient can re-identify across these covenants."""
    return Text(
        "Geen: geen ontvanger krijgt onder het ene convenant de identiteit en onder een "
        "overlappend convenant alleen een pseudoniem of grovere waarde van dezelfde persoon.",
        "None: no recipient gets the identity under one covenant and only a pseudonym or "
        "coarser value of the same person under an overlapping one.",
    )


def across_headers() -> list[Text]:
    """The columns of the findings table."""
    return [
        Text("ontvanger", "recipient"),
        Text("signalen", "signals"),
        Text("leesbaar onder", "readable under"),
        Text("alleen beschermd onder", "only protected under"),
        Text("toegestaan", "allowed"),
    ]


def _what(kinds: tuple[str, ...] | list[str]) -> Text:
    return Text(
        " en ".join(_KINDS_NL[k] for k in kinds), " and ".join(_KINDS_EN[k] for k in kinds)
    )


def across_allowed(reason: str | None) -> Text:
    """Whether a finding is allowed, and why."""
    if reason is None:
        return Text(
            "nee: niet toegestaan, convenant check weigert deze convenanten samen",
            "no: not allowed, convenant check refuses these covenants together",
        )
    return Text(f"ja, onder herleidbaar_via: {reason}", f"yes, under herleidbaar_via: {reason}")


def across_summary(
    recipient: str, protected: str, identity: str, kinds: tuple[str, ...], allowed: bool
) -> Text:
    """One line of the terminal summary."""
    what = _what(kinds)
    return Text(
        f"herleidbaar over convenanten heen: {recipient} krijgt onder {identity} {what.nl} "
        f"leesbaar en onder {protected} alleen een pseudoniem of grovere waarde; "
        + ("toegestaan (herleidbaar_via)" if allowed else "NIET toegestaan: check weigert dit"),
        f"re-identifiable across covenants: {recipient} reads {what.en} under {identity} and "
        f"only a pseudonym or coarser value under {protected}; "
        + ("allowed (herleidbaar_via)" if allowed else "NOT allowed: check refuses this"),
    )


def statements_title() -> Text:
    """The heading of the herleidbaar_via statements (analysis and annex)."""
    return Text("Herleidbaar via een ander convenant", "Re-identifiable through another covenant")


def statements_intro() -> Text:
    """What the statements table of the analysis shows."""
    return Text(
        "Wat de convenanten onder herleidbaar_via toestaan: wie mag herleiden wat het "
        "convenant beschermt, via welk ander convenant, en waarom.",
        "What the covenants allow under herleidbaar_via: who may re-identify what the "
        "covenant protects, through which other covenant, and why.",
    )


def statements_headers() -> list[Text]:
    """The columns of the statements table."""
    return [
        Text("convenant", "covenant"),
        Text("ontvanger", "recipient"),
        Text("via convenant", "through covenant"),
        Text("reden", "reason"),
        Text("nodig", "needed"),
    ]


def statement_used(used: bool) -> Text:
    """Whether some pair of rules makes a statement's re-identification possible."""
    if used:
        return Text("ja: een regel van elk convenant maakt het mogelijk", "yes: rules make it possible")
    return Text(
        "nee: geen regel maakt het mogelijk (check zegt let op; haal het weg)",
        "no: no rule makes it possible (check warns; remove it)",
    )


def annex_statements(covenant: str) -> Text:
    """The annex's paragraph above its herleidbaar_via table."""
    return Text(
        f"Deze ontvangers krijgen onder een ander convenant de naam of het BSN leesbaar, en "
        f"onder {covenant} van dezelfde signalen alleen een pseudoniem of grovere waarde. Zij "
        "kunnen hun twee views naast elkaar leggen en zo weten om wie het gaat. Dit convenant "
        "staat dat uitdrukkelijk toe, om de reden die erbij staat; voor hen beschermt het "
        "pseudoniem de persoon dus niet.",
        f"These recipients read the name or BSN under another covenant, and under {covenant} "
        "only a pseudonym or coarser value of the same signals; this covenant allows them to "
        "join the two, for this reason. For them the pseudonym does not protect the person.",
    )


def annex_no_statements(covenant: str) -> Text:
    """The annex when the covenant allows no re-identification through another covenant."""
    return Text(
        f"Niemand: {covenant} staat geen enkele ontvanger toe om wat dit convenant beschermt, "
        "te herleiden met wat een ander convenant hem leesbaar geeft (convenant check weigert "
        "zulke convenanten samen).",
        f"Nobody: {covenant} allows no recipient to re-identify what it protects through what "
        "another covenant gives it readably (convenant check refuses such covenants together).",
    )


def annex_statements_headers() -> list[Text]:
    """The columns of the annex's herleidbaar_via table."""
    return [
        Text("ontvanger", "recipient"),
        Text("via convenant", "through covenant"),
        Text("waarom", "why"),
    ]


# --- the change memo (convenant diff) -----------------------------------------------------------


def memo_statement_title(through: str) -> Text:
    """What a herleidbaar_via change is about, after its kind (``minder beschermd: ...``)."""
    return Text(f"herleiden via convenant {through}", f"re-identifying through covenant {through}")


def memo_statement(
    covenant: str, recipient: str, through: str, before: str | None, after: str | None
) -> Text:
    """A herleidbaar_via statement added, removed or given another reason, in words."""
    if before is None:
        return Text(
            f"Nieuw in {covenant} (herleidbaar_via): {recipient} mag wat {covenant} beschermt "
            f"(pseudoniemen en grovere waarden van een persoon) herleiden met wat convenant "
            f"{through} het leesbaar geeft. Voor {recipient} is die bescherming daarmee "
            f"opgeheven: {recipient} kan weten om wie het gaat. Reden: {after}",
            f"New in {covenant} (herleidbaar_via): {recipient} may re-identify what {covenant} "
            f"protects through what covenant {through} gives it readably; for {recipient} that "
            f"protection is undone. Reason: {after}",
        )
    if after is None:
        return Text(
            f"Vervalt in {covenant} (herleidbaar_via): {recipient} mag wat {covenant} beschermt "
            f"niet meer herleiden met wat convenant {through} het leesbaar geeft. Was de reden: "
            f"{before}",
            f"Removed from {covenant} (herleidbaar_via): {recipient} may no longer re-identify "
            f"what {covenant} protects through covenant {through}. The reason was: {before}",
        )
    return Text(
        f"Andere reden in {covenant} (herleidbaar_via) waarom {recipient} via convenant "
        f"{through} mag herleiden: was “{before}”, wordt “{after}”",
        f"Another reason in {covenant} (herleidbaar_via) why {recipient} may re-identify "
        f"through covenant {through}: was “{before}”, becomes “{after}”",
    )
