"""The single sealer: gives unsealed events their leaf index and signs checkpoints.

Each pass takes the tree lock, reads up to ``batch`` unsealed events in ``seq`` order
(only their leaf hashes, computed at ingest), appends them to the compact range, stores
the completed perfect-subtree nodes, and commits; then the next batch. A checkpoint is
signed once ``checkpoint_events`` leaves were added since the last one, or
``checkpoint_seconds`` passed with new leaves waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, text

from privacyhub.audit.checkpoints import sign_checkpoint
from privacyhub.audit.merkle import CompactRange, Node
from privacyhub.audit.record import RECORD_COLUMNS, row_leaf_hash
from privacyhub.audit.tree_store import lock_tree, raw_rows
from privacyhub.crypto import Keyring, keyring
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditLeaf, AuditLogState
from privacyhub.models.types import utcnow


@dataclass(frozen=True)
class SealPolicy:
    """How much one transaction seals and when checkpoints are signed."""

    batch: int = 5000
    checkpoint_events: int = 10000
    checkpoint_seconds: int = 60

    @classmethod
    def from_app(cls) -> SealPolicy:
        """The policy configured by ``PRIVACYHUB_AUDIT_*``."""
        settings = current_app.extensions["privacyhub.settings"]
        return cls(batch=settings.audit_seal_batch, checkpoint_events=settings.audit_checkpoint_events,
                   checkpoint_seconds=settings.audit_checkpoint_seconds)


@dataclass
class SealOutcome:
    """What a sealing run did."""

    sealed: int = 0
    tree_size: int = 0
    checkpoints: list[int] = field(default_factory=list)
    busy: bool = False  # another sealer held the lock; nothing was done


def _leaves_of(rows: Sequence[tuple[Any, ...]]) -> list[bytes]:
    """Leaf hashes in order; rows stored without one (not written by ingest) are hashed here."""
    missing = [seq for seq, leaf in rows if leaf is None]
    computed: dict[int, bytes] = {}
    if missing:
        columns = [getattr(AuditEvent, name) for name in RECORD_COLUMNS]
        for row in db.session.execute(select(AuditEvent.seq, *columns).where(AuditEvent.seq.in_(missing))):
            computed[row.seq] = row_leaf_hash(row._mapping)
    return [bytes(leaf) if leaf is not None else computed[seq] for seq, leaf in rows]


def _store(seqs: list[int], first_index: int, nodes: list[Node]) -> None:
    """Set ``leaf_index`` = first_index, first_index + 1, ... in ``seqs`` order, and insert the nodes.

    One array statement each on PostgreSQL; plain executemany on SQLite. Both skip the
    ORM: this is the sealer's whole write load.
    """
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            "UPDATE audit_leaves SET leaf_index = :first + v.n - 1 "
            "FROM unnest(CAST(:seqs AS bigint[])) WITH ORDINALITY AS v(seq, n) WHERE audit_leaves.seq = v.seq"
        ), {"first": first_index, "seqs": seqs})
        conn.execute(text(
            "INSERT INTO merkle_nodes (level, node_index, hash) SELECT * FROM unnest("
            "CAST(:levels AS smallint[]), CAST(:indices AS bigint[]), CAST(:hashes AS bytea[]))"
        ), {"levels": [n.level for n in nodes], "indices": [n.index for n in nodes], "hashes": [n.hash for n in nodes]})
        return
    conn.exec_driver_sql("UPDATE audit_leaves SET leaf_index = ? WHERE seq = ?",
                         [(first_index + n, seq) for n, seq in enumerate(seqs)])
    conn.exec_driver_sql("INSERT INTO merkle_nodes (level, node_index, hash) VALUES (?, ?, ?)",
                         [(n.level, n.index, n.hash) for n in nodes])


def _checkpoint_due(state: AuditLogState, policy: SealPolicy, force: bool) -> bool:
    if state.tree_size <= state.checkpoint_size:
        return False
    if force or state.checkpoint_at is None:
        return True
    if state.tree_size - state.checkpoint_size >= policy.checkpoint_events:
        return True
    return utcnow() - state.checkpoint_at >= timedelta(seconds=policy.checkpoint_seconds)


def seal_batch(ring: Keyring, policy: SealPolicy, force_checkpoint: bool = False) -> tuple[int, int, int | None] | None:
    """Seal one batch in the current transaction (the caller commits).

    Returns (events sealed, tree size, size of the checkpoint signed or None), or None
    when another sealer holds the lock.
    """
    state = lock_tree()
    if state is None:
        return None
    rows = raw_rows(select(AuditLeaf.seq, AuditEvent.leaf_hash).join(AuditEvent, AuditEvent.seq == AuditLeaf.seq)
                    .where(AuditLeaf.leaf_index.is_(None)).order_by(AuditLeaf.seq).limit(policy.batch))
    now = utcnow()
    tree = CompactRange.from_bytes(state.compact_range)
    if rows:
        first_index = tree.size
        nodes: list[Node] = []
        for leaf in _leaves_of(rows):
            nodes.extend(tree.append(leaf))
        _store([seq for seq, _ in rows], first_index, nodes)
        state.tree_size, state.compact_range, state.sealed_at = tree.size, tree.to_bytes(), now
    checkpoint_size = None
    if _checkpoint_due(state, policy, force_checkpoint and len(rows) < policy.batch):
        sign_checkpoint(ring, state.tree_size, tree.root(), now)
        state.checkpoint_size, state.checkpoint_at = state.tree_size, now
        checkpoint_size = state.tree_size
    return len(rows), state.tree_size, checkpoint_size


def seal_pending_events(policy: SealPolicy | None = None, force_checkpoint: bool = False,
                        max_batches: int | None = None) -> SealOutcome:
    """Seal every waiting event, one committed batch at a time.

    ``force_checkpoint`` signs a checkpoint at the end whenever the tree grew past the
    last one, whatever the policy says (``privacyhub audit seal --checkpoint``).
    """
    policy = policy or SealPolicy.from_app()
    ring, outcome, batches = keyring(), SealOutcome(), 0
    while max_batches is None or batches < max_batches:
        try:
            result = seal_batch(ring, policy, force_checkpoint)
            if result is None:
                db.session.rollback()
                outcome.busy = True
                return outcome
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        sealed, outcome.tree_size, checkpoint_size = result
        outcome.sealed += sealed
        if checkpoint_size is not None:
            outcome.checkpoints.append(checkpoint_size)
        batches += 1
        if sealed < policy.batch:
            break
    return outcome
