"""Audit-log jobs: the sealer beat runs every few seconds, retention, and verification runs.

Tasks take ids and commit their own work; the domain code in ``privacyhub.audit`` does it all.
"""

from __future__ import annotations

import logging

from celery import shared_task

from privacyhub.audit.retention import purge_sealed_events
from privacyhub.audit.sealer import seal_pending_events
from privacyhub.audit.verify_runs import run_verification

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def seal_audit_log() -> int:
    """One sealing run; a second concurrent run finds the lock taken and returns at once."""
    outcome = seal_pending_events()
    if outcome.sealed:
        log.info("sealed %d audit events; tree size %d", outcome.sealed, outcome.tree_size)
    return outcome.sealed


@shared_task(ignore_result=True)
def purge_audit_log() -> int:
    """Apply the audit retention period (PRIVACYHUB_AUDIT_RETENTION_DAYS)."""
    return purge_sealed_events().purged


@shared_task(acks_late=True)
def verify_audit_log(run_id: int) -> str | None:
    """Run a verification the console asked for and store its result."""
    run = run_verification(run_id)
    return run.status if run else None
