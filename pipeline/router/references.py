"""References back to earlier events: what the publisher wrote, checked and resolved.

A partner refers to an earlier event (Verwijzing.signaal_ref, Statusupdate.ref_id,
Controle.gekoppelde_signalen) with either its own event id, for an event it published itself,
or the reference it received in a view. The router turns either into the event id, and the
projection writes each onward recipient's own reference (privacy.treatments.reference_transform).
A reference the publisher could not have: another party's reference, a reference the router did
not make, or another publisher's event id: is a dead letter, never a translation.

A reference the publisher received is bound to the covenant it received it under: its linkage
domain belongs to that covenant alone (covenant.rules.domain_name). A record that refers with
it is disclosed only under that covenant; under any other it would turn what one covenant
disclosed into a link in another covenant's domains. The publisher's own event id binds to no
covenant: the event is its own.
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from pipeline import topics
from pipeline.covenant.policy import Policy
from pipeline.covenant.rules import covenant_of
from pipeline.errors import CodecError, KetenstroomError
from pipeline.privacy.references import REFERENCE_SCHEME
from pipeline.router.dead_letter import Reason
from pipeline.router.event_index import EventIndex

UNKNOWN_REFERENCE = "unknown_reference"


class Resolved(NamedTuple):
    """What a record's references stand for."""

    #: The covenants the record may be disclosed under (None: any); a record that refers with
    #: references of two covenants is a dead letter (references_across_covenants).
    scope: frozenset[str] | None
    #: The events it refers to, each once, in order.
    event_ids: tuple[str, ...]


def resolve_references(
    datum: dict[str, Any],
    signal_type: str,
    publisher: str,
    policy: Policy,
    index: EventIndex | None,
) -> Resolved:
    """Replace every reference in ``datum`` by the event id it stands for; CodecError
    (``unknown_reference``, naming the field, never the value) for one the publisher could not
    have."""
    scope: set[str] | None = None
    covenants: set[str] = set()
    event_ids: dict[str, None] = {}

    def bind(value: str) -> str:
        nonlocal scope
        event_id, covenant = _resolve(value, path, publisher, policy, index)
        if covenant is not None:
            covenants.add(covenant)
            scope = {covenant} if scope is None else scope & {covenant}
        event_ids[event_id] = None
        return event_id

    for path in policy.references.get(signal_type, ()):
        *parents, leaf = path.split(".")
        holder: Any = datum
        for part in parents:
            holder = holder.get(part) if holder is not None else None
        if holder is None or holder.get(leaf) is None:
            continue
        value = holder[leaf]
        if isinstance(value, list):
            holder[leaf] = [bind(v) for v in value]
        else:
            holder[leaf] = bind(value)
    if scope is not None and not scope:
        raise CodecError(
            Reason.REFERENCES_ACROSS_COVENANTS,
            f"it refers with references received under {len(covenants)} covenants "
            f"({', '.join(sorted(covenants))}); a record may refer under one covenant only, "
            "so no recipient could receive it: send one record per covenant",
        )
    return Resolved(None if scope is None else frozenset(scope), tuple(event_ids))


def _resolve(
    value: str, path: str, publisher: str, policy: Policy, index: EventIndex | None
) -> tuple[str, str | None]:
    """(event id, the covenant a received reference binds to, or None for an own event id)."""
    if value.startswith(f"{REFERENCE_SCHEME}."):
        if policy.keys is None:
            raise CodecError(UNKNOWN_REFERENCE, f"{path}: no references can be opened here")
        try:
            domain, event_id = policy.keys.open(value)
        except KetenstroomError as exc:
            raise CodecError(
                UNKNOWN_REFERENCE, f"{path}: not a reference this router made, or altered"
            ) from exc
        if domain not in policy.domains_of.get(publisher, frozenset()):
            raise CodecError(
                UNKNOWN_REFERENCE,
                f"{path}: a reference of a linkage domain {publisher!r} does not receive in",
            )
        return event_id, covenant_of(domain)
    try:
        event_id = str(uuid.UUID(value))
    except ValueError as exc:
        raise CodecError(
            UNKNOWN_REFERENCE, f"{path}: neither an event id nor an EV1 reference"
        ) from exc
    claim = index.get(event_id) if index is not None else None
    if claim is None or claim.origin.rsplit("/", 2)[0] != topics.inbound(publisher):
        raise CodecError(
            UNKNOWN_REFERENCE,
            f"{path}: an event id that {publisher!r} did not publish (or before the event-id "
            "horizon); refer to another party's event with the reference received for it",
        )
    return event_id, None
