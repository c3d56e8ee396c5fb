"""Retention jobs: the daily run of every enabled policy, carrying long runs on, and the legal-hold sweep.

Tasks take ids and commit their own work; ``privacyhub.retention`` and ``privacyhub.holds`` do it all.
"""

from __future__ import annotations

import logging

from celery import shared_task

from privacyhub.extensions import db
from privacyhub.holds.reminders import send_hold_reminders
from privacyhub.holds.requests import resume_released_holds
from privacyhub.retention.runner import carry_on, claim_run, run_enabled_policies

log = logging.getLogger(__name__)
BEAT = {"type": "system", "id": "privacyhub-beat", "name": "PrivacyHub (schedule)"}


@shared_task(acks_late=True, ignore_result=True)
def run_retention_policies() -> dict[str, str]:
    """Beat, daily (``PRIVACYHUB_RETENTION_SCHEDULE``): every enabled policy; unfinished runs resume."""
    runs = run_enabled_policies(BEAT, "beat")
    for run in runs:
        log.info("retention %s: run %s %s, %s deleted, %s masked, %s held", run.policy_name, run.id, run.status,
                 run.total("deleted"), run.total("masked"), run.total("held"))
    return {run.policy_name: run.status for run in runs}


@shared_task(acks_late=True, ignore_result=True)
def continue_retention_run(run_id: int) -> str | None:
    """Carry on a run the console or API started and handed over when its time was up."""
    run = claim_run(run_id)
    return carry_on(run).status if run else None


@shared_task(acks_late=True, ignore_result=True)
def sweep_legal_holds() -> dict[str, int]:
    """Beat, hourly: remind owners of holds about to expire; let erasures whose holds ended go on."""
    result = {"reminded": send_hold_reminders(), "resumed": resume_released_holds()}
    db.session.commit()
    return result
