"""The request queue, request detail with its actions, the outbox and the dashboard figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from privacyhub.dsr.actors import SUBJECT, SYSTEM
from privacyhub.dsr.intake import RequestDraft, file_request
from privacyhub.extensions import db
from privacyhub.models import OutboxMessage, SubjectRequest
from privacyhub.models.types import utcnow
from tests.console import csrf_token, hub_events


@pytest.fixture
def backend() -> str:
    return "sqlite"


def make(email="ada@example.com", type="access", verified=True, status=None, due_in=None):
    filed = file_request(RequestDraft(type=type, identities=[("email", email)], identity_verified=verified),
                         channel="api" if verified else "portal", source="shop" if verified else "portal",
                         actor=SYSTEM if verified else SUBJECT)
    if status:
        filed.request.status = status
    if due_in is not None:
        filed.request.due_at = utcnow() + due_in
    db.session.commit()
    return filed.request


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/requests/"), **data})


def test_queue_is_sorted_by_deadline_with_badges(console):
    late = make("late@example.com", due_in=-timedelta(days=1))
    soon = make("soon@example.com", due_in=timedelta(days=3))
    fine = make("fine@example.com", due_in=timedelta(days=20))
    make("done@example.com", status="completed")
    client = console("compliance")
    html = client.get("/admin/requests/").get_data(as_text=True)
    order = re.findall(r'data-request-id="([^"]+)"', html)
    assert order == [late.id, soon.id, fine.id]
    assert "badge-danger\">overdue" in html and "badge-warning\">due soon" in html and "badge-success\">on time" in html
    assert "late@example.com" not in html and "l***@example.com" in html
    overdue = client.get("/admin/requests/?state=overdue").get_data(as_text=True)
    assert re.findall(r'data-request-id="([^"]+)"', overdue) == [late.id]
    done = client.get("/admin/requests/?status=completed").get_data(as_text=True)
    assert len(re.findall(r'data-request-id=', done)) == 1
    erasure = client.get("/admin/requests/?type=erasure").get_data(as_text=True)
    assert "No requests match." in erasure


def test_detail_masks_identities_until_revealed_and_audits_the_reveal(console):
    request = make("reveal.me@example.com")
    client = console("compliance")
    html = client.get(f"/admin/requests/{request.id}").get_data(as_text=True)
    assert "reveal.me@example.com" not in html and "r***@example.com" in html
    revealed = post(client, f"/admin/requests/{request.id}/reveal")
    assert revealed.status_code == 200 and "reveal.me@example.com" in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"
    [event] = hub_events("subject_request.identities_revealed")
    assert event["actor"]["type"] == "operator" and event["targets"][0]["id"] == request.id


def test_compliance_actions(console):
    client = console("compliance")
    operator_email = client.operator.email
    held = make("held@example.com", status="awaiting_approval")
    assert post(client, f"/admin/requests/{held.id}/approve").status_code == 302
    db.session.refresh(held)
    assert held.status == "in_progress"

    other = make("deny@example.com")
    post(client, f"/admin/requests/{other.id}/deny", reason="excessive", detail="Fifth copy this month.")
    db.session.refresh(other)
    assert (other.status, other.denial_reason, other.denial_detail) == ("denied", "excessive", "Fifth copy this month.")

    third = make("third@example.com")
    new_due = (third.due_at + timedelta(days=20)).date()
    post(client, f"/admin/requests/{third.id}/extend", due_date=new_due.isoformat(), reason="Many systems.")
    post(client, f"/admin/requests/{third.id}/owner", owner=operator_email)
    post(client, f"/admin/requests/{third.id}/notes", body="Called the shop team.")
    db.session.refresh(third)
    assert third.extended_due_at.date() == new_due and third.extension_reason == "Many systems."
    assert third.owner == operator_email and third.notes[0].body == "Called the shop team."
    post(client, f"/admin/requests/{third.id}/cancel", reason="duplicate")
    db.session.refresh(third)
    assert third.status == "cancelled"
    actions = {e["action"] for e in hub_events("subject_request.*")}
    assert {"subject_request.in_progress", "subject_request.denied", "subject_request.extended",
            "subject_request.assigned", "subject_request.note_added", "subject_request.cancelled"} <= actions


def test_refused_action_is_shown_not_applied(console):
    request = make(status="completed")
    client = console("compliance")
    response = post(client, f"/admin/requests/{request.id}/cancel")
    assert response.status_code == 302
    page = client.get(f"/admin/requests/{request.id}").get_data(as_text=True)
    assert "cannot become" in page
    db.session.refresh(request)
    assert request.status == "completed"


def test_auditor_reads_but_cannot_act(console):
    request = make(status="awaiting_approval")
    client = console("auditor")
    assert client.get("/admin/requests/").status_code == 200
    page = client.get(f"/admin/requests/{request.id}").get_data(as_text=True)
    assert "Approve" not in page and "Reveal" not in page
    for action in ("approve", "reveal", "cancel"):
        assert post(client, f"/admin/requests/{request.id}/{action}").status_code == 403
    db.session.refresh(request)
    assert request.status == "awaiting_approval"
    assert client.get("/admin/outbox/").status_code == 200


def test_outbox_shows_the_verification_link_and_audits_reading(console):
    request = make("portal.user@example.com", verified=False)
    client = console("admin")
    listing = client.get("/admin/outbox/").get_data(as_text=True)
    assert "Confirm your privacy request" in listing and "portal.user@example.com" not in listing
    message = db.session.query(OutboxMessage).one()
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "portal.user@example.com" in page
    link = re.search(r'<a href="(http://localhost:5000/privacy/verify/[^"]+)"', page).group(1)
    assert hub_events("mail.viewed")[0]["targets"][0]["id"] == str(message.id)
    # The link from the outbox verifies the request: the demo's path without a mail server.
    path = link.replace("http://localhost:5000", "")
    form = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    db.session.refresh(request)
    assert request.status == "pending"
    queue = client.get("/admin/requests/").get_data(as_text=True)
    assert f'data-request-id="{request.id}" data-status="pending"' in queue


def test_auditor_cannot_open_messages(console):
    make(verified=False)
    client = console("auditor")
    message = db.session.query(OutboxMessage).one()
    assert client.get(f"/admin/outbox/{message.id}").status_code == 403


def test_dashboard_shows_request_figures(console):
    make("a@example.com")
    make("b@example.com", type="erasure", verified=False)
    answered = make("c@example.com", status="in_progress")
    answered.status, answered.closed_at = "completed", utcnow()
    db.session.commit()
    html = console("auditor").get("/admin/").get_data(as_text=True)
    assert 'id="open-by-status"' in html and 'id="weekly-by-type"' in html
    assert re.search(r">pending</a></td><td class=\"text-right\">1<", html)
    assert re.search(r">identity_unverified</a></td><td class=\"text-right\">1<", html)
    assert 'id="on-time-rate">100%<' in html
    assert db.session.query(SubjectRequest).count() == 3
