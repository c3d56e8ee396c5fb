"""``privacyhub keys rotate``: move everything wrapped by an old master key to the newest one."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.subject_keys import rewrap_subject_keys
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.crypto import keyring
from privacyhub.extensions import db


@click.group("keys")
def keys_group() -> None:
    """Master encryption keys (PRIVACYHUB_ENCRYPTION_KEYS, newest first)."""


@keys_group.command("rotate")
@with_appcontext
def rotate_command() -> None:
    """Re-wrap every audit subject key under the newest master key.

    Put the new key first in PRIVACYHUB_ENCRYPTION_KEYS (or instance/encryption.keys) and
    keep the old ones after it, then run this; the audit log no longer needs the old keys.
    """
    ring = keyring()
    count = rewrap_subject_keys(ring)
    record_hub_event("keys.rotated", CLI_ACTOR, metadata={"subject_keys": count, "master_key_id": ring.master_key_id})
    db.session.commit()
    click.echo(f"re-wrapped {count} subject keys under master key {ring.master_key_id}")
