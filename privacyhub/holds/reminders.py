"""Reminding a hold's owner before it expires, so it is extended or allowed to end on purpose."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.dsr.links import absolute_url
from privacyhub.extensions import db
from privacyhub.holds.register import hold_target
from privacyhub.localtime import format_local
from privacyhub.mail import queue_mail
from privacyhub.models import LegalHold
from privacyhub.models.types import utcnow

HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}
MAIL_TEMPLATE = "hold_expiring"


def send_hold_reminders(now: datetime | None = None, marks: list[int] | None = None) -> int:
    """One message per mark (days before expiry) a hold in force has reached; returns how many (not committed)."""
    now = now or utcnow()
    if marks is None:
        marks = current_app.extensions["privacyhub.settings"].hold_reminder_days
    sent = 0
    expiring = db.session.scalars(select(LegalHold).where(
        LegalHold.released_at.is_(None), LegalHold.expires_at.is_not(None), LegalHold.expires_at > now))
    for hold in expiring:
        assert hold.expires_at is not None
        reached = [mark for mark in marks if now >= hold.expires_at - timedelta(days=mark)]
        new = [mark for mark in reached if mark not in (hold.reminders_sent or [])]
        if not new:
            continue
        hold.reminders_sent = sorted(set(hold.reminders_sent or []) | set(reached))
        days_left = max(0, (hold.expires_at - now).days)
        queue_mail(hold.owner, MAIL_TEMPLATE, {
            "reference": hold.reference, "covers": hold.describe(), "reason": hold.reason,
            "expires": format_local(hold.expires_at), "days_left": days_left,
            "url": absolute_url(f"/admin/holds/{hold.id}")})
        record_hub_event("legal_hold.expiry_reminder", HUB, hold_target(hold),
                         metadata={"days_left": days_left, "mark": min(new)})
        sent += 1
    return sent
