"""``ketenstroom keys``: the router's keyring, recipients', signers' and herleiders' keys."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.officer import OfficerCommand, said
from pipeline.cli.output import console
from pipeline.errors import ConfigurationError
from pipeline.messages import help as h
from pipeline.privacy.keyring import (
    SECRET_KINDS,
    RecipientKeys,
    SecretKind,
    extract,
    new_keyring,
    new_recipient_key,
    read_keyring,
    read_recipient_keys,
    unb64,
    write_secret_file,
)
from pipeline.settings import load_settings

keys_app = typer.Typer(
    help="Key files: the router's keyring and recipients' key pairs.", no_args_is_help=True
)

From = Annotated[
    str | None,
    typer.Option("--vanaf", help="In force from (ISO date/time, UTC if no zone); default now."),
]


def _start(vanaf: str | None) -> dt.datetime:
    if vanaf is None:
        return dt.datetime.now(dt.UTC)
    moment = dt.datetime.fromisoformat(vanaf)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@keys_app.command("init")
def keys_init() -> None:
    """Create the router's keyring (pseudonym, re-identification and log secrets, version 1)."""
    path = load_settings().keyring
    if path.exists():
        raise ConfigurationError(
            f"{path} exists already; use `ketenstroom keys rotate` for new versions"
        )
    now = dt.datetime.now(dt.UTC)
    write_secret_file(path, new_keyring(now))
    console.print(
        f"keyring created: {path} (mode 0600; keep it out of the repository and backed up)"
    )


@keys_app.command("rotate")
def keys_rotate(
    kind: Annotated[str, typer.Argument(help="pseudoniem, herleidbaar or verantwoording")],
    vanaf: From = None,
) -> None:
    """Add a new version of a secret, in force from a start date. Old versions stay (to read old data)."""
    secret_kind = _kind(kind)
    path = load_settings().keyring
    keyring = read_keyring(path).with_secret(secret_kind, _start(vanaf))
    write_secret_file(path, keyring)
    latest = getattr(keyring, secret_kind)[-1]
    console.print(f"{kind} key version {latest.versie} in force from {latest.vanaf.isoformat()}")


def _kind(kind: str) -> SecretKind:
    for known in SECRET_KINDS:
        if kind == known:
            return known
    raise typer.BadParameter(f"kind is one of {', '.join(SECRET_KINDS)}")


@keys_app.command("uittreksel")
def keys_extract(
    kind: Annotated[str, typer.Argument(help="The secret to hand over, e.g. verantwoording.")],
    to: Annotated[Path, typer.Option("--naar", help="Where to write it (mode 0600).")],
) -> None:
    """Write a keyring with one secret only: the FG gets the verantwoording key this way, to
    run `ketenstroom verantwoording inzage`, without any key that opens what recipients hold."""
    keyring = extract(read_keyring(load_settings().keyring), _kind(kind))
    write_secret_file(to, keyring)
    console.print(f"{kind} key ({len(getattr(keyring, kind))} version(s)) written to {to} (0600)")


@keys_app.command("recipient")
def keys_recipient(
    partner: Annotated[str, typer.Option("--for", help="The recipient's partner id.")],
    vanaf: From = None,
) -> None:
    """Create (or rotate) a recipient's X25519 key pair: the private key stays with the recipient."""
    settings = load_settings()
    private_path = settings.recipient_keys_dir / f"{partner}.sleutel.json"
    current = (
        read_recipient_keys(private_path)
        if private_path.exists()
        else RecipientKeys(partner=partner)
    )
    start = _start(vanaf)
    updated, public = new_recipient_key(current, start)
    keyring, version = read_keyring(settings.keyring).with_recipient(partner, public, start)
    write_secret_file(private_path, updated)
    write_secret_file(settings.keyring, keyring)
    console.print(
        f"{partner}: key version {version}; private key {private_path} (give it to {partner} only)"
    )


@keys_app.command("ondertekening", help=said(h.keys_signing()), cls=OfficerCommand)
def keys_signing(
    naam: Annotated[str, typer.Option("--naam", help=said(h.keys_signer_name()))],
) -> None:
    """Create the Ed25519 key that signs published covenants, and trust it on this machine."""
    import os

    from pipeline.language import officer_language, use
    from pipeline.messages import tools as msg
    from pipeline.publication.signing import create_signing_key

    settings = load_settings()
    use(officer_language(settings.taal, os.environ))  # the officer's command: Dutch by default
    if settings.signing_key.exists():
        raise ConfigurationError(str(msg.signing_key_exists(str(settings.signing_key))))
    key = create_signing_key(naam, settings.signing_key, settings.trusted_signers)
    text = msg.signing_key_made(
        key.sleutel_id, naam, str(settings.signing_key), str(settings.trusted_signers)
    )
    console.print(escape(str(text)), highlight=False)


@keys_app.command("dode-letters")
def keys_dead_letters() -> None:
    """Create (or rotate) the dead-letter key: the private half stays with the privacy role,
    the public half goes to every worker, which seals dead letters to it."""
    from pipeline.privacy.dead_letter_key import create_dead_letter_key

    settings = load_settings()
    public_path = settings.dead_letter_public_key_path
    public = create_dead_letter_key(settings.dead_letter_key, public_path, dt.datetime.now(dt.UTC))
    console.print(
        f"dead-letter key version {public.versie} ({public.sleutel_id}): private key "
        f"{settings.dead_letter_key} (mode 0600; the privacy role only), public key {public_path} "
        "(give workers this file; they read it at start)"
    )


@keys_app.command("show")
def keys_show() -> None:
    """Key versions and recipients' public key fingerprints. Never shows a secret."""
    keyring = read_keyring(load_settings().keyring)
    table = Table(title="Keys")
    for header in ("key", "version", "in force from", "fingerprint (SHA-256 of public key)"):
        table.add_column(header)
    for kind in SECRET_KINDS:
        for v in getattr(keyring, kind):
            table.add_row(kind, str(v.versie), v.vanaf.isoformat(), "(secret)")
    for partner, versions in sorted(keyring.ontvangers.items()):
        for v in versions:
            digest = hashlib.sha256(unb64(v.materiaal)).hexdigest()[:16]
            table.add_row(f"ontvanger {partner}", str(v.versie), v.vanaf.isoformat(), digest)
    console.print(table)


@keys_app.command("herleider", help=said(h.keys_herleider()), cls=OfficerCommand)
def keys_reidentifier(
    naam: Annotated[str, typer.Option("--naam", help=said(h.keys_herleider_name()))],
    namens: Annotated[str, typer.Option("--namens", help=said(h.keys_herleider_for()))],
) -> None:
    """Create your Ed25519 key for signing re-identification requests (KETENSTROOM_HERLEIDER_KEY)
    and print the lines that name you under `herleiders:` in the covenant."""
    import os

    from pipeline.language import officer_language, use
    from pipeline.messages import accountability as msg
    from pipeline.privacy.reidentification import HerleiderKey

    settings = load_settings()
    use(officer_language(settings.taal, os.environ))
    path = settings.herleider_key
    if path.exists():
        raise ConfigurationError(str(msg.herleider_key_exists(str(path))))
    key = HerleiderKey.generate(naam, namens)
    write_secret_file(path, key)
    console.print(
        escape(str(msg.herleider_key_made(str(path), key.covenant_entry()))), highlight=False
    )
