"""Notifications of a breach: drafted from the record, edited, marked sent, and kept.

A notification goes out by whatever channel the authority or the controller uses (a web
form, e-mail, letter, a public notice); the hub keeps what was said, when, how, and the
reference the authority gave, next to the record as it was known at that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from privacyhub.audit.ingest import record_hub_event
from privacyhub.errors import Conflict, NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.incidents import drafts
from privacyhub.incidents.clock import is_late
from privacyhub.incidents.lifecycle import mark_notified, sent_notifications
from privacyhub.incidents.record import CLOCK_SKEW, EDITABLE_FIELDS, Actor, actor_label, add_timeline, incident_target
from privacyhub.models import Incident, IncidentNotification
from privacyhub.models.incident_notification import AUDIENCES, PHASES
from privacyhub.models.types import utcnow


def record_snapshot(incident: Incident) -> dict[str, Any]:
    """The record's fields as JSON, to keep with a notification as what was known when it went out."""
    snapshot: dict[str, Any] = {"reference": incident.reference, "status": incident.status}
    for name in EDITABLE_FIELDS:
        value = getattr(incident, name)
        snapshot[name] = value.isoformat() if isinstance(value, datetime) else value
    return snapshot


def _target(notification: IncidentNotification) -> dict[str, Any]:
    return {"type": "incident_notification", "id": str(notification.id),
            "name": f"{notification.audience}/{notification.phase}"}


def draft_notification(incident: Incident, audience: str, phase: str, actor: Actor, *,
                       recipient: str | None = None, now: datetime | None = None) -> IncidentNotification:
    """A new draft to ``audience`` with every element written from the record."""
    now = now or utcnow()
    if audience not in AUDIENCES:
        raise ValidationFailed(f"audience is one of {', '.join(AUDIENCES)}", field="audience")
    if phase not in PHASES:
        raise ValidationFailed(f"phase is one of {', '.join(PHASES)}", field="phase")
    if incident.status == "closed":
        raise Conflict("the incident is closed; reopen it to notify")
    if audience == "authority" and incident.authority_decision == "not_notify":
        raise Conflict("the recorded decision is not to notify the authority; change the decision first")
    authority = current_app.extensions["privacyhub.settings"].supervisory_authority
    notification = IncidentNotification(
        audience=audience, phase=phase, status="draft", created_by=actor_label(actor), created_at=now,
        updated_at=now, recipient=(recipient or "").strip() or drafts.default_recipient(audience, authority),
        elements=drafts.generate_elements(incident, audience), snapshot={},
    )
    incident.notifications.append(notification)
    incident.updated_at = now
    db.session.flush()  # the audit target names the new row's id
    add_timeline(incident, actor, "notification_drafted",
                 f"Drafted {drafts.PHASE_TITLES[phase].lower()} to {notification.recipient}",
                 {"notification": notification.id, "audience": audience, "phase": phase}, at=now)
    record_hub_event("incident.notification_drafted", actor, [incident_target(incident), _target(notification)],
                     metadata={"audience": audience, "phase": phase})
    return notification


def _editable(notification: IncidentNotification) -> None:
    if notification.is_sent:
        raise Conflict("a sent notification is kept as it was sent and cannot be changed")


