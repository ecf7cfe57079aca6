"""``ketenstroom reidentify``: a herleider signs a request; whoever holds the keyring carries it
out, after checking it against the covenant, and the act is logged (with the request) first.

Officer-facing: Dutch unless KETENSTROOM_TAAL=en or an English locale (pipeline/language.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from pipeline.cli.officer import OfficerCommand, officer_app, officer_settings, reporting, said
from pipeline.cli.output import console, errors
from pipeline.errors import ConfigurationError, KetenstroomError
from pipeline.messages import accountability as msg
from pipeline.messages import help as h
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.covenant.loader import LoadedCovenant
    from pipeline.privacy.keyring import Keyring
    from pipeline.privacy.reidentification import HerleiderKey, Verified

reidentify_app = officer_app(h.reidentify_group())


@reidentify_app.command("verzoek", help=said(h.request()), cls=OfficerCommand)
def request_command(
    label: Annotated[str, typer.Argument(help=said(h.request_label()))],
    reason: Annotated[str, typer.Option("--reden", help=said(h.request_reason()))],
    out: Annotated[
        Path | None, typer.Option("--uit", help=said(h.request_output()))
    ] = None,
    hours: Annotated[
        float, typer.Option("--geldig", help=said(h.request_hours()))
    ] = 1.0,
) -> None:
    """Sign a re-identification request with your herleider key (KETENSTROOM_HERLEIDER_KEY)."""
    from pipeline.privacy.reidentification import HerleiderKey, make_request

    settings = officer_settings()
    with reporting():
        key = _read_key(settings.herleider_key, HerleiderKey)
        now = dt.datetime.now(dt.UTC)
        signed = make_request(key, label, reason, now, dt.timedelta(hours=hours))
        if out is None:
            console.print(signed, highlight=False, soft_wrap=True, markup=False)
            return
        out.write_text(signed + "\n", encoding="utf-8")
        until = (now + dt.timedelta(hours=hours)).isoformat(timespec="seconds")
        errors.print(escape(str(msg.request_made(str(out), label, until))), highlight=False)


def _read_key(path: Path, model: type[HerleiderKey]) -> HerleiderKey:
    """A herleider key file, or a clear error."""
    if not path.exists():
        raise ConfigurationError(
            f"no herleider key at {path}: create one with `ketenstroom keys herleider`"
        )
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not a herleider key file") from exc


@reidentify_app.command("uitvoeren", help=said(h.carry_out()), cls=OfficerCommand)
def carry_out_command(
    request_file: Annotated[
        Path, typer.Argument(help=said(h.carry_out_file()))
    ],
) -> None:
    """Check a signed request against the covenant of the pseudonym's domain, log the act
    (who, why, the request as proof) with Kafka's acknowledgement, then show the identifier."""
    import sys

    from pipeline.privacy.keyring import read_keyring

    settings = officer_settings()
    with reporting():
        text = sys.stdin.read() if str(request_file) == "-" else _read_text(request_file)
        from pipeline.cli.connecting import reachable

        keyring = read_keyring(settings.keyring)
        bootstrap = reachable(settings)
        verified, identifier, record = _verified(settings, bootstrap, text, keyring)
        _log(settings, bootstrap, record)
        console.print(
            escape(
                str(
                    msg.logged_reidentification(
                        record["event_id"], _log_topic(), verified.herleider.naam
                    )
                )
            ),
            highlight=False,
        )
        console.print(escape(identifier), highlight=False)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc


def _log_topic() -> str:
    from pipeline import topics

    return topics.DISCLOSURE_LOG


