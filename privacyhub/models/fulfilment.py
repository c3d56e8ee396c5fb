"""Fulfilment records: one job per (request, system), export archives, deferred erasures, flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

# queued -> running -> completed | waiting (an http system answers by callback) | failed
# | held (legal holds cover what the erasure reached; queued again when they end or compliance says go on)
JOB_STATUSES = ("queued", "running", "waiting", "held", "completed", "failed")


class FulfilmentJob(db.Model):  # type: ignore[name-defined]
    """The work one system does for one request, and what it reported.

    ``pending_report`` is written before the product database commits, so a job whose
    worker died between that commit and ours can finish with the right counts.
    """

    __tablename__ = "fulfilment_jobs"
    __table_args__ = (UniqueConstraint("request_seq", "system_id", name="uq_fulfilment_jobs_request_system"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    system_id: Mapped[int] = mapped_column(ForeignKey("data_systems.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pending_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    records_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportArchive(db.Model):  # type: ignore[name-defined]
    """An encrypted export archive on disk; downloaded through a signed link until ``expires_at``."""

    __tablename__ = "export_archives"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int | None] = mapped_column(ForeignKey("subject_requests.seq", ondelete="SET NULL"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    last_download_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeferredErasure(db.Model):  # type: ignore[name-defined]
    """Rows kept under a retention period; beat erases them once ``erase_after`` has passed."""

    __tablename__ = "deferred_erasures"
    __table_args__ = (Index("ix_deferred_erasures_erase_after", "erase_after"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("data_systems.id", ondelete="CASCADE"))
    request_seq: Mapped[int | None] = mapped_column(ForeignKey("subject_requests.seq", ondelete="SET NULL"))
    collection: Mapped[str] = mapped_column(String(200))
    row_keys: Mapped[list[Any]] = mapped_column(JSON)
    legal_basis: Mapped[str] = mapped_column(Text)
    erase_after: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubjectFlag(db.Model):  # type: ignore[name-defined]
    """A restriction (Art. 18) or objection (Art. 21) recorded for a subject, by pseudonym only."""

    __tablename__ = "subject_flags"
    __table_args__ = (Index("ix_subject_flags_subject_ref", "subject_ref"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    subject_ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    request_seq: Mapped[int | None] = mapped_column(ForeignKey("subject_requests.seq", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
