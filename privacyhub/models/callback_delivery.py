"""Status callbacks owed to product services and OpenGDPR controllers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow

# ``privacyhub``: HMAC-SHA256 ``X-PrivacyHub-Signature``; ``opengdpr``: RSA ``X-OpenGDPR-Signature``.
CALLBACK_SCHEMES = ("privacyhub", "opengdpr")


class CallbackDelivery(db.Model):  # type: ignore[name-defined]
    """One signed POST to make; the body is fixed when the status changes, signed when sent."""

    __tablename__ = "callback_deliveries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    request_seq: Mapped[int] = mapped_column(ForeignKey("subject_requests.seq", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