def _verified(
    settings: Settings, bootstrap: str, text: str, keyring: Keyring
) -> tuple[Verified, str, dict[str, Any]]:
    """The verified request, the identifier and the act's log record; Refused for anything
    the covenant forbids (nothing is opened before the request is verified)."""
    from pipeline.covenant.reidentifiers import covenant_of, domain_members
    from pipeline.covenant.rules import reidentification_activity_id
    from pipeline.privacy.keyring import in_force, unb64
    from pipeline.privacy.pseudonyms import parse_label
    from pipeline.privacy.references import log_subject
    from pipeline.privacy.reidentification import (
        Entitled,
        read_request,
        reidentification_record,
        reidentify_label,
        verify_request,
    )

    request, _ = read_request(text)
    _, _, domain, kind, _ = parse_label(request.pseudoniem)
    kop = next(
        (
            c.model.convenant
            for c in _covenants(settings, bootstrap)
            if c.model.convenant.id == covenant_of(domain)
        ),
        None,
    )
    herleiders = (
        []
        if kop is None
        else [Entitled(h.naam, h.namens, h.publieke_sleutel) for h in kop.herleiders]
    )
    now = dt.datetime.now(dt.UTC)
    verified = verify_request(
        text,
        None if kop is None else kop.id,
        herleiders,
        set() if kop is None else domain_members(kop, domain),
        now,
        None if kop is None else (kop.geldig.van, kop.geldig.tot),
    )
    identifier = reidentify_label(request.pseudoniem, keyring)
    key = in_force(keyring.verantwoording, now, "verantwoording")
    subject = log_subject(identifier, unb64(key.materiaal), key.versie, kind)
    activity = reidentification_activity_id(kop) if kop is not None else None
    return verified, identifier, reidentification_record(verified, subject, now, activity)


def _covenants(settings: Settings, bootstrap: str) -> list[LoadedCovenant]:
    """The covenants in force: the newest bundle a worker of this installation adopted (its
    copy on the status topic, which only the router writes), so the herleiders and the
    validity are the ones the workers route with. A bundle a trusted key signed but no worker
    adopted (refused: another text under a published `versie`, or one that does not compile)
    names no herleider; nor does another installation's (acceptance, another region), however
    validly signed. Without an adopted bundle (and no KETENSTROOM_COVENANT_MIN_VERSION), the
    files on disk, as a worker without one routes with them."""
    from pipeline.client.covenant_topic import read_control, read_status, this_installation
    from pipeline.covenant.loader import load_covenant_texts, load_covenants
    from pipeline.publication.bundle import Bundle
    from pipeline.publication.signing import read_trusted_signers, verify
    from pipeline.publication.status import copies

    trusted = read_trusted_signers(settings.trusted_signers)
    control, _ = read_control(settings, bootstrap)
    status, _ = read_status(settings, bootstrap)
    here = this_installation(settings, bootstrap)
    adopted: Bundle | None = None
    foreign = ours = False
    signed = [(raw, True) for raw in copies(status)] + [(v, False) for v in control if v]
    for raw, copied in signed:
        try:
            bundle = Bundle.from_bytes(verify(raw, trusted)[0])
        except KetenstroomError:
            continue  # unsigned or untrusted: no worker adopts it, so it names no herleider
        if bundle.installation != here:
            foreign = True  # signed for another installation: no worker here adopts it
            continue
        ours = True
        if copied and (adopted is None or bundle.version > adopted.version):
            adopted = bundle
    if foreign and not ours:
        # signed bundles, none for this installation: a wrong KETENSTROOM_INSTALLATIE, or
        # another installation's bundle written here; the files on disk are no fallback then
        raise ConfigurationError(str(msg.only_foreign_bundles(here.describe())))
    if foreign:
        errors.print(escape(str(msg.foreign_bundle_only(here.describe()))), highlight=False)
    if adopted is not None and adopted.version >= settings.covenant_min_version:
        return load_covenant_texts(adopted.files, f"bundel {adopted.version}")
    if settings.covenant_min_version:
        raise ConfigurationError(
            f"no covenant bundle of version {settings.covenant_min_version} or higher is "
            "adopted by a worker; nothing can be re-identified"
        )
    if ours:
        errors.print(escape(str(msg.no_adopted_bundle())), highlight=False)
    return load_covenants(settings.convenanten_dir)


def _log(settings: Settings, bootstrap: str, record: dict[str, object]) -> None:
    """Write the log line and wait for Kafka's acknowledgement (before anything is shown)."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    from pipeline.broker.connection import client_config
    from pipeline.codec.framing import encode
    from pipeline.codec.schema_store import load_store
    from pipeline.covenant.compiler import LOG_SCHEMA
    from pipeline.errors import BrokerError

    entry = load_store(settings.schemas_dir).current(LOG_SCHEMA)
    producer = KafkaProducer(**client_config(settings, bootstrap), acks="all")
    try:
        producer.send(
            _log_topic(), key=str(record["event_id"]).encode(), value=encode(entry, record)
        ).get(timeout=settings.request_timeout_s)
    except KafkaError as exc:
        raise BrokerError(f"the re-identification was not logged: {exc}; nothing is shown") from exc
    finally:
        producer.close()
