"""Console operators: the people who sign in at ``/admin/``."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

# admin: operators, API keys, data systems; compliance: requests, incidents, retention,
# holds; auditor: reads everything it may see, changes nothing.
ROLES = ("admin", "compliance", "auditor")


class Operator(UserMixin, db.Model):  # type: ignore[name-defined]
    """An operator account with its argon2id password hash, TOTP factor and lock-out state.

    ``session_token`` is part of every session's user id: replacing it (on a password
    change or a deactivation) signs out every other session at once.
    """

    __tablename__ = "operators"
    __table_args__ = (CheckConstraint("role IN ('admin', 'compliance', 'auditor')", name="role"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_token: Mapped[str] = mapped_column(String(64))
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def totp_enabled(self) -> bool:
        """The second factor is on once a first code has confirmed the enrolment."""
        return self.totp_enabled_at is not None

    @property
    def is_locked(self) -> bool:
        """Locked accounts cannot sign in until an admin unlocks them."""
        return self.locked_at is not None

    @property
    def is_active(self) -> bool:
        """Flask-Login's flag: deactivated operators (people who left) cannot sign in."""
        return self.deactivated_at is None

    @property
    def needs_setup(self) -> bool:
        """True while the operator must change the one-time password or (admins) enrol TOTP."""
        return self.must_change_password or (self.role == "admin" and not self.totp_enabled)

    def get_id(self) -> str:
        """Flask-Login's session id: the row id bound to the current session token."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<Operator {self.id} {self.role}>"
