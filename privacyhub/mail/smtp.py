"""Handing outbox messages to the SMTP server named by ``PRIVACYHUB_SMTP_URL``.

``smtp://user:pass@host:587`` (STARTTLS when the server offers it), ``smtps://host:465``
(implicit TLS), ``smtp://host:25?starttls=0`` (plain, for a local relay or test server).
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlparse

from flask import current_app
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.mail.outbox import open_message
from privacyhub.models import OutboxMessage
from privacyhub.models.types import utcnow

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 20


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """A multipart/alternative message with the plain body first and the HTML body second."""
    recipient, text, html = open_message(message)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="privacyhub")
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    return email


def send_email(email: EmailMessage, url: str) -> None:
    """Deliver one message through the server at ``url``; raises on any SMTP failure."""
    parsed = urlparse(url)
    options = parse_qs(parsed.query)
    host = parsed.hostname or "localhost"
    context = ssl.create_default_context()
    if parsed.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, parsed.port or 465, timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(host, parsed.port or 25, timeout=TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        wants_tls = options.get("starttls", ["1"])[0] not in ("0", "false", "no")
        if parsed.scheme == "smtp" and wants_tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parsed.username:
            client.login(unquote(parsed.username), unquote(parsed.password or ""))
        client.send_message(email)


def deliver_message(message_id: int) -> bool:
    """Send one queued message and record the outcome (the caller commits); True when sent.

    Raises nothing on SMTP errors: the failure is recorded and the caller decides to retry.
    """
    settings = current_app.extensions["privacyhub.settings"]
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != "queued" or not settings.smtp_url:
        return message is not None and message.status == "sent"
    message.attempts += 1
    try:
        send_email(build_email(message, settings.mail_from), settings.smtp_url)
    except (smtplib.SMTPException, OSError) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
        return False
    message.status, message.sent_at, message.last_error = "sent", utcnow(), None
    return True


def unsent_message_ids(older_than: timedelta = timedelta(minutes=10), limit: int = 100) -> list[int]:
    """Queued messages never attempted although queued a while ago: their task was lost on the way."""
    return list(db.session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.status == "queued", OutboxMessage.attempts == 0,
            OutboxMessage.created_at < utcnow() - older_than,
        ).order_by(OutboxMessage.id).limit(limit)
    ))
