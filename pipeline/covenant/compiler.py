"""Compile covenants, the partner registry and the schemas into one immutable Policy."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

from pipeline import topics
from pipeline.codec.schema_store import SchemaEntry, SchemaStore, make_entry
from pipeline.covenant.checks.checker import check
from pipeline.covenant.conditions import all_of, equality_gate
from pipeline.covenant.fields import (
    ADDRESSEE_PROPERTY,
    ENVELOPE_DEFAULTS,
    LOCATION_PROPERTY,
    PUBLISHER_PROPERTY,
    REFERENCE_PROPERTY,
    grantable_paths,
    marked_paths,
    subtree,
    tree_of,
)
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling, Kop
from pipeline.covenant.policy import Grant, Policy, ViewPlan
from pipeline.covenant.register import register_of
from pipeline.covenant.rules import activity_id, domain_name, effective_fields
from pipeline.covenant.scope import Locator, area_of
from pipeline.covenant.statistics import compile_statistics
from pipeline.covenant.views import derive_view_schema
from pipeline.errors import CovenantError
from pipeline.privacy.generalise import LEGAL_TZ
from pipeline.privacy.keyring import Keyring
from pipeline.privacy.references import RouterKeys
from pipeline.privacy.treatments import (
    Transform,
    make_transform,
    output_type,
    reference_transform,
    reference_type,
)
from pipeline.registry import Registry

LOG_SCHEMA = "nl.ketenstroom.log.Verantwoording"
#: Treatments that need key material from the keyring.
KEYED = frozenset(
    {Behandeling.PSEUDONIEM, Behandeling.PSEUDONIEM_HERLEIDBAAR, Behandeling.VERSLEUTELD}
)
#: Most distinct field sets one view plan may disclose (each gets its own view schema).
MAX_FIELD_SETS = 256


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight in the Netherlands, as a UTC moment (comparisons with UTC times stay cheap)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LEGAL_TZ).astimezone(dt.UTC)


def _grants_of(loaded: LoadedCovenant) -> list[tuple[str, str, str, Grant]]:
    """(source, signal type, recipient, grant) for every rule of a checked covenant."""
    kop = loaded.model.convenant
    out = []
    for rule in loaded.model.regels:
        treatments = tuple(
            sorted(
                (p, t.value)
                for p, t in effective_fields(rule).items()
                if t is not Behandeling.WEGLATEN
            )
        )
        for recipient in rule.ontvangers:
            grant = Grant(
                covenant_id=kop.id,
                covenant_version=kop.versie,
                rule_id=rule.id,
                article=rule.artikel,
                purpose=rule.doel,
                legal_basis=rule.grondslag,
                processing_activity_id=activity_id(kop, rule.id),
                fields=frozenset(p for p, _ in treatments),
                valid_from=_start_of(kop.geldig.van),
                valid_until=_start_of(kop.geldig.tot) if kop.geldig.tot else None,
                retention=rule.bewaartermijn,
                treatments=treatments,
                domain=domain_name(kop, recipient),
                conditions=tuple(c.describe() for c in rule.voorwaarden),
                without_location=rule.ook_zonder_locatie,
                condition=all_of(rule.voorwaarden),
                voorwaarden=rule.voorwaarden,
                gate=equality_gate(rule.voorwaarden),
            )
            for src in rule.bronnen:
                out.append((src, rule.signaaltype, recipient, grant))
    return out


def _field_treatments(
    view: tuple[str, str, str, str],
    grants: list[Grant],
    keyring: Keyring | None,
    problems: list[str],
) -> dict[str, tuple[Behandeling, str]]:
    """One (treatment, domain) per field of a view; conflicting rules are a problem."""
    src, signal_type, recipient, _ = view
    chosen: dict[str, tuple[Behandeling, str, str]] = {}
    for grant in grants:
        for path, name in grant.treatments:
            treatment = Behandeling(name)
            mine = (treatment, grant.domain, grant.rule_id)
            other = chosen.setdefault(path, mine)
            if other[:2] != mine[:2]:
                standard = (
                    f" (a rule that does not name {path} gives it its standard treatment, "
                    f"{ENVELOPE_DEFAULTS[path]}: name it in both rules)"
                    if path in ENVELOPE_DEFAULTS
                    else ""
                )
                problems.append(
                    f"{path} of {signal_type} from {src} to {recipient}: rule {other[2]} says "
                    f"{other[0].value} ({other[1]}), rule {grant.rule_id} says {treatment.value} "
                    f"({grant.domain}); one field gets one treatment{standard}"
                )
            if (
                treatment is Behandeling.VERSLEUTELD
                and keyring
                and recipient not in keyring.ontvangers
            ):
                problems.append(
                    f"covenant {grant.covenant_id}, rule {grant.rule_id} encrypts {path} for "
                    f"{recipient}, but the keyring has no public key for {recipient}. Run "
                    f"`ketenstroom keys recipient --for {recipient}` (it adds the public key to "
                    f"the keyring and writes the private key file to hand to {recipient}), then "
                    "start the worker again"
                )
    return {path: (t, domain) for path, (t, domain, _) in chosen.items()}


def field_sets(grants: list[Grant]) -> set[frozenset[str]]:
    """Every set of fields some non-empty subset of ``grants`` discloses together."""
    sets: set[frozenset[str]] = set()
    for grant in grants:
        sets |= {grant.fields} | {s | grant.fields for s in sets}
        if len(sets) > MAX_FIELD_SETS:
            break
    return sets


def compile_policy(
    covenants: list[LoadedCovenant],
    registry: Registry,
    store: SchemaStore,
    keyring: Keyring | None = None,
    beside: list[LoadedCovenant] | None = None,
    combinations: bool = True,
) -> Policy:
    """Check and compile; raises CovenantError listing every problem. Nothing partial is returned.

    ``keyring`` supplies key material for references, pseudonyms and encryption: every view
    carries a reference of its linkage domain, so a policy that discloses anything does not
    compile without one. ``beside``: covenants in force next to these that are not compiled
    (when one file is checked), for the checks of combinations (checks.checker.check);
    ``combinations`` False only for a report that shows them (never for routing).
    """
    problems = check(covenants, registry, store, beside, combinations)
    if problems:
        raise CovenantError(problems)
    by_view: dict[tuple[str, str, str, str], list[Grant]] = defaultdict(list)
    kops = {c.model.convenant.id: c.model.convenant for c in covenants}
    for loaded in covenants:
        for src, signal_type, recipient, grant in _grants_of(loaded):
            by_view[(src, signal_type, recipient, grant.covenant_id)].append(grant)
    if by_view and keyring is None:
        raise CovenantError(
            [
                "the router needs a keyring to make references (ketenstroom keys init; "
                "KETENSTROOM_KEYRING)"
            ]
        )
    if by_view and keyring is not None:
        for kind, use in (
            ("pseudoniem", "pseudonyms and the trace ids of views"),
            ("herleidbaar", "reversible pseudonyms and the references of views"),
            ("verantwoording", "the data subject's id in the disclosure log"),
        ):
            if not getattr(keyring, kind):
                problems.append(
                    f"the keyring has no {kind} key, which makes {use}: "
                    f"ketenstroom keys rotate {kind}"
                )
    compiled = SchemaStore(store)
    plans: dict[tuple[str, str], list[ViewPlan]] = defaultdict(list)
    for view, grants in sorted(by_view.items()):
        plan = _plan(view, grants, kops[view[3]], store, compiled, keyring or Keyring(), problems)
        if plan is not None:
            plans[(view[0], view[1])].append(plan)
    if problems:
        raise CovenantError(sorted(set(problems)))
    version = "+".join(
        sorted(f"{c.model.convenant.id}@{c.model.convenant.versie}" for c in covenants)
    )
    signals = [store.current(t) for t in store.signal_types()]
    return Policy(
        version=version or "none",
        sources=frozenset(p.id for p in registry.deelnemers if p.publiceert),
        store=compiled,
        plans={k: tuple(v) for k, v in plans.items()},
        log_schema=store.current(LOG_SCHEMA),
        keys=RouterKeys(keyring.herleidbaar, keyring.pseudoniem, keyring.verantwoording)
        if keyring
        else None,
        register=register_of(covenants),
        recipients=frozenset(p.id for p in registry.deelnemers if p.ontvangt),
        references={
            s.short_name: tuple(marked_paths(s.expanded, REFERENCE_PROPERTY)) for s in signals
        },
        publisher_fields={
            s.short_name: tuple(marked_paths(s.expanded, PUBLISHER_PROPERTY)) for s in signals
        },
        addressees={
            s.short_name: tuple(marked_paths(s.expanded, ADDRESSEE_PROPERTY)) for s in signals
        },
        statistics=compile_statistics(covenants, store),
        locators={
            s.short_name: Locator.of(marked_paths(s.expanded, LOCATION_PROPERTY)) for s in signals
        },
        headings=kops,
    )


def _plan(
    view: tuple[str, str, str, str],
    grants: list[Grant],
    kop: Kop,
    store: SchemaStore,
    compiled: SchemaStore,
    keyring: Keyring,
    problems: list[str],
) -> ViewPlan | None:
    """The view plan of one (source, signal type, recipient, covenant), with a view schema for
    every set of fields its grants can disclose together."""
    _, signal_type, recipient, covenant = view
    signal = store.current(signal_type).expanded
    fields = grantable_paths(signal)
    references = marked_paths(signal, REFERENCE_PROPERTY)
    treated = _field_treatments(view, grants, keyring, problems)
    leaf_types: dict[str, Any] = {}
    transforms: dict[str, Transform] = {}
    for path, (treatment, domain) in treated.items():
        if path in references:
            leaf_types[path] = reference_type(fields[path]["type"])
            transforms[path] = reference_transform(keyring)
            continue
        leaf_types[path] = output_type(treatment, fields[path]["type"])
        transform = make_transform(treatment, path, domain, keyring)
        if transform is not None:
            transforms[path] = transform
    sets = field_sets(grants)
    if len(sets) > MAX_FIELD_SETS:
        problems.append(
            f"{covenant}: {recipient} heeft voor {signal_type} zoveel regels met verschillende "
            f"velden dat meer dan {MAX_FIELD_SETS} soorten views ontstaan; voeg regels samen"
        )
        return None
    every = frozenset().union(*sets)
    tree = tree_of(every, signal)
    schemas: dict[frozenset[str], SchemaEntry] = {}
    for active in sorted(sets, key=sorted):
        schema = derive_view_schema(
            signal, subtree(tree, active), recipient, covenant, kop.versie, leaf_types
        )
        entry = make_entry(schema, "view")
        known = compiled.get(entry.fingerprint)
        if known is not None and known.meaning != entry.meaning:
            # the same fields in other forms for another source (a birth date from one, a
            # year from the other): one fingerprint, as Avro's ignores logical types; a name
            # of its own keeps each view decoding to what was sent
            suffix = hashlib.sha256(entry.meaning.encode()).hexdigest()[:8]
            entry = make_entry({**schema, "name": f"{schema['name']}_{suffix}"}, "view")
        schemas[active] = compiled.add(entry)
    addressees = list(marked_paths(signal, ADDRESSEE_PROPERTY))
    return ViewPlan(
        recipient=recipient,
        covenant_id=covenant,
        topic=topics.inbox(recipient),
        signal_type=signal_type,
        grants=tuple(grants),
        tree=tree,
        field_order=tuple(p for p in fields if p in every),
        schemas=schemas,
        domain=domain_name(kop, recipient),
        area=area_of(kop),
        locator=Locator.of(marked_paths(signal, LOCATION_PROPERTY)),
        addressee=addressees[0] if addressees else None,
        transforms=transforms,
    )
