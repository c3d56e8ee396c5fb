"""Incident jobs: escalating the 72-hour breach-notification clock."""

from __future__ import annotations

from celery import shared_task

from privacyhub.extensions import db
from privacyhub.incidents.escalation import escalate_incident_deadlines as escalate


@shared_task(name="tasks.incidents.escalate_incident_deadlines", ignore_result=True)
def escalate_incident_deadlines() -> dict[str, list[int]]:
    """Beat, every minute: record and announce each newly crossed mark, then commit once."""
    try:
        escalated = escalate()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return escalated
