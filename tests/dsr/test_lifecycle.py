"""Every allowed and every refused status change, and what a change sets off."""

import itertools

import pytest
from sqlalchemy import select

from privacyhub.dsr.actors import Actor
from privacyhub.dsr.lifecycle import TRANSITIONS, approve, can_transition, transition
from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.extensions import db
from privacyhub.models import STATUSES, AuditEvent, OutboxMessage

OPERATOR = Actor.operator("olga")
ALLOWED = {
    ("identity_unverified", "pending"), ("identity_unverified", "denied"), ("identity_unverified", "cancelled"),
    ("pending", "awaiting_approval"), ("pending", "in_progress"), ("pending", "denied"), ("pending", "cancelled"),
    ("awaiting_approval", "in_progress"), ("awaiting_approval", "denied"), ("awaiting_approval", "cancelled"),
    ("in_progress", "completed"), ("in_progress", "failed"), ("in_progress", "denied"),
    ("failed", "in_progress"), ("failed", "denied"), ("failed", "cancelled"),
}
PAIRS = [(a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b]


def test_table_is_exactly_the_documented_lifecycle():
    assert {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts} == ALLOWED
    assert set(TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(("current", "new"), sorted(ALLOWED))
def test_allowed_transition_is_recorded_and_audited(make_request, current, new):
    request = make_request(current)
    transition(request, new, OPERATOR, "because", denial_reason="excessive" if new == "denied" else None)
    db.session.commit()
    assert request.status == new
    step = request.history[-1]
    assert (step.from_status, step.to_status, step.actor_id, step.reason) == (current, new, "olga", "because")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == f"subject_request.{new}")).all()[-1]
    assert event.actor_id == "olga"
    assert event.event_metadata["from"] == current and event.event_metadata["to"] == new
    assert event.targets[0]["id"] == request.id
    assert (request.closed_at is not None) == (new in ("completed", "denied", "cancelled"))


@pytest.mark.parametrize(("current", "new"), sorted(set(PAIRS) - ALLOWED))
def test_refused_transition_is_409_and_changes_nothing(make_request, current, new):
    request = make_request(current)
    events = db.session.query(AuditEvent).count()
    with pytest.raises(Conflict) as refused:
        transition(request, new, OPERATOR, denial_reason="excessive")
    assert refused.value.status == 409
    assert request.status == current
    assert db.session.query(AuditEvent).count() == events
    assert not can_transition(current, new)


def test_refused_transition_through_the_api_is_409_problem(client, make_api_key, make_request):
    request = make_request("completed")
    key = make_api_key("requests:write")
    response = client.post(f"/v1/requests/{request.id}/cancel", json={}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["current_status"] == "completed"


def test_denial_needs_a_known_reason(make_request):
    request = make_request("pending")
    with pytest.raises(ValidationFailed):
        transition(request, "denied", OPERATOR, denial_reason="because I said so")
    assert request.status == "pending"


def test_denial_tells_the_subject_the_reason(make_request):
    from privacyhub.mail import open_message

    request = make_request("pending")
    transition(request, "denied", OPERATOR, denial_reason="manifestly_unfounded", denial_detail="Repeated request.")
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "denied")).one()
    recipient, text, _ = open_message(message)
    assert recipient == "ada@example.com"
    assert "manifestly unfounded" in text and "Repeated request." in text and "supervisory authority" in text


def test_approval_required_holds_verified_requests(app, make_request):
    from privacyhub.dsr.actors import SYSTEM
    from privacyhub.dsr.intake import RequestDraft, file_request

    app.extensions["privacyhub.settings"].require_approval = True
    filed = file_request(RequestDraft(type="erasure", identities=[("user_id", "u-1")], identity_verified=True),
                         channel="api", source="shop", actor=SYSTEM)
    db.session.commit()
    request = filed.request
    assert [h.to_status for h in request.history] == ["pending", "awaiting_approval"]
    with pytest.raises(Conflict):
        transition(request, "completed", OPERATOR)
    approve(request, OPERATOR)
    db.session.commit()
    assert request.status == "in_progress"


def test_approval_is_off_by_default(make_request):
    request = make_request("pending")
    with pytest.raises(Conflict):
        approve(request, OPERATOR)
