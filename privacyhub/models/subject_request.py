"""Data-subject requests (GDPR Art. 15-21), their identities, history and notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

REQUEST_TYPES = ("access", "portability", "rectification", "erasure", "restriction", "objection")
IDENTITY_TYPES = ("email", "user_id", "phone")
CHANNELS = ("api", "portal", "opengdpr", "console")
STATUSES = ("identity_unverified", "pending", "awaiting_approval", "in_progress",
            "completed", "denied", "cancelled", "failed")
OPEN_STATUSES = ("identity_unverified", "pending", "awaiting_approval", "in_progress", "failed")
DENIAL_REASONS = ("identity_not_verified", "manifestly_unfounded", "excessive", "legal_exemption")


class SubjectRequest(db.Model):  # type: ignore[name-defined]
    """One request from a data subject, from intake to its final status.

    ``seq`` orders rows for paging; ``id`` is the public UUID. Personal values (identities,
    corrections) are kept encrypted; the rest is safe to show to any operator.
    """

    __tablename__ = "subject_requests"
    __table_args__ = (
        Index("ix_subject_requests_status_due_at", "status", "due_at"),
        UniqueConstraint("api_key_id", "idempotency_key", name="uq_subject_requests_idempotency"),
        UniqueConstraint("channel", "external_id", name="uq_subject_requests_external_id"),
    )

    seq: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(120))
    external_id: Mapped[str | None] = mapped_column(String(64))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    body_digest: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(120))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    denial_reason: Mapped[str | None] = mapped_column(String(40))
    denial_detail: Mapped[str | None] = mapped_column(Text)
    corrections_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    opengdpr_callback_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    results_url: Mapped[str | None] = mapped_column(String(2000))
    owner: Mapped[str | None] = mapped_column(String(254))
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_sent: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    identities: Mapped[list[RequestIdentity]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestIdentity.id")
    history: Mapped[list[RequestStatusChange]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestStatusChange.id")
    notes: Mapped[list[RequestNote]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestNote.id")

    @property
    def effective_due_at(self) -> datetime | None:
        """The deadline in force: the extended one once granted."""
        return self.extended_due_at or self.due_at

    @property
    def is_open(self) -> bool:
        """Still running against its deadline."""
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<SubjectRequest {self.id} {self.type} {self.status}>"


class RequestIdentity(db.Model):  # type: ignore[name-defined]
    """An identifier of the subject: searchable by keyed HMAC, readable only decrypted."""

    __tablename__ = "subject_request_identities"
    __table_args__ = (Index("ix_subject_request_identities_value_hmac", "value_hmac"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    identity_type: Mapped[str] = mapped_column(String(20))
    value_hmac: Mapped[str] = mapped_column(String(64))
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    masked: Mapped[str] = mapped_column(String(120))

    request: Mapped[SubjectRequest] = relationship(back_populates="identities")


class RequestStatusChange(db.Model):  # type: ignore[name-defined]
    """One step of a request's history: who moved it from where to where, and why."""

    __tablename__ = "subject_request_history"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[SubjectRequest] = relationship(back_populates="history")


class RequestNote(db.Model):  # type: ignore[name-defined]
    """An operator's working note on a request."""

    __tablename__ = "subject_request_notes"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[SubjectRequest] = relationship(back_populates="notes")
