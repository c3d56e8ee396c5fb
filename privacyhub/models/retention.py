"""Retention policies (how long a product system keeps what) and the record of each run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

RETENTION_ACTIONS = ("delete", "mask")
RETENTION_MASKS = ("null", "fixed")  # recognisable once applied, so a rerun never masks twice
PERIOD_UNITS = ("days", "months", "years")
# queued: waiting for a worker to carry on; running: a process works on it (heartbeat fresh);
# interrupted: stopped by an error or a crash, resumed by the next run; completed; failed (dry runs).
RUN_STATUSES = ("queued", "running", "interrupted", "completed", "failed")


class RetentionPolicy(db.Model):  # type: ignore[name-defined]
    """Rows of a collection (or of every collection holding a data category) older than the
    period, measured from ``clock_field``, are deleted or masked.

    New policies start disabled: beat runs only enabled ones, and the console shows a dry
    run before a policy can be enabled (``reviewed_at`` is the last dry run after a change).
    """

    __tablename__ = "retention_policies"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("data_systems.id", ondelete="CASCADE"))
    collection: Mapped[str | None] = mapped_column(String(200))
    data_category: Mapped[str | None] = mapped_column(String(200))
    period_amount: Mapped[int] = mapped_column(Integer)
    period_unit: Mapped[str] = mapped_column(String(10))
    clock_field: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10), default="delete")
    mask_strategy: Mapped[str | None] = mapped_column(String(10))
    mask_value: Mapped[str | None] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def period(self) -> str:
        """``30 days``, ``8 years``: the period as people say it."""
        unit = self.period_unit[:-1] if self.period_amount == 1 else self.period_unit
        return f"{self.period_amount} {unit}"

    @property
    def target(self) -> str:
        """What the policy covers: a collection, or every collection holding a category."""
        return self.collection or f"category {self.data_category}"

    def __repr__(self) -> str:
        return f"<RetentionPolicy {self.name}>"


class RetentionRun(db.Model):  # type: ignore[name-defined]
    """One run (or dry run) of a policy: what it did per collection, where it got to, what went wrong.

    ``cutoff`` is fixed when the run starts and ``cursor`` (target index and last key) is
    saved after every batch, so an interrupted run resumes where it stopped and ends in
    the state an uninterrupted one would have.
    """

    __tablename__ = "retention_runs"
    __table_args__ = (Index("ix_retention_runs_policy_started", "policy_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("retention_policies.id", ondelete="SET NULL"))
    policy_name: Mapped[str] = mapped_column(String(100))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="running")
    trigger: Mapped[str] = mapped_column(String(20))
    started_by: Mapped[str] = mapped_column(String(200))
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    samples: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")

    def total(self, action: str) -> int:
        """Rows of every collection the run counted under ``action`` (deleted, masked, ...)."""
        return sum(int(entry.get(action, 0)) for entry in (self.counts or {}).values())
