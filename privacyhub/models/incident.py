"""Security incidents (personal-data breaches, GDPR Art. 33/34), their timeline and escalations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

NATURES = ("confidentiality", "integrity", "availability")
INCIDENT_STATUSES = ("open", "contained", "notified", "closed")
RISK_LEVELS = ("no_risk", "risk", "high_risk")
# Art. 33(1)/(5): notify the authority, or document why the breach is unlikely to result in a risk.
AUTHORITY_DECISIONS = ("notify", "not_notify")
# Art. 34: tell the subjects, rely on an Art. 34(3) exception, or no high risk so not required.
SUBJECT_DECISIONS = ("notify", "exception", "not_required")
ART_34_3_EXCEPTIONS = {
    "a": "Art. 34(3)(a): the data were made unintelligible to anyone not authorised (e.g. encryption)",
    "b": "Art. 34(3)(b): subsequent measures ensure the high risk is no longer likely to materialise",
    "c": "Art. 34(3)(c): individual communication would involve disproportionate effort; "
         "a public communication informs the subjects as effectively",
}
NOTIFICATION_WINDOW = timedelta(hours=72)


class Incident(db.Model):  # type: ignore[name-defined]
    """One security incident as the controller documents it (Art. 33(3), Art. 33(5) register).

    ``seq`` orders rows and gives the human reference ``INC-00042``; ``id`` is the public
    UUID. Numbers of subjects and records are ranges: ``None`` on both ends means "not yet
    known", equal ends an exact count.
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_aware_at", "status", "aware_at"),)

    seq: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    nature: Mapped[list[str]] = mapped_column(JSON, default=list)
    discovery: Mapped[str] = mapped_column(Text, default="")
    occurred_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occurred_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    subjects_min: Mapped[int | None] = mapped_column(Integer)
    subjects_max: Mapped[int | None] = mapped_column(Integer)
    records_min: Mapped[int | None] = mapped_column(Integer)
    records_max: Mapped[int | None] = mapped_column(Integer)
    consequences: Mapped[str] = mapped_column(Text, default="")
    measures_taken: Mapped[str] = mapped_column(Text, default="")
    measures_proposed: Mapped[str] = mapped_column(Text, default="")
    contact_point: Mapped[str] = mapped_column(Text, default="")
    systems_affected: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk: Mapped[str | None] = mapped_column(String(12))
    risk_rationale: Mapped[str] = mapped_column(Text, default="")
    authority_decision: Mapped[str | None] = mapped_column(String(12))
    authority_decision_reason: Mapped[str] = mapped_column(Text, default="")
    authority_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subjects_decision: Mapped[str | None] = mapped_column(String(12))
    subjects_exception: Mapped[str | None] = mapped_column(String(1))
    subjects_decision_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    owner: Mapped[str | None] = mapped_column(String(320))
    audit_event_id: Mapped[str | None] = mapped_column(String(36))
    request_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    contained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    timeline: Mapped[list[IncidentTimelineEntry]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentTimelineEntry.id")
    escalations: Mapped[list[IncidentEscalation]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEscalation.id")
    notifications: Mapped[list[Any]] = relationship(
        "IncidentNotification", back_populates="incident", cascade="all, delete-orphan",
        order_by="IncidentNotification.id")

    @property
    def reference(self) -> str:
        """The short name operators and authorities use: ``INC-00042``."""
        return f"INC-{self.seq:05d}"

    @property
    def notification_deadline(self) -> datetime:
        """Art. 33(1): 72 hours of elapsed time after the controller became aware."""
        return self.aware_at + NOTIFICATION_WINDOW

    def __repr__(self) -> str:
        return f"<Incident {self.id} {self.status}>"


class IncidentTimelineEntry(db.Model):  # type: ignore[name-defined]
    """Who did what when: record changes, status moves, notes, notifications, escalations."""

    __tablename__ = "incident_timeline"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    incident_seq: Mapped[int] = mapped_column(ForeignKey("incidents.seq", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class IncidentEscalation(db.Model):  # type: ignore[name-defined]
    """One escalation of the 72-hour clock; the unique key makes each mark fire exactly once.

    ``mark_hours`` is the hours-left mark that was crossed; 0 is "overdue".
    """

    __tablename__ = "incident_escalations"
    __table_args__ = (UniqueConstraint("incident_seq", "mark_hours", name="uq_incident_escalations_mark"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    incident_seq: Mapped[int] = mapped_column(ForeignKey("incidents.seq", ondelete="CASCADE"))
    mark_hours: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)

    incident: Mapped[Incident] = relationship(back_populates="escalations")
