"""What `convenant proef` (the dry run) tells the officer, in Dutch and English."""

from __future__ import annotations

from pipeline.language import Text

#: The role whose read rights the dry run needs (pipeline/ops/acls.py ROUTER).
ROLE = "ketenstroom-router"


def lacks_rights(topics: list[str]) -> Text:
    """Topics the dry run cannot see: missing, or no right to read them."""
    names = ", ".join(topics)
    return Text(
        f"proef kan {names} niet lezen: die bestaan niet, of deze gebruiker mag ze niet lezen. "
        f"Een proef heeft dezelfde leesrechten nodig als een router (rol {ROLE}): lezen op de "
        "inkomende topics (signalen.*), de gebeurtenis-ids, de convenanten, de convenantstatus "
        "en de schema's. Draai hem als die gebruiker, of vraag de beheerder om die rechten",
        f"the dry run cannot read {names}: they do not exist or this user may not read them. It "
        f"needs the read rights of a router (role {ROLE}): run it as that user",
    )


def refused_by_kafka(topic: str, detail: str) -> Text:
    """Kafka refused a read: no rights."""
    return Text(
        f"Kafka weigert het lezen van {topic} ({detail}): deze gebruiker heeft niet de "
        f"leesrechten van een router (rol {ROLE})",
        f"Kafka refused reading {topic} ({detail}): this user lacks a router's read rights "
        f"(role {ROLE})",
    )


def reading_signals() -> Text:
    """The progress bar's label."""
    return Text("signalen nalopen", "replaying signals")


def without_router_keys(path: str) -> Text:
    """No keyring: received references cannot be opened."""
    return Text(
        f"geen sleutelbestand van de router ({path}): verwijzingen met een ontvangen referentie "
        "kunnen niet worden geopend en tellen onder beide convenanten als dode letter "
        "(unknown_reference); de rest telt zoals bij een router",
        f"no router keyring ({path}): received references cannot be opened and count as dead "
        "letters under both policies",
    )
