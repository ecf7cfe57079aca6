"""Compile covenants, the partner registry and the schemas into one immutable Policy."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from pipeline import topics
from pipeline.codec.schema_store import SchemaEntry, SchemaStore, make_entry
from pipeline.covenant.checker import check
from pipeline.covenant.conditions import all_of, equality_gate
from pipeline.covenant.fields import leaf_paths, tree_of
from pipeline.covenant.loader import LoadedCovenant
from pipeline.covenant.model import Behandeling, Kop
from pipeline.covenant.policy import Grant, Policy, ViewPlan
from pipeline.covenant.views import derive_view_schema
from pipeline.errors import CovenantError
from pipeline.privacy.keyring import Keyring
from pipeline.privacy.treatments import Transform, make_transform, output_type
from pipeline.registry import Registry

#: Covenant dates are Dutch legal dates: a day starts at midnight in the Netherlands.
LEGAL_TZ = ZoneInfo("Europe/Amsterdam")
LOG_SCHEMA = "nl.ketenstroom.log.Verantwoording"
#: Treatments that need key material from the keyring.
KEYED = frozenset(
    {Behandeling.PSEUDONIEM, Behandeling.PSEUDONIEM_HERLEIDBAAR, Behandeling.VERSLEUTELD}
)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LEGAL_TZ)


def _domain_of(kop: Kop, recipient: str) -> str:
    """The linkage domain of a recipient: a named koppeldomein, or the recipient alone."""
    return next(
        (name for name, parties in kop.koppeldomeinen.items() if recipient in parties), recipient
    )


def _grants_of(loaded: LoadedCovenant) -> list[tuple[str, str, str, Grant]]:
    """(source, signal type, recipient, grant) for every rule of a checked covenant."""
    kop = loaded.model.convenant
    register = kop.verwerkingsregister or f"urn:ketenstroom:verwerking:{kop.id}"
    out = []
    for rule in loaded.model.regels:
        treatments = tuple(
            sorted((p, t.value) for p, t in rule.velden.items() if t is not Behandeling.WEGLATEN)
        )
        for recipient in rule.ontvangers:
            grant = Grant(
                covenant_id=kop.id,
                covenant_version=kop.versie,
                rule_id=rule.id,
                article=rule.artikel,
                purpose=rule.doel,
                legal_basis=rule.grondslag,
                processing_activity_id=f"{register.rstrip('/')}/{rule.id}",
                fields=frozenset(p for p, _ in treatments),
                valid_from=_start_of(kop.geldig.van),
                valid_until=_start_of(kop.geldig.tot) if kop.geldig.tot else None,
                retention=rule.bewaartermijn,
                treatments=treatments,
                domain=_domain_of(kop, recipient),
                conditions=tuple(c.describe() for c in rule.voorwaarden),
                condition=all_of(rule.voorwaarden),
                gate=equality_gate(rule.voorwaarden),
            )
            for src in rule.bronnen:
                out.append((src, rule.signaaltype, recipient, grant))
    return out


def _field_treatments(
    view: tuple[str, str, str], grants: list[Grant], keyring: Keyring | None, problems: list[str]
) -> dict[str, tuple[Behandeling, str]]:
    """One (treatment, domain) per field of a view; conflicting rules are a problem."""
    src, signal_type, recipient = view
    chosen: dict[str, tuple[Behandeling, str, str]] = {}
    for grant in grants:
        for path, name in grant.treatments:
            treatment = Behandeling(name)
            mine = (treatment, grant.domain, grant.rule_id)
            other = chosen.setdefault(path, mine)
            if other[:2] != mine[:2]:
                problems.append(
                    f"{path} of {signal_type} from {src} to {recipient}: rule {other[2]} says "
                    f"{other[0].value} ({other[1]}), rule {grant.rule_id} says {treatment.value} "
                    f"({grant.domain}); one field gets one treatment"
                )
            if treatment in KEYED and keyring is None:
                problems.append(
                    f"rule {grant.rule_id} uses {treatment.value}: the router needs a keyring "
                    "(ketenstroom keys init; KETENSTROOM_KEYRING)"
                )
            if (
                treatment is Behandeling.VERSLEUTELD
                and keyring
                and recipient not in keyring.ontvangers
            ):
                problems.append(
                    f"rule {grant.rule_id} encrypts {path} for {recipient}, who has no public key "
                    f"in the keyring: ketenstroom keys recipient --for {recipient}"
                )
    return {path: (t, domain) for path, (t, domain, _) in chosen.items()}


def compile_policy(
    covenants: list[LoadedCovenant],
    registry: Registry,
    store: SchemaStore,
    keyring: Keyring | None = None,
) -> Policy:
    """Check and compile; raises CovenantError listing every problem. Nothing partial is returned.

    ``keyring`` supplies key material for pseudonyms and encryption; a policy that needs keys
    does not compile without one.
    """
    problems = check(covenants, registry, store)
    if problems:
        raise CovenantError(problems)
    by_view: dict[tuple[str, str, str], list[Grant]] = defaultdict(list)
    for loaded in covenants:
        for src, signal_type, recipient, grant in _grants_of(loaded):
            by_view[(src, signal_type, recipient)].append(grant)
    compiled = SchemaStore(store)
    plans: dict[tuple[str, str], list[ViewPlan]] = defaultdict(list)
    for view, grants in sorted(by_view.items()):
        src, signal_type, recipient = view
        signal = store.current(signal_type)
        leaves = leaf_paths(signal.expanded)
        treated = _field_treatments(view, grants, keyring, problems)
        every = frozenset().union(*(g.fields for g in grants))
        always = frozenset.intersection(*(g.fields for g in grants))
        leaf_types: dict[str, Any] = {
            p: output_type(t, leaves[p]["type"]) for p, (t, _) in treated.items()
        }
        transforms: dict[str, Transform] = {}
        if keyring is not None or not any(t in KEYED for t, _ in treated.values()):
            for path, (treatment, domain) in treated.items():
                transform = make_transform(treatment, path, domain, keyring or Keyring())
                if transform is not None:
                    transforms[path] = transform
        tree = tree_of(every, signal.expanded)
        view_entry: SchemaEntry = make_entry(
            derive_view_schema(signal.expanded, tree, always, recipient, leaf_types), "view"
        )
        compiled.add(view_entry)
        plans[(src, signal_type)].append(
            ViewPlan(
                recipient=recipient,
                topic=topics.inbox(recipient),
                signal_type=signal_type,
                schema=view_entry,
                grants=tuple(grants),
                tree=tree,
                field_order=tuple(p for p in leaves if p in every),
                transforms=transforms,
            )
        )
    if problems:
        raise CovenantError(sorted(set(problems)))
    version = "+".join(
        sorted(f"{c.model.convenant.id}@{c.model.convenant.versie}" for c in covenants)
    )
    return Policy(
        version=version or "none",
        sources=frozenset(p.id for p in registry.deelnemers if p.publiceert),
        store=compiled,
        plans={k: tuple(v) for k, v in plans.items()},
        log_schema=store.current(LOG_SCHEMA),
    )
