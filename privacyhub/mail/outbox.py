"""Queueing rendered mail in the outbox, in the caller's transaction."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from privacyhub.crypto import decrypt_field, encrypt_field
from privacyhub.dispatch import send_after_commit
from privacyhub.extensions import db
from privacyhub.mail.compose import render_mail
from privacyhub.models import OutboxMessage, SubjectRequest

log = logging.getLogger(__name__)
DELIVER_TASK = "tasks.requests.deliver_mail"
AAD = b"mail_outbox"


def queue_mail(recipient: str, template: str, context: dict[str, Any],
               request: SubjectRequest | None = None) -> OutboxMessage:
    """Render and store a message; with SMTP configured it is sent once the caller commits."""
    rendered = render_mail(template, context)
    smtp = current_app.extensions["privacyhub.settings"].smtp_url
    message = OutboxMessage(
        template=template, subject=rendered.subject, status="queued" if smtp else "held",
        recipient_sealed=encrypt_field(recipient.encode(), aad=AAD),
        text_sealed=encrypt_field(rendered.text.encode(), aad=AAD),
        html_sealed=encrypt_field(rendered.html.encode(), aad=AAD),
        request_seq=request.seq if request is not None else None,
    )
    db.session.add(message)
    db.session.flush()
    if smtp:
        send_after_commit(DELIVER_TASK, message.id)
    else:
        # No address or body in the log: they are personal data; the console shows them.
        log.info("mail #%s %r held in the outbox (no PRIVACYHUB_SMTP_URL configured)", message.id, template)
    return message


def open_message(message: OutboxMessage) -> tuple[str, str, str]:
    """Recipient, plain-text and HTML body of a stored message."""
    return (decrypt_field(message.recipient_sealed, aad=AAD).decode(),
            decrypt_field(message.text_sealed, aad=AAD).decode(),
            decrypt_field(message.html_sealed, aad=AAD).decode())
