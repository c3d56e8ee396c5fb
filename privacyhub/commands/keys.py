"""``privacyhub keys rotate``: move everything wrapped by an old master key to the newest one."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.subject_keys import rewrap_subject_keys
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.crypto import KeyUnavailable, keyring
from privacyhub.encrypted_columns import reencrypt_fields
from privacyhub.extensions import db


@click.group("keys")
def keys_group() -> None:
    """Master encryption keys (PRIVACYHUB_ENCRYPTION_KEYS, newest first)."""


@keys_group.command("rotate")
@with_appcontext
def rotate_command() -> None:
    """Re-encrypt everything the hub stores under the newest master key.

    Put the new key first in PRIVACYHUB_ENCRYPTION_KEYS (or instance/encryption.keys) and
    keep the old ones after it, then run this. It re-wraps the audit log's subject keys and
    re-encrypts every sealed column listed in privacyhub.encrypted_columns (operator TOTP
    secrets, mail outbox, data-system settings, request identities and corrections,
    fulfilment job records, legal-hold identities), in committed batches; values already
    under the newest key are skipped, so it can be re-run after an interruption. Encrypted
    export archives on disk are not re-encrypted: keep the old key until they have expired
    (PRIVACYHUB_EXPORT_LINK_DAYS). After that the old key may be removed.
    """
    ring = keyring()
    try:
        count = rewrap_subject_keys(ring)
        tables = reencrypt_fields(ring)
    except KeyUnavailable as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; is every old master key still configured?") from exc
    record_hub_event("keys.rotated", CLI_ACTOR, metadata={
        "subject_keys": count, "master_key_id": ring.master_key_id, "tables": tables})
    db.session.commit()
    click.echo(f"re-wrapped {count} subject keys under master key {ring.master_key_id}")
    for table, rows in tables.items():
        click.echo(f"re-encrypted {rows} rows of {table}")
