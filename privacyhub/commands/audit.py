"""``privacyhub audit ...``: seal, verify, check a proof, shred a subject, purge old events."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.proof_check import check_event_proof
from privacyhub.audit.retention import purge_sealed_events
from privacyhub.audit.sealer import seal_pending_events
from privacyhub.audit.subject_keys import shred_subject
from privacyhub.audit.verify import verify_log
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.crypto import keyring, load_public_key
from privacyhub.extensions import db


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log: sealing, verification, erasure, retention."""


@audit_group.command("seal")
@click.option("--checkpoint", is_flag=True, help="Sign a checkpoint at the end if the tree grew since the last one.")
@with_appcontext
def seal_command(checkpoint: bool) -> None:
    """Seal every waiting event now (what beat runs every few seconds)."""
    outcome = seal_pending_events(force_checkpoint=checkpoint)
    if outcome.busy:
        click.echo("another sealer is running; nothing done")
        return
    signed = ", checkpoints at " + ", ".join(map(str, outcome.checkpoints)) if outcome.checkpoints else ""
    click.echo(f"sealed {outcome.sealed} events; tree size {outcome.tree_size}{signed}")


@audit_group.command("verify")
@click.option("--from-index", type=click.IntRange(min=0), default=0, show_default=True,
              help="Recompute leaves from this index on (earlier ones are taken from the stored tree).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes that read and hash rows [default: one per CPU, at most 4, for 200,000+ leaves].")
@with_appcontext
def verify_command(from_index: int, jobs: int | None) -> None:
    """Recompute leaves and tree and check every checkpoint; exit 1 naming the first problem."""
    report = verify_log(from_index, jobs=jobs)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@audit_group.command("verify-proof")
@click.argument("event_file", type=click.File("r"))
@click.option("--public-key", "public_key_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The log's public key: PEM, or base64 of the raw key (GET /v1/public-key).")
def verify_proof_command(event_file: IO[str], public_key_file: str) -> None:
    """Check an event's inclusion proof offline: EVENT_FILE is GET /v1/events/<id> output ('-': stdin)."""
    try:
        event = json.load(event_file)
        public_key = load_public_key(Path(public_key_file).read_bytes())
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    result = check_event_proof(event, public_key)
    click.echo(result.message)
    if not result.ok:
        sys.exit(1)


@audit_group.command("shred")
@click.argument("subject")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def shred_command(subject: str, yes: bool) -> None:
    """Destroy SUBJECT's data key: its events stay (proofs hold) but nothing personal can be read again."""
    if not yes:
        click.confirm("Shredding cannot be undone. Continue?", abort=True)
    outcome = shred_subject(keyring(), subject)
    if outcome.keys:
        record_hub_event("audit.subject_shredded", CLI_ACTOR, [{"type": "subject", "id": outcome.pseudonym}],
                         metadata={"events": outcome.events})
    db.session.commit()
    if not outcome.keys:
        click.echo("no live key for this subject; nothing to shred")
        return
    click.echo(f"shredded: {outcome.events} events of this subject are no longer readable")


@audit_group.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="Days to keep; default PRIVACYHUB_AUDIT_RETENTION_DAYS (365).")
@with_appcontext
def purge_command(days: int | None) -> None:
    """Remove the bodies of sealed events received longer ago than the retention period."""
    outcome = purge_sealed_events(days)
    if outcome.busy:
        click.echo("the sealer is running; try again")
        return
    click.echo(f"purged {outcome.purged} events; leaves [0, {outcome.purged_size}) now kept as hashes only")
