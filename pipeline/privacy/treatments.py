"""Covenant treatments as field transforms: what a field becomes on its way to one recipient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from pipeline.covenant.fields import non_null
from pipeline.covenant.model import Behandeling
from pipeline.messages import fields as fit
from pipeline.privacy import encryption, generalise
from pipeline.privacy.keyring import Keyring, KeyVersion, in_force, unb64
from pipeline.privacy.normalise import identifier_type, normalise
from pipeline.privacy.pseudonyms import pseudonym, reversible
from pipeline.privacy.references import event_reference


class Context(NamedTuple):
    """What a transform may know about the record besides the field: when, which event, for
    whom, in which linkage domain, and the view's own reference to the event (a tuple: one is
    made per view)."""

    now: dt.datetime
    event_id: str
    occurred: dt.date
    recipient: str
    domain: str = ""
    reference: str = ""
    #: The batch's data keys for encrypted fields (one per recipient: encryption.Sealer).
    sealer: encryption.Sealer | None = None


Transform = Callable[[Any, dict[str, Any], Context], Any]
"""(value, the record holding the field, context) -> the value the recipient receives."""

_STRING = "string"


def _logical(field_type: Any) -> str | None:
    inner, _ = non_null(field_type)
    return inner.get("logicalType") if isinstance(inner, dict) else None


def _base(field_type: Any) -> Any:
    inner, _ = non_null(field_type)
    return inner["type"] if isinstance(inner, dict) else inner


def applicable(treatment: Behandeling, path: str, field_type: Any) -> str | None:
    """Why a treatment cannot apply to this field, or None if it can."""
    is_date = _logical(field_type) == "date"
    is_moment = str(_logical(field_type) or "").startswith("timestamp")
    base = _base(field_type)
    if treatment is Behandeling.DATUM and not is_moment:
        return str(fit.datum_needs_moment(path))
    if path.startswith("envelope.") and treatment not in (
        Behandeling.DOORGEVEN,
        Behandeling.WEGLATEN,
        Behandeling.DATUM,
    ):
        return str(fit.envelope_treatments(path))
    if treatment in (Behandeling.GEBOORTEJAAR, Behandeling.LEEFTIJDSCATEGORIE) and not is_date:
        return str(fit.needs_date(treatment.value, path))
    if treatment is Behandeling.PC4 and not path.endswith("postcode"):
        return str(fit.needs_postcode(path))
    if treatment is Behandeling.GEMEENTE and ".adres." not in f".{path}":
        return str(fit.needs_address(path))
    if treatment in (
        Behandeling.PSEUDONIEM,
        Behandeling.PSEUDONIEM_HERLEIDBAAR,
        Behandeling.VERSLEUTELD,
    ) and (base not in ("string", "int", "long") and not is_date):
        return str(fit.needs_scalar(treatment.value, path, str(base)))
    return None


def output_type(treatment: Behandeling, field_type: Any) -> Any:
    """The Avro type the recipient's view carries for a treated field (always nullable)."""
    if treatment is Behandeling.DOORGEVEN:
        return field_type
    if treatment is Behandeling.GEBOORTEJAAR:
        return ["null", "int"]
    if treatment is Behandeling.DATUM:
        _, nullable = non_null(field_type)
        day = {"type": "int", "logicalType": "date"}
        return ["null", day] if nullable else day
    return ["null", _STRING]


def reference_type(field_type: Any) -> Any:
    """The view's type of a reference field: the recipient's own reference(s), as text."""
    inner, nullable = non_null(field_type)
    if isinstance(inner, dict) and inner.get("type") == "array":
        return {"type": "array", "items": "string"}
    return ["null", _STRING] if nullable else _STRING


def make_transform(
    treatment: Behandeling, path: str, domain: str, keyring: Keyring
) -> Transform | None:
    """The transform for a treated field (None for doorgeven: the value is copied)."""
    kind = identifier_type(path)
    if treatment is Behandeling.DOORGEVEN:
        return None
    if treatment is Behandeling.PSEUDONIEM:
        return _keyed(keyring.pseudoniem, "pseudoniem", pseudonym, kind, domain)
    if treatment is Behandeling.PSEUDONIEM_HERLEIDBAAR:
        return _keyed(keyring.herleidbaar, "herleidbaar", reversible, kind, domain)
    if treatment is Behandeling.GEBOORTEJAAR:
        return lambda value, record, ctx: None if value is None else generalise.birth_year(value)
    if treatment is Behandeling.LEEFTIJDSCATEGORIE:
        return lambda value, record, ctx: (
            None if value is None else generalise.age_band(value, ctx.occurred)
        )
    if treatment is Behandeling.PC4:
        return lambda value, record, ctx: None if value is None else generalise.pc4(value)
    if treatment is Behandeling.GEMEENTE:
        return lambda value, record, ctx: None if value is None else record.get("gemeentecode")
    if treatment is Behandeling.VERSLEUTELD:
        return _encrypting(path, keyring)
    if treatment is Behandeling.DATUM:
        return lambda value, record, ctx: (
            None if value is None else value.astimezone(generalise.LEGAL_TZ).date()
        )
    raise ValueError(f"no transform for {treatment.value}")  # weglaten never reaches a view


def reference_transform(keyring: Keyring) -> Transform:
    """A reference field (already resolved to event ids by the router) as the recipient's own
    reference(s), in the view's linkage domain, under the key in force."""
    secrets = {v.versie: unb64(v.materiaal) for v in keyring.herleidbaar}

    def own(event_id: str, ctx: Context) -> str:
        key = in_force(keyring.herleidbaar, ctx.now, "herleidbaar")
        return event_reference(event_id, secrets[key.versie], key.versie, ctx.domain)

    def transform(value: Any, record: dict[str, Any], ctx: Context) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            return [own(v, ctx) for v in value]
        return own(value, ctx)

    return transform


def _keyed(
    versions: tuple[KeyVersion, ...],
    what: str,
    make: Callable[[str, bytes, int, str, str], str],
    kind: str,
    domain: str,
) -> Transform:
    """A pseudonymising transform under the key version in force at processing time."""
    secrets = {v.versie: unb64(v.materiaal) for v in versions}

    def transform(value: Any, record: dict[str, Any], ctx: Context) -> Any:
        if value is None:
            return None
        key = in_force(versions, ctx.now, what)
        return make(normalise(kind, value), secrets[key.versie], key.versie, domain, kind)

    return transform


def _encrypting(path: str, keyring: Keyring) -> Transform:
    def to_ciphertext(value: Any, record: dict[str, Any], ctx: Context) -> Any:
        if value is None:
            return None
        key = in_force(
            keyring.ontvangers.get(ctx.recipient, ()), ctx.now, f"{ctx.recipient} public"
        )
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        # Bound to the view's own reference (which the recipient holds), not the event id.
        sealer = ctx.sealer or encryption.Sealer()
        return sealer.seal(
            text, unb64(key.materiaal), key.versie, ctx.reference, ctx.recipient, path, ctx.domain
        )

    return to_ciphertext
