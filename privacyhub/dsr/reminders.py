"""Keeping deadlines in view: reminders to the owner before ``due_at`` and the overdue flag."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.dsr.actors import SYSTEM
from privacyhub.dsr.notifications import remind_owner
from privacyhub.dsr.queries import effective_due
from privacyhub.extensions import db
from privacyhub.models import SubjectRequest
from privacyhub.models.types import utcnow

# Requests whose deadline someone is working against (unverified ones wait for the subject).
WORKED_STATUSES = ("pending", "awaiting_approval", "in_progress", "failed")


def _open_with_deadline() -> list[SubjectRequest]:
    return list(db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.status.in_(WORKED_STATUSES), effective_due.is_not(None))))


def reminder_recipient(request: SubjectRequest) -> str | None:
    """The owner when the owner is an address, else the compliance team's mailbox, if configured."""
    if request.owner and "@" in request.owner:
        return request.owner
    return current_app.extensions["privacyhub.settings"].compliance_email  # type: ignore[no-any-return]


def send_deadline_reminders(now: datetime | None = None) -> int:
    """One reminder per configured mark (days before the deadline) that a request has reached."""
    now = now or utcnow()
    marks = sorted(set(current_app.extensions["privacyhub.settings"].reminder_days))
    sent = 0
    for request in _open_with_deadline():
        due = request.effective_due_at
        assert due is not None
        reached = [mark for mark in marks if now >= due - timedelta(days=mark)]
        new = [mark for mark in reached if mark not in (request.reminders_sent or [])]
        if not new or now > due:
            continue
        request.reminders_sent = sorted(set(request.reminders_sent or []) | set(reached))
        days_left = max(0, (due - now).days)
        recipient = reminder_recipient(request)
        if recipient:
            remind_owner(request, recipient, days_left)
        record_hub_event("subject_request.deadline_reminder", SYSTEM.as_event(),
                         [{"type": "subject_request", "id": request.id}],
                         metadata={"days_left": days_left, "mark": min(new), "mailed": bool(recipient)})
        sent += 1
    return sent


def flag_overdue(now: datetime | None = None) -> int:
    """Mark open requests past their deadline; each is audited once, when it becomes overdue."""
    now = now or utcnow()
    flagged = 0
    for request in _open_with_deadline():
        if request.overdue or now <= request.effective_due_at:  # type: ignore[operator]
            continue
        request.overdue = True
        record_hub_event("subject_request.overdue", SYSTEM.as_event(), [{"type": "subject_request", "id": request.id}],
                         metadata={"due_at": request.effective_due_at.isoformat()})  # type: ignore[union-attr]
        flagged += 1
    return flagged
