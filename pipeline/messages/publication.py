"""What the officer and the operator read about publication: frozen covenant versions, the
installation a bundle is for, and re-identification outside a covenant's validity."""

from __future__ import annotations

from pipeline.covenant.versions import Changed, RuleChange
from pipeline.language import Text


def _rule(change: RuleChange) -> Text:
    parts = ", ".join(change.parts)
    if change.how == "added":
        return Text(f"regel {change.id} is nieuw", f"rule {change.id} is new")
    if change.how == "removed":
        return Text(f"regel {change.id} is weggelaten", f"rule {change.id} is gone")
    return Text(f"regel {change.id} is anders ({parts})", f"rule {change.id} differs ({parts})")


def version_changed(changed: Changed) -> Text:
    """A covenant text that changes a published ``versie``: what differs and what to do."""
    rules = [_rule(r) for r in changed.rules]
    heading = ", ".join(changed.heading)
    what_nl = [r.nl for r in rules] + ([f"in de kop: {heading}"] if heading else [])
    what_en = [r.en for r in rules] + ([f"in the heading: {heading}"] if heading else [])
    return Text(
        f"convenant {changed.covenant}, versie {changed.versie}, is al gepubliceerd met een "
        f"andere inhoud: {'; '.join(what_nl)}. Een gepubliceerde versie verandert nooit meer: "
        "het verstrekkingenlogboek verwijst ernaar, en wat eerder is verstrekt moet blijven "
        "kloppen. Geef het convenant een nieuwe `versie` in de kop (bijvoorbeeld "
        f"{_next(changed.versie)}) en publiceer opnieuw",
        f"covenant {changed.covenant}, versie {changed.versie}, was published with other "
        f"content: {'; '.join(what_en)}. A published version never changes (the disclosure "
        f"log points at it): raise `versie` in the heading (e.g. {_next(changed.versie)}) "
        "and publish again",
    )


def _next(versie: str) -> str:
    """A suggestion for the next ``versie``: the last number one higher, else ``-2`` added."""
    head, dot, last = versie.rpartition(".")
    if last.isdigit():
        return f"{head}{dot}{int(last) + 1}"
    return f"{versie}-2"


def register_redefined(activity: str, covenant: str, versie: str, parts: str) -> Text:
    """A register entry that would get another content under its id."""
    return Text(
        f"convenant {covenant}, versie {versie}: de verwerking {activity} staat al in het "
        f"verwerkingsregister met een andere inhoud ({parts}). Een registerregel verandert "
        "nooit meer; geef het convenant een nieuwe `versie`",
        f"covenant {covenant}, versie {versie}: processing activity {activity} is in the "
        f"register with other content ({parts}); an entry never changes: raise `versie`",
    )


def domain_reused(covenant: str, versie: str, domain: str, joined: str, left: str) -> Text:
    """A koppeldomein that takes in a party after a former member left it."""
    return Text(
        f"convenant {covenant}, versie {versie}: koppeldomein {domain} neemt {joined} op, maar "
        f"{left} zat eerder in dit domein en niet meer. Pseudoniemen en referenties horen bij de "
        f"naam van het domein: {joined} zou dezelfde krijgen als {left} eerder kreeg, zodat die "
        f"hun gegevens over dezelfde persoon kunnen koppelen, terwijl deze versie hen scheidt. "
        f"Geef het domein een nieuwe naam (alle leden krijgen dan nieuwe pseudoniemen) en "
        f"publiceer opnieuw",
        f"covenant {covenant}, versie {versie}: linkage domain {domain} takes in {joined}, but "
        f"{left} were in it before and are no longer: {joined} would get the pseudonyms and "
        f"references {left} got. Give the domain a new name",
    )


def schema_redefined(reason: str) -> Text:
    """A view schema whose fingerprint the schema topic holds for another schema."""
    return Text(
        f"een view-schema zou een ander schema met dezelfde vingerafdruk vervangen ({reason}). "
        "Ontvangers zouden eerder verstrekte views dan anders lezen; geef het convenant een "
        "nieuwe `versie`",
        f"a view schema would replace another schema with the same fingerprint ({reason})",
    )


def foreign_installation(bundle: str, here: str) -> Text:
    """A bundle signed for another installation."""
    return Text(
        f"deze bundel is ondertekend voor installatie {bundle}, niet voor deze ({here}); "
        "een bundel geldt alleen voor de installatie waarvoor hij is gepubliceerd",
        f"this bundle was signed for installation {bundle}, not for this one ({here})",
    )


def refused_at_start(reasons: str) -> Text:
    """A worker that does not start from the files on disk."""
    return Text(
        f"de router start niet met de convenantbestanden op schijf: {reasons}",
        f"the router does not start from the covenant files on disk: {reasons}",
    )


def history_unreadable(reason: str) -> Text:
    """`convenant check` could not compare with what was published."""
    return Text(
        f"de gepubliceerde versies zijn niet gelezen ({reason}); of deze tekst een al "
        "gepubliceerde versie verandert, zegt `convenant publish`",
        f"the published versions were not read ({reason}); `convenant publish` will tell "
        "whether this text changes a published version",
    )


def history_compared(versions: int) -> Text:
    """`convenant check` compared with what was published."""
    return Text(
        f"vergeleken met {versions} gepubliceerde bundel(s), het verwerkingsregister en de "
        "schema's: geen gepubliceerde versie verandert",
        f"compared with {versions} published bundle(s), the register and the schemas: no "
        "published version changes",
    )



def activity_taken(activity: str, this: str, other: str, other_where: str) -> Text:
    """Two rules (or a rule and re-identification) that would share one processing-activity id."""
    return Text(
        f"de verwerking {activity} van {this} zou ook die van {other} ({other_where}) zijn. Het "
        "verantwoordingslog noemt een verwerking alleen bij dit kenmerk, en het register houdt "
        "er één regel voor: de verstrekkingen van de een stonden dan in inzage en overzicht als "
        "die van de ander. Geef elk convenant een eigen `verwerkingsregister`, of de regel een "
        "ander id (`herleiding` is het kenmerk van het herleiden onder een convenant)",
        f"processing activity {activity} of {this} would also be that of {other} "
        f"({other_where}). A log line names an activity by this id alone and the register keeps "
        "one entry for it, so the disclosures of one would show as the other's in inzage and "
        "overzicht. Give each covenant its own `verwerkingsregister`, or the rule another id "
        "(`herleiding` is the id of re-identification under a covenant)",
    )


def activity_of_rule(rule: str, covenant: str) -> Text:
    """One side of a shared processing-activity id: a rule."""
    return Text(f"regel {rule} van {covenant}", f"rule {rule} of {covenant}")


def activity_of_reidentification(covenant: str) -> Text:
    """One side of a shared processing-activity id: re-identification under a covenant."""
    return Text(f"het herleiden onder {covenant}", f"re-identification under {covenant}")
