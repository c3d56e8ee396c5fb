"""Without PRIVACYHUB_SMTP_URL mail is held in the outbox, encrypted, and nothing is sent."""

import logging

import pytest
from sqlalchemy import select, text

from privacyhub.extensions import db
from privacyhub.mail import open_message
from privacyhub.models import OutboxMessage
from tests.dsr_support import request_payload


@pytest.fixture
def app_config(app_config):
    config = {k: v for k, v in app_config.items() if k != "PRIVACYHUB_SMTP_URL"}
    return config


def test_mail_is_held_in_the_outbox_and_logged_without_personal_data(client, make_api_key, smtp_server, caplog):
    headers = {"Authorization": f"Bearer {make_api_key('requests:write')}"}
    with caplog.at_level(logging.INFO, logger="privacyhub.mail.outbox"):
        assert client.post("/v1/requests", json=request_payload(email="held@example.com"),
                           headers=headers).status_code == 201
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "held"
    recipient, body, html = open_message(message)
    assert recipient == "held@example.com" and "/privacy/verify/" in body and "/privacy/verify/" in html
    assert smtp_server.messages == []
    assert "held in the outbox" in caplog.text and "held@example.com" not in caplog.text
    raw = db.session.execute(text("SELECT recipient_sealed, text_sealed FROM mail_outbox")).one()
    assert b"held@example.com" not in raw[0] and b"verify" not in raw[1]
