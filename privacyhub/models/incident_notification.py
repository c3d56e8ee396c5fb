"""Breach notifications: to the supervisory authority (Art. 33) and to data subjects (Art. 34)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privacyhub.extensions import db
from privacyhub.models.incident import Incident
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

AUDIENCES = ("authority", "subjects")
# Art. 33(4): information may be provided in phases without undue further delay.
PHASES = ("initial", "follow_up", "final")
NOTIFICATION_STATUSES = ("draft", "sent")


class IncidentNotification(db.Model):  # type: ignore[name-defined]
    """One notification, drafted from the record, edited, then marked sent and kept for good.

    ``elements`` holds the text of each required element (see ``privacyhub.incidents.drafts``);
    ``snapshot`` is the incident record as it was known when the notification was sent.
    """

    __tablename__ = "incident_notifications"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    incident_seq: Mapped[int] = mapped_column(ForeignKey("incidents.seq", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8), default="draft")
    recipient: Mapped[str] = mapped_column(String(300))
    elements: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(120))
    reference: Mapped[str | None] = mapped_column(String(200))
    delay_reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="notifications")

    @property
    def is_sent(self) -> bool:
        """Sent notifications are kept as they were: no further edits."""
        return self.status == "sent"

    def __repr__(self) -> str:
        return f"<IncidentNotification {self.id} {self.audience}/{self.phase} {self.status}>"
