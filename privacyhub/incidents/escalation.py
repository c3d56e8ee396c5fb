"""Escalating the 72-hour clock: at each hours-left mark, and once overdue, exactly once.

Beat calls ``escalate_incident_deadlines`` every minute. Each crossed mark is recorded as
an ``IncidentEscalation`` row whose unique key stops a second run (or a second beat)
from repeating it: a sweep racing another fails on that key and rolls back whole, with
its mail (queued in the same transaction), so nothing is said twice. The owner and every
compliance operator are told by e-mail, and the console shows the escalation on the
incident and the dashboard.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from privacyhub.audit.ingest import record_hub_event
from privacyhub.extensions import db
from privacyhub.incidents.clock import OVERDUE_MARK, ClockState, crossed_marks, incident_clock
from privacyhub.incidents.record import add_timeline, incident_target
from privacyhub.localtime import format_local
from privacyhub.mail import queue_mail
from privacyhub.models import Incident, IncidentEscalation, Operator
from privacyhub.models.types import utcnow

log = logging.getLogger(__name__)
SYSTEM_ACTOR = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}
MAIL_TEMPLATE = "incident_escalation"


def mark_label(mark: int) -> str:
    """``24 hours left`` or ``overdue``."""
    return "overdue" if mark == OVERDUE_MARK else f"{mark} hours left"


def escalation_recipients(incident: Incident) -> list[str]:
    """The owner and every compliance operator who can still sign in."""
    compliance = db.session.scalars(
        select(Operator.email).where(Operator.role == "compliance", Operator.locked_at.is_(None)))
    return sorted({*compliance, *([incident.owner] if incident.owner else [])})


def _mail(incident: Incident, clock: ClockState, mark: int, recipients: list[str]) -> None:
    """One message per recipient through the outbox (sent after the commit, or held without SMTP)."""
    base_url = current_app.config["PRIVACYHUB_BASE_URL"].rstrip("/")
    context = {"reference": incident.reference, "title": incident.title, "mark": mark_label(mark),
               "overdue": mark == OVERDUE_MARK, "time_left": clock.label,
               "deadline": format_local(clock.deadline), "url": f"{base_url}/admin/incidents/{incident.id}"}
    for recipient in recipients:
        queue_mail(recipient, MAIL_TEMPLATE, context)


def escalate_incident(incident: Incident, marks: list[int], now: datetime) -> list[int]:
    """Record every newly crossed mark of one incident and tell people once, for the most urgent."""
    clock = incident_clock(incident, now)
    done = {e.mark_hours for e in incident.escalations}
    new = [m for m in crossed_marks(clock, marks) if m not in done]
    if not new:
        return []
    recipients = escalation_recipients(incident)
    for mark in new:
        incident.escalations.append(IncidentEscalation(mark_hours=mark, at=now, recipients=recipients))
    db.session.flush()  # a concurrent sweep that recorded the same mark fails here, before anything is sent
    urgent = new[-1]
    summary = f"Deadline escalation ({mark_label(urgent)}): {clock.label}, deadline {format_local(clock.deadline)}"
    add_timeline(incident, SYSTEM_ACTOR, "escalation", summary,
                 {"marks": new, "recipients": recipients}, at=now)
    record_hub_event("incident.deadline_escalated", SYSTEM_ACTOR, [incident_target(incident)],
                     metadata={"marks": new, "recipients": len(recipients)})
    _mail(incident, clock, urgent, recipients)
    return new


def escalate_incident_deadlines(now: datetime | None = None, marks: list[int] | None = None) -> dict[str, list[int]]:
    """Escalate every incident whose clock runs; returns the marks recorded per incident reference."""
    now = now or utcnow()
    if marks is None:
        marks = current_app.extensions["privacyhub.settings"].incident_escalation_hours
    incidents = db.session.scalars(
        select(Incident).where(Incident.status != "closed").options(
            selectinload(Incident.notifications), selectinload(Incident.escalations)).order_by(Incident.aware_at))
    escalated = {}
    for incident in incidents:
        if claimed := escalate_incident(incident, marks, now):
            escalated[incident.reference] = claimed
            log.info("incident %s escalated at marks %s", incident.reference, claimed)
    return escalated


def latest_escalation(incident: Incident) -> IncidentEscalation | None:
    """The most urgent escalation so far, shown as the incident's alert in the console."""
    return min(incident.escalations, key=lambda e: e.mark_hours, default=None)
