"""Every message a subject can get, delivered to a real SMTP server with the right content."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from privacyhub.dsr.actors import Actor
from privacyhub.dsr.casework import extend_deadline
from privacyhub.dsr.lifecycle import cancel, deny, transition
from privacyhub.extensions import db
from privacyhub.models import OutboxMessage
from tests.dsr_support import html_part, request_payload, text_part

OPERATOR = Actor.operator("olga")


def deliver_all():
    from tasks.requests import deliver_mail

    for message_id in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")):
        assert deliver_mail.apply(args=[message_id]).get() is True


@pytest.fixture
def api(client, make_api_key):
    headers = {"Authorization": f"Bearer {make_api_key('requests:write', 'requests:read')}"}

    def post(path, payload):
        response = client.post(path, json=payload, headers=headers)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    return post


def _request(request_id):
    from privacyhub.dsr.queries import get_request

    return get_request(request_id)


def test_verification_mail_carries_the_one_time_link(api, smtp_server):
    created = api("/v1/requests", request_payload(email="Ada@Example.com"))
    deliver_all()
    [message] = smtp_server.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Confirm your privacy request"
    assert "PrivacyHub" in message["From"]
    text, html = text_part(message), html_part(message)
    link = re.search(r"https://privacy\.example\.com/privacy/verify/[\w.-]+", text).group(0)
    assert link in html and "24 hours" in text
    assert f"https://privacy.example.com/privacy/status/{created['id']}." in text
    assert db.session.scalars(select(OutboxMessage)).one().status == "sent"


def test_received_mail_names_the_deadline(api, smtp_server):
    created = api("/v1/requests", request_payload(identity_verified=True))
    deliver_all()
    [message] = smtp_server.messages
    assert message["Subject"] == "We have received your privacy request"
    due = _request(created["id"]).due_at.strftime("%d %B %Y")
    assert due in text_part(message) and due in html_part(message)


def test_extension_mail_gives_reason_and_new_date(api, smtp_server):
    created = api("/v1/requests", request_payload(identity_verified=True))
    request = _request(created["id"])
    new_due = (request.due_at + timedelta(days=30)).date()
    api(f"/v1/requests/{created['id']}/extend", {"due_date": new_due.isoformat(), "reason": "Many systems to search."})
    deliver_all()
    message = smtp_server.messages[-1]
    assert message["Subject"] == "More time is needed for your privacy request"
    text = text_part(message)
    assert "Many systems to search." in text and new_due.strftime("%d %B %Y") in text
    assert request.due_at.strftime("%d %B %Y") in text


def test_completed_mail_has_the_download_link(api, smtp_server):
    created = api("/v1/requests", request_payload(identity_verified=True))
    request = _request(created["id"])
    transition(request, "in_progress", OPERATOR)
    request.results_url = "https://privacy.example.com/exports/abc?sig=1"
    transition(request, "completed", OPERATOR)
    db.session.commit()
    deliver_all()
    message = smtp_server.messages[-1]
    assert message["Subject"] == "Your privacy request is complete"
    assert "https://privacy.example.com/exports/abc?sig=1" in text_part(message)
    assert 'href="https://privacy.example.com/exports/abc?sig=1"' in html_part(message)


def test_denied_mail_has_reason_and_right_to_complain(api, smtp_server):
    created = api("/v1/requests", request_payload(identity_verified=True))
    deny(_request(created["id"]), OPERATOR, "excessive", "Third identical request this month.")
    db.session.commit()
    deliver_all()
    message = smtp_server.messages[-1]
    text = text_part(message)
    assert message["Subject"] == "Your privacy request could not be fulfilled"
    assert "excessive" in text and "Third identical request this month." in text
    assert "supervisory authority" in text and "Art. 77" in text


def test_cancelled_mail(api, smtp_server):
    created = api("/v1/requests", request_payload(identity_verified=True))
    cancel(_request(created["id"]), OPERATOR, "duplicate of another request")
    db.session.commit()
    deliver_all()
    message = smtp_server.messages[-1]
    assert message["Subject"] == "Your privacy request was cancelled"
    assert "duplicate of another request" in text_part(message)


def test_html_bodies_escape_what_people_typed(api, smtp_server):
    created = api("/v1/requests", request_payload(identity_verified=True))
    request = _request(created["id"])
    extend_deadline(request, (request.due_at + timedelta(days=5)).date(), "<script>x</script>", OPERATOR)
    db.session.commit()
    deliver_all()
    assert "<script>" not in html_part(smtp_server.messages[-1])
    assert "&lt;script&gt;" in html_part(smtp_server.messages[-1])


def test_smtp_failure_is_recorded_and_retried(app, api, smtp_server):
    from privacyhub.mail.smtp import deliver_message

    app.extensions["privacyhub.settings"].smtp_url = "smtp://127.0.0.1:9?starttls=0"  # nothing listens
    api("/v1/requests", request_payload())
    message = db.session.scalars(select(OutboxMessage)).one()
    assert deliver_message(message.id) is False
    assert message.status == "queued" and message.attempts == 1 and message.last_error
    app.extensions["privacyhub.settings"].smtp_url = smtp_server.url
    assert deliver_message(message.id) is True
    assert len(smtp_server.messages) == 1
