"""Incident jobs: escalating the 72-hour breach-notification clock."""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import IntegrityError

from privacyhub.extensions import db
from privacyhub.incidents.escalation import escalate_incident_deadlines as escalate

log = logging.getLogger(__name__)


@shared_task(name="tasks.incidents.escalate_incident_deadlines", ignore_result=True)
def escalate_incident_deadlines() -> dict[str, list[int]]:
    """Beat, every minute: record and announce each newly crossed mark, then commit once."""
    try:
        escalated = escalate()
        db.session.commit()
    except IntegrityError:
        # Another sweep recorded one of these marks first; it has told everyone. The next
        # run picks up whatever else is due.
        db.session.rollback()
        log.info("incident escalation raced another sweep; rolled back")
        return {}
    except Exception:
        db.session.rollback()
        raise
    return escalated
