"""Product data stores registered in the hub, whose rows requests are fulfilled against."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

SYSTEM_KINDS = ("sql", "http")


class DataSystem(db.Model):  # type: ignore[name-defined]
    """One registered system. Its connection settings are sealed (AES-GCM) in ``config_sealed``;
    ``location`` is the same place with the password removed, safe to show any operator.
    """

    __tablename__ = "data_systems"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(2000))
    config_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    dataset_yaml: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<DataSystem {self.name} {self.kind}>"
