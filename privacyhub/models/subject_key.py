"""Per-subject data keys: the only way to read an audit subject's personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow


class SubjectKey(db.Model):  # type: ignore[name-defined]
    """A data subject's AES-256 data key, wrapped by a master key; shredding destroys it.

    At most one live key per pseudonym. A shredded row stays (``wrapped_key`` gone) so the
    events sealed under it keep pointing at a key that is known to be destroyed; a subject
    seen again after shredding gets a fresh key.
    """

    __tablename__ = "subject_keys"
    __table_args__ = (
        Index("uq_subject_keys_live_pseudonym", "pseudonym", unique=True,
              postgresql_where=text("shredded_at IS NULL"), sqlite_where=text("shredded_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    master_key_id: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shredded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        state = "shredded" if self.shredded_at else "live"
        return f"<SubjectKey {self.id} {state}>"