def edit_notification(notification: IncidentNotification, actor: Actor, *, elements: dict[str, str] | None = None,
                      recipient: str | None = None, regenerate: bool = False,
                      now: datetime | None = None) -> list[str]:
    """Change a draft's element texts or recipient, or rewrite it from the record; returns what changed."""
    _editable(notification)
    now = now or utcnow()
    known = {e.key for e in drafts.elements_for(notification.audience)}
    updated = dict(notification.elements)
    if regenerate:
        updated = drafts.generate_elements(notification.incident, notification.audience)
    unknown = set(elements or {}) - known
    if unknown:
        raise ValidationFailed(f"unknown elements: {', '.join(sorted(unknown))}", field="elements")
    updated.update({k: (v or "").strip() for k, v in (elements or {}).items()})
    changed = sorted(k for k in known if updated.get(k, "") != notification.elements.get(k, ""))
    if recipient is not None and recipient.strip() and recipient.strip() != notification.recipient:
        notification.recipient = recipient.strip()
        changed.append("recipient")
    if not changed:
        return []
    notification.elements = updated
    notification.updated_at = now
    add_timeline(notification.incident, actor, "notification_edited",
                 f"Edited the {notification.audience} {notification.phase} draft: " + ", ".join(changed),
                 {"notification": notification.id, "fields": changed}, at=now)
    record_hub_event("incident.notification_edited", actor,
                     [incident_target(notification.incident), _target(notification)], metadata={"fields": changed})
    return changed


def _check_phase_order(notification: IncidentNotification, sent_at: datetime) -> None:
    """Follow-up and final authority notifications come after an initial one has gone out."""
    if notification.audience != "authority" or notification.phase == "initial":
        return
    initial = [n.sent_at for n in sent_notifications(notification.incident, "authority") if n.phase == "initial"]
    if not initial or min(initial) > sent_at:  # type: ignore[type-var]
        raise Conflict("send the initial notification to the authority before a follow-up or final one")


def mark_sent(notification: IncidentNotification, actor: Actor, *, sent_at: datetime, channel: str,
              reference: str | None = None, delay_reason: str | None = None,
              now: datetime | None = None) -> None:
    """Record that the notification went out; refused while a required element is empty.

    An initial notification to the authority sent after the 72 hours must carry the
    reasons for the delay (Art. 33(1)).
    """
    _editable(notification)
    now = now or utcnow()
    incident = notification.incident
    channel, reference = (channel or "").strip(), (reference or "").strip() or None
    if not channel:
        raise ValidationFailed("say how the notification was sent", field="channel")
    if notification.audience == "authority" and not reference:
        raise ValidationFailed("record the reference the authority gave (or your submission's id)",
                               field="reference")
    if sent_at.tzinfo is None:
        raise ValidationFailed("the sending time needs a time zone", field="sent_at")
    if sent_at > now + CLOCK_SKEW or sent_at < incident.aware_at:
        raise ValidationFailed("the sending time must lie between awareness and now", field="sent_at")
    _check_phase_order(notification, sent_at)
    late = notification.audience == "authority" and notification.phase == "initial" and is_late(incident, sent_at)
    elements = dict(notification.elements)
    if delay_reason is not None and delay_reason.strip():
        elements["delay_reason"] = delay_reason.strip()
    missing = drafts.missing_elements(notification.audience, elements, late)
    if missing:
        titles = {e.key: e.title for e in drafts.elements_for(notification.audience)}
        raise ValidationFailed("required elements are empty: " + "; ".join(titles[k] for k in missing),
                               missing=missing)
    notification.elements = elements
    notification.delay_reason = elements.get("delay_reason") or None
    notification.status, notification.sent_at, notification.sent_by = "sent", sent_at, actor_label(actor)
    notification.channel, notification.reference = channel, reference
    notification.snapshot = record_snapshot(incident)
    notification.updated_at = incident.updated_at = now
    add_timeline(incident, actor, "notification_sent",
                 f"{drafts.PHASE_TITLES[notification.phase]} to {notification.recipient} marked sent via {channel}"
                 + (" (late)" if late else ""),
                 {"notification": notification.id, "channel": channel, "reference": reference, "late": late}, at=now)
    record_hub_event("incident.notification_sent", actor, [incident_target(incident), _target(notification)],
                     metadata={"audience": notification.audience, "phase": notification.phase, "channel": channel,
                               "late": late})
    mark_notified(incident, actor, now)


def get_notification(incident: Incident, notification_id: int) -> IncidentNotification:
    """One of the incident's notifications, or 404."""
    for notification in incident.notifications:
        if notification.id == notification_id:
            return notification
    raise NotFound("no such notification on this incident")
