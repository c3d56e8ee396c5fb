"""The request lifecycle: which status may follow which, and what every change sets off.

Each change is recorded in the request's history and as an audit event in the caller's
transaction, tells the subject when there is something to tell, and queues the signed
status callbacks.
"""

from __future__ import annotations

from flask import current_app

from privacyhub.audit.ingest import record_hub_event
from privacyhub.dispatch import send_after_commit
from privacyhub.dsr.actors import SYSTEM, Actor
from privacyhub.dsr.callbacks import queue_callbacks
from privacyhub.dsr.identities import audit_subject
from privacyhub.dsr.notifications import tell_subject_about_status
from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.extensions import db
from privacyhub.models import DENIAL_REASONS, RequestStatusChange, SubjectRequest
from privacyhub.models.types import utcnow

# Fulfilment starts as soon as a request may be processed; the periodic sweep is the fallback.
START_FULFILMENT_TASK = "tasks.fulfilment.start_request"

TRANSITIONS: dict[str, frozenset[str]] = {
    "identity_unverified": frozenset({"pending", "denied", "cancelled"}),
    "pending": frozenset({"awaiting_approval", "in_progress", "denied", "cancelled"}),
    "awaiting_approval": frozenset({"in_progress", "denied", "cancelled"}),
    "in_progress": frozenset({"completed", "failed", "denied"}),
    "failed": frozenset({"in_progress", "denied", "cancelled"}),
    "completed": frozenset(),
    "denied": frozenset(),
    "cancelled": frozenset(),
}
TERMINAL = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)


def can_transition(current: str, new: str) -> bool:
    """Whether ``current -> new`` is an allowed step."""
    return new in TRANSITIONS.get(current, frozenset())


def _record(request: SubjectRequest, previous: str | None, actor: Actor, reason: str | None) -> None:
    request.history.append(RequestStatusChange(
        from_status=previous, to_status=request.status, at=utcnow(), actor_type=actor.type,
        actor_id=actor.id, reason=reason,
    ))
    metadata = {"from": previous, "to": request.status, "type": request.type, "channel": request.channel}
    if request.denial_reason and request.status == "denied":
        metadata["denial_reason"] = request.denial_reason
    record_hub_event(
        f"subject_request.{request.status}", actor.as_event(),
        [{"type": "subject_request", "id": request.id}], metadata=metadata, subject=audit_subject(request),
    )
    db.session.flush()
    tell_subject_about_status(request, reason)
    queue_callbacks(request, previous)


def open_request(request: SubjectRequest, status: str, actor: Actor) -> None:
    """Give a new request its first status (``identity_unverified`` or ``pending``)."""
    if status not in ("identity_unverified", "pending"):
        raise ValueError(status)
    request.status = status
    db.session.add(request)
    db.session.flush()
    _record(request, None, actor, None)


def transition(request: SubjectRequest, new: str, actor: Actor, reason: str | None = None, *,
               denial_reason: str | None = None, denial_detail: str | None = None) -> None:
    """Move the request to ``new`` or refuse with 409 when the lifecycle does not allow it."""
    previous = request.status
    if not can_transition(previous, new):
        raise Conflict(f"a request in status '{previous}' cannot become '{new}'",
                       current_status=previous, allowed=sorted(TRANSITIONS.get(previous, ())))
    if new == "denied":
        if denial_reason not in DENIAL_REASONS:
            raise ValidationFailed(f"a denial needs one of the reasons {', '.join(DENIAL_REASONS)}")
        request.denial_reason, request.denial_detail = denial_reason, (denial_detail or reason or None)
    request.status = new
    if new in TERMINAL:
        request.closed_at = utcnow()
    _record(request, previous, actor, reason)


def admit(request: SubjectRequest, actor: Actor) -> None:
    """A verified request joins the queue: ``pending``, then ``awaiting_approval`` when approval is on."""
    if request.status == "identity_unverified":
        transition(request, "pending", actor)
    if current_app.extensions["privacyhub.settings"].require_approval and request.status == "pending":
        transition(request, "awaiting_approval", SYSTEM, "approval required by policy")
    if request.status == "pending":
        send_after_commit(START_FULFILMENT_TASK, request.id)


def approve(request: SubjectRequest, actor: Actor) -> None:
    """An operator releases a request held for approval into processing."""
    if request.status != "awaiting_approval":
        raise Conflict(f"only requests awaiting approval can be approved, this one is '{request.status}'")
    transition(request, "in_progress", actor, "approved")
    send_after_commit(START_FULFILMENT_TASK, request.id)


def deny(request: SubjectRequest, actor: Actor, denial_reason: str, detail: str | None = None) -> None:
    """Refuse the request with an Art. 12(4)/12(5) reason the subject is told."""
    transition(request, "denied", actor, detail, denial_reason=denial_reason, denial_detail=detail)


def cancel(request: SubjectRequest, actor: Actor, reason: str | None = None) -> None:
    """Withdraw the request (by the subject, the product service or an operator)."""
    transition(request, "cancelled", actor, reason)
