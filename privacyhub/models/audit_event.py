"""Stored audit events and the index of their targets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, column_property, mapped_column
from sqlalchemy.types import TypeDecorator

from privacyhub.audit.record import CanonicalText, canonical_json
from privacyhub.extensions import db
from privacyhub.models.audit_tree import AuditLeaf
from privacyhub.models.types import BigIntId, UTCDateTime


class CanonicalJSON(TypeDecorator[Any]):
    """A JSON column stored as its RFC 8785 text.

    Reads back like any JSON column; the stored text is exactly what the event's leaf
    hash embeds, so ``audit verify`` can splice it into the record without re-encoding.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], str | None]:
        def process(value: Any) -> str | None:
            if value is None or isinstance(value, CanonicalText):
                return value
            return canonical_json(value).decode()
        return process


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One audit event as stored: public fields in clear, personal fields sealed.

    ``seq`` orders rows for paging; ``leaf_hash`` is computed at ingest over the row's
    canonical record (see ``privacyhub.audit.record``); ``leaf_index``, the event's place
    in the Merkle tree, lives in ``audit_leaves`` (the sealer assigns it there, so sealing
    never rewrites these wide, many-indexed rows). ``subject_key_id`` names the
    ``subject_keys`` row whose key seals ``sealed``.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_actor_id", "actor_id"),
        Index("ix_audit_events_subject_ref", "subject_ref"),
    )

    seq: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(200))
    actor_type: Mapped[str | None] = mapped_column(String(100))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    targets: Mapped[list[dict[str, Any]]] = mapped_column(CanonicalJSON, default=list)
    outcome: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(200))
    event_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", CanonicalJSON, default=dict)
    source: Mapped[str] = mapped_column(String(120))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    subject_key_id: Mapped[int | None] = mapped_column(BigInteger)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_digest: Mapped[str] = mapped_column(String(64))
    leaf_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    leaf_index: Mapped[int | None] = column_property(
        select(AuditLeaf.leaf_index).where(AuditLeaf.seq == seq).correlate_except(AuditLeaf).scalar_subquery()
    )


class AuditEventTarget(db.Model):  # type: ignore[name-defined]
    """Lets the log be filtered by target id without scanning JSON."""

    __tablename__ = "audit_event_targets"
    __table_args__ = (Index("ix_audit_event_targets_target_id", "target_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("audit_events.id", ondelete="CASCADE"))
    target_type: Mapped[str | None] = mapped_column(String(100))
    target_id: Mapped[str] = mapped_column(String(200))


class PurgedAuditEvent(db.Model):  # type: ignore[name-defined]
    """What is left of an event the retention purge removed: its id and its place in the tree.

    The leaf hash stays in ``merkle_nodes`` (level 0), so proofs and ``verify`` still work,
    and the id still answers as purged rather than unknown.
    """

    __tablename__ = "audit_purged_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, unique=True)
