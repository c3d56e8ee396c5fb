"""The sealed Merkle tree over the audit log: nodes, signed checkpoints, sealer state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from privacyhub.extensions import db
from privacyhub.models.types import BigIntId, UTCDateTime, utcnow


class AuditLeaf(db.Model):  # type: ignore[name-defined]
    """An event's place in the tree: ingest adds the row (``leaf_index`` null), the sealer numbers it.

    A narrow table of its own, so the sealer's one write per event touches two small
    indexes instead of rewriting the event row; the partial index is the sealer's queue.
    """

    __tablename__ = "audit_leaves"
    __table_args__ = (
        Index("ix_audit_leaves_unsealed", "seq", postgresql_where=text("leaf_index IS NULL"),
              sqlite_where=text("leaf_index IS NULL")),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # audit_events.seq
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, unique=True)


class MerkleNode(db.Model):  # type: ignore[name-defined]
    """The hash of perfect subtree ``(level, node_index)``: leaves ``[i * 2^level, (i + 1) * 2^level)``.

    Written once by the sealer and never changed; level 0 holds the leaf hashes, which
    also survive the retention purge of the event rows.
    """

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(db.Model):  # type: ignore[name-defined]
    """A signed tree head (RFC 9162 TreeHeadDataV2 signed with Ed25519)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class AuditLogState(db.Model):  # type: ignore[name-defined]
    """The sealer's one row: tree size, compact range, checkpoint and purge marks.

    Sealer and purge lock this row (and, on PostgreSQL, an advisory lock) so only one
    of them changes the tree at a time.
    """

    __tablename__ = "audit_log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, default=0)
    compact_range: Mapped[bytes] = mapped_column(LargeBinary)
    checkpoint_size: Mapped[int] = mapped_column(BigInteger, default=0)
    checkpoint_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_size: Mapped[int] = mapped_column(BigInteger, default=0)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditVerification(db.Model):  # type: ignore[name-defined]
    """One run of ``verify`` started from the console, and what it found."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|passed|failed|error
    tree_size: Mapped[int | None] = mapped_column(BigInteger)
    checkpoints: Mapped[int | None] = mapped_column(Integer)
    problem_index: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(Text)
