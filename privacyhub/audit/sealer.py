"""The single sealer: gives unsealed events their leaf index and signs checkpoints.

Each pass takes the tree lock, reads up to ``batch`` unsealed events in ``seq`` order
(only their leaf hashes, computed at ingest), appends them to the compact range, stores
the completed perfect-subtree nodes, and commits; then the next batch. A checkpoint is
signed once ``checkpoint_events`` leaves were added since the last one, or
``checkpoint_seconds`` passed with new leaves waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, select, text, update

from privacyhub.audit.checkpoints import sign_checkpoint
from privacyhub.audit.merkle import CompactRange
from privacyhub.audit.record import RECORD_COLUMNS, row_leaf_hash
from privacyhub.audit.tree_store import lock_tree
from privacyhub.crypto import Keyring, keyring
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditLogState, MerkleNode
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


def _leaves_of(rows: list[tuple[int, bytes | None]]) -> list[bytes]:
    """Leaf hashes in order; rows stored without one (not written by ingest) are hashed here."""
    missing = [seq for seq, leaf in rows if leaf is None]
    computed: dict[int, bytes] = {}
    if missing:
        columns = [getattr(AuditEvent, name) for name in RECORD_COLUMNS]
        for row in db.session.execute(select(AuditEvent.seq, *columns).where(AuditEvent.seq.in_(missing))):
            computed[row.seq] = row_leaf_hash(row._mapping)
    return [bytes(leaf) if leaf is not None else computed[seq] for seq, leaf in rows]


def _assign_leaf_indices(seqs: list[int], first_index: int) -> None:
    """Set ``leaf_index`` = first_index, first_index + 1, ... on the events in ``seqs`` order."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "UPDATE audit_events SET leaf_index = :first + v.n - 1 "
            "FROM unnest(CAST(:seqs AS bigint[])) WITH ORDINALITY AS v(seq, n) WHERE audit_events.seq = v.seq"
        ), {"first": first_index, "seqs": seqs})
        return
    table = AuditEvent.__table__
    db.session.execute(update(table).where(table.c.seq == bindparam("b_seq")).values(leaf_index=bindparam("b_index")),
                       [{"b_seq": seq, "b_index": first_index + n} for n, seq in enumerate(seqs)])


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
    rows = [(seq, leaf) for seq, leaf in db.session.execute(
        select(AuditEvent.seq, AuditEvent.leaf_hash).where(AuditEvent.leaf_index.is_(None))
        .order_by(AuditEvent.seq).limit(policy.batch)
    )]
    now = utcnow()
    if rows:
        tree = CompactRange.from_bytes(state.compact_range)
        first_index = tree.size
        nodes = []
        for leaf in _leaves_of(rows):
            nodes.extend({"level": n.level, "node_index": n.index, "hash": n.hash} for n in tree.append(leaf))
        _assign_leaf_indices([seq for seq, _ in rows], first_index)
        db.session.execute(insert(MerkleNode), nodes)
        state.tree_size, state.compact_range, state.sealed_at = tree.size, tree.to_bytes(), now
        root = tree.root()
    checkpoint_size = None
    if _checkpoint_due(state, policy, force_checkpoint and len(rows) < policy.batch):
        if not rows:
            root = CompactRange.from_bytes(state.compact_range).root()
        sign_checkpoint(ring, state.tree_size, root, now)
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
