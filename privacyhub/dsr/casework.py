"""What operators and services do to a request besides changing its status."""

from __future__ import annotations

from datetime import date, datetime

from privacyhub.audit.ingest import record_hub_event
from privacyhub.dsr.actors import Actor
from privacyhub.dsr.callbacks import queue_callbacks
from privacyhub.dsr.deadlines import check_extension
from privacyhub.dsr.identities import audit_subject, reveal
from privacyhub.dsr.notifications import tell_subject
from privacyhub.errors import ValidationFailed
from privacyhub.models import RequestNote, SubjectRequest
from privacyhub.models.types import utcnow


def _audit(request: SubjectRequest, action: str, actor: Actor, **metadata: object) -> None:
    record_hub_event(action, actor.as_event(), [{"type": "subject_request", "id": request.id}],
                     metadata=dict(metadata), subject=audit_subject(request))


def extend_deadline(request: SubjectRequest, new_due: date, reason: str, actor: Actor,
                    now: datetime | None = None) -> None:
    """Grant the one Art. 12(3) extension and tell the subject why, at once."""
    now = now or utcnow()
    request.extended_due_at = check_extension(request, new_due, reason, now)
    request.extension_reason, request.extended_at = reason.strip(), now
    request.overdue = False
    _audit(request, "subject_request.extended", actor, due_at=request.due_at.isoformat(),  # type: ignore[union-attr]
           extended_due_at=request.extended_due_at.isoformat())
    tell_subject(request, "extended")
    queue_callbacks(request, request.status)


def assign_owner(request: SubjectRequest, owner: str | None, actor: Actor) -> None:
    """Make someone responsible for the request (reminders go to them)."""
    request.owner = (owner or "").strip() or None
    _audit(request, "subject_request.assigned", actor, owner=request.owner)


def add_note(request: SubjectRequest, body: str, actor: Actor) -> RequestNote:
    """A working note; audited without its text, which may hold personal data."""
    if not body.strip():
        raise ValidationFailed("a note cannot be empty")
    note = RequestNote(author=actor.name or actor.id, body=body.strip(), created_at=utcnow())
    request.notes.append(note)
    _audit(request, "subject_request.note_added", actor)
    return note


def reveal_identities(request: SubjectRequest, actor: Actor) -> list[tuple[str, str]]:
    """The clear identities, for an operator who needs them; every look is audited."""
    _audit(request, "subject_request.identities_revealed", actor)
    return [(identity.identity_type, reveal(identity)) for identity in request.identities]
