"""Failed console sign-ins per client address, for throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow


class LoginFailure(db.Model):  # type: ignore[name-defined]
    """One failed sign-in; ``client_ref`` is a keyed pseudonym of the IP, never the IP itself.

    Kept in the database so every web process sees the same count.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_client_ref_failed_at", "client_ref", "failed_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    client_ref: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
