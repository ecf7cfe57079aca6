"""What one covenant rule means once the defaults are applied: the fields it gives, each
recipient's linkage domain, and its processing activity's id. Shared by the compiler (routing)
and the register of processing activities (accountability), so both read a rule alike."""

from __future__ import annotations

from pipeline.covenant.fields import ENVELOPE_DEFAULTS
from pipeline.covenant.model import Behandeling, Kop, Regel


def domain_name(kop: Kop, recipient: str) -> str:
    """The linkage domain of a recipient under a covenant: ``<covenant>/<koppeldomein>``, or
    ``<covenant>/<recipient>`` alone. A domain belongs to one covenant: its keys are derived
    from this name, so no other covenant's domain shares them."""
    name = next((n for n, d in kop.koppeldomeinen.items() if recipient in d.partijen), recipient)
    return f"{kop.id}/{name}"


def covenant_of(domain: str) -> str:
    """The covenant a linkage domain belongs to (a covenant id has no ``/``: model._ID)."""
    return domain.split("/", 1)[0]


def effective_fields(rule: Regel) -> dict[str, Behandeling]:
    """What a rule discloses, with the envelope defaults for the envelope fields it does not
    name (the publisher, and the day of the event and of its recording)."""
    defaults = {path: Behandeling(t) for path, t in ENVELOPE_DEFAULTS.items()}
    return {**defaults, **rule.velden}


def activity_id(kop: Kop, rule_id: str) -> str:
    """The URI of one rule of one covenant version in the covenant's register of processing
    activities (``verwerkingsregister``, or a URN of the covenant): versioned, because the
    register versions every change."""
    register = kop.verwerkingsregister or f"urn:ketenstroom:verwerking:{kop.id}"
    return f"{register.rstrip('/')}/{rule_id}/{kop.versie}"


#: The pipeline's own processing activity: routing a signal that no rule disclosed to anyone.
ROUTING_ACTIVITY = "urn:ketenstroom:verwerking:routering"


def reidentification_activity_id(kop: Kop) -> str:
    """The URI of re-identification under a covenant version (by the herleiders it names)."""
    register = kop.verwerkingsregister or f"urn:ketenstroom:verwerking:{kop.id}"
    return f"{register.rstrip('/')}/herleiding/{kop.versie}"
