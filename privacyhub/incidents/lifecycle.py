"""An incident's status: open -> contained -> notified -> closed, and what closing requires.

``notified`` is set when a notification is marked sent (``incidents.notifications``);
operators move between the others. An incident closes only once the Art. 33/34 duties are
either met or documented as not applying, so the register never holds a half-decided breach.
"""

from __future__ import annotations

from datetime import datetime

from privacyhub.audit.ingest import record_hub_event
from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.incidents.record import Actor, add_timeline, incident_target
from privacyhub.models import Incident
from privacyhub.models.incident import INCIDENT_STATUSES
from privacyhub.models.types import utcnow

# Statuses an operator may choose; "notified" follows from a sent notification.
CHOOSABLE = ("open", "contained", "closed")


def sent_notifications(incident: Incident, audience: str) -> list:
    """The notifications to ``audience`` that have been marked sent."""
    return [n for n in incident.notifications if n.audience == audience and n.is_sent]


def close_blockers(incident: Incident) -> list[str]:
    """What still stands between this incident and closing; empty when it may close."""
    blockers = []
    if incident.risk is None or not incident.risk_rationale:
        blockers.append("assess the risk to the data subjects and give the rationale")
    if incident.authority_decision is None:
        blockers.append("decide whether to notify the supervisory authority")
    elif incident.authority_decision == "notify" and not sent_notifications(incident, "authority"):
        blockers.append("mark the notification to the supervisory authority sent")
    if incident.risk == "high_risk":
        if incident.subjects_decision not in ("notify", "exception"):
            blockers.append("the risk is high: notify the data subjects or record an Art. 34(3) exception")
        elif incident.subjects_decision == "notify" and not sent_notifications(incident, "subjects"):
            blockers.append("mark the communication to the data subjects sent")
    if not incident.measures_taken and not incident.measures_proposed:
        blockers.append("record the measures taken or proposed")
    return blockers


def change_status(incident: Incident, status: str, actor: Actor, now: datetime | None = None) -> bool:
    """Move the incident to ``status``; False when it already is there."""
    if status not in INCIDENT_STATUSES:
        raise ValidationFailed(f"status is one of {', '.join(INCIDENT_STATUSES)}", field="status")
    if status == incident.status:
        return False
    if status not in CHOOSABLE:
        raise Conflict("an incident becomes 'notified' when a notification is marked sent")
    if status == "closed" and (blockers := close_blockers(incident)):
        raise Conflict("the incident cannot be closed yet: " + "; ".join(blockers), blockers=blockers)
    _move(incident, status, actor, now or utcnow())
    return True


def mark_notified(incident: Incident, actor: Actor, now: datetime) -> None:
    """A notification went out: open and contained incidents become ``notified``."""
    if incident.status in ("open", "contained"):
        _move(incident, "notified", actor, now)


def _move(incident: Incident, status: str, actor: Actor, now: datetime) -> None:
    previous, incident.status, incident.updated_at = incident.status, status, now
    if status == "contained" and incident.contained_at is None:
        incident.contained_at = now
    incident.closed_at = now if status == "closed" else None
    add_timeline(incident, actor, "status", f"Status {previous} -> {status}", {"from": previous, "to": status}, at=now)
    record_hub_event("incident.status_changed", actor, [incident_target(incident)],
                     metadata={"from": previous, "to": status})
