"""Records of processing (Art. 30): what the controller does with personal data, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

LEGAL_BASES = ("consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests")


class ProcessingActivity(db.Model):  # type: ignore[name-defined]
    """One processing activity; an access export's summary lists these for the subject (Art. 15(1)).

    ``systems`` names the data systems the activity uses (empty: all of them).
    """

    __tablename__ = "processing_activities"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(40))
    legal_basis_detail: Mapped[str | None] = mapped_column(Text)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    third_country_transfers: Mapped[str | None] = mapped_column(Text)
    retention: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    automated_decisions: Mapped[str | None] = mapped_column(Text)
    systems: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
