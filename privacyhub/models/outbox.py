"""Outgoing e-mail, kept until delivered (or for good when no SMTP server is configured)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

# queued: waiting for SMTP delivery; held: no SMTP configured, read it in the console;
# sent: handed to the SMTP server; failed: gave up after the last retry.
MAIL_STATUSES = ("queued", "held", "sent", "failed")


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """One rendered message; recipient and bodies are encrypted, the subject line is not personal."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_seq: Mapped[int | None] = mapped_column(ForeignKey("subject_requests.seq", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    recipient_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    html_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
