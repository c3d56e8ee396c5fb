"""Legal holds: data that must not be erased or purged while a claim, audit or inquiry runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

HOLD_SCOPES = ("subject", "collection")
HOLD_DECISIONS = ("wait", "partial")


class LegalHold(db.Model):  # type: ignore[name-defined]
    """A hold on one subject (by identity) or on a collection (optionally filtered by field values).

    A subject hold names no system (every system) or one; its identity is sealed, found by
    keyed HMAC, and shown masked. A collection hold names its system and collection, and
    ``filter`` maps fields to a value or a list of values the held rows carry. The hold is
    in force from ``starts_at`` until ``expires_at`` (open-ended when unset) or its release.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_identity_hmac", "identity_hmac"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(12))
    system_id: Mapped[int | None] = mapped_column(ForeignKey("data_systems.id", ondelete="CASCADE"))
    collection: Mapped[str | None] = mapped_column(String(200))
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    identity_type: Mapped[str | None] = mapped_column(String(20))
    identity_hmac: Mapped[str | None] = mapped_column(String(64))
    identity_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    identity_masked: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(320))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(String(200))
    release_reason: Mapped[str | None] = mapped_column(Text)
    reminders_sent: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def reference(self) -> str:
        """``HOLD-7``: how people and reports name the hold."""
        return f"HOLD-{self.id}"

    def in_force(self, now: datetime) -> bool:
        """Started, not released and not expired at ``now``."""
        return (self.released_at is None and self.starts_at <= now
                and (self.expires_at is None or now < self.expires_at))

    def describe(self) -> str:
        """What the hold covers, without personal data."""
        if self.scope == "subject":
            return f"subject {self.identity_type} {self.identity_masked}"
        where = ", ".join(f"{k} = {v}" for k, v in sorted((self.filter or {}).items()))
        return f"collection {self.collection}" + (f" where {where}" if where else "")


class RequestHold(db.Model):  # type: ignore[name-defined]
    """A hold that covered rows an erasure request reached in one system, and what compliance chose.

    ``decision`` is ``wait`` (the request waits for the hold to end; the default) or
    ``partial`` (erase everything else now, report the held rows). ``rows`` counts held
    rows per collection as last seen.
    """

    __tablename__ = "request_holds"
    __table_args__ = (UniqueConstraint("request_seq", "hold_id", "system_id", name="uq_request_holds"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    hold_id: Mapped[int] = mapped_column(ForeignKey("legal_holds.id", ondelete="CASCADE"))
    system_id: Mapped[int] = mapped_column(ForeignKey("data_systems.id", ondelete="CASCADE"))
    rows: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    decision: Mapped[str] = mapped_column(String(10), default="wait")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
