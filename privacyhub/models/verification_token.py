"""One-time e-mail verification tokens for portal requests (only the hash is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow


class VerificationToken(db.Model):  # type: ignore[name-defined]
    """A link token: looked up by its public ``lookup`` part, checked against ``secret_hash``."""

    __tablename__ = "subject_request_verification_tokens"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
