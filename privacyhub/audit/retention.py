"""Retention: purge the bodies of old sealed events, keep what proofs need.

The purge removes a prefix of the log: the longest run of leaves, from the last purge
on, that a checkpoint covers and whose events were all received before the cutoff.
Leaf hashes (``merkle_nodes`` level 0), interior nodes and checkpoints stay, so every
later proof and ``audit verify`` still work; purged ids answer as purged. Each batch is
re-hashed before it is deleted, so a purge never destroys evidence of tampering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.leaf_scan import recomputed_leaves
from privacyhub.audit.tree_store import leaf_hashes, lock_tree
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditEventTarget, AuditLeaf, PurgedAuditEvent
from privacyhub.models.types import utcnow

BATCH = 10000
HUB_ACTOR = {"type": "system", "id": "privacyhub-retention", "name": "audit retention"}


class TamperedRange(ProblemError):
    status, title = 409, "Conflict"


@dataclass
class PurgeOutcome:
    """How far the purge got."""

    purged: int = 0
    purged_size: int = 0
    busy: bool = False


def _check_untouched(start: int, end: int) -> None:
    """Refuse to purge rows that no longer match their sealed leaves."""
    stored = leaf_hashes(start, end)
    recomputed = dict(recomputed_leaves(start, end))
    for index in range(start, end):
        if recomputed.get(index) is None or recomputed[index] != stored.get(index):
            raise TamperedRange(f"leaf {index} does not match the sealed tree; run `privacyhub audit verify` "
                                "before purging")


def _purge_batch(cutoff: datetime) -> tuple[int, int] | None:
    """Purge one batch in the current transaction; (purged, new purged size), or None when locked."""
    state = lock_tree()
    if state is None:
        return None
    start = state.purged_size
    limit = min(state.checkpoint_size, start + BATCH)
    if start >= limit:
        return 0, start
    young = db.session.scalar(select(func.min(AuditLeaf.leaf_index)).join(AuditEvent, AuditEvent.seq == AuditLeaf.seq)
                              .where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index < limit,
                                     AuditEvent.received_at >= cutoff))
    end = limit if young is None else young
    if end <= start:
        return 0, start
    _check_untouched(start, end)
    leaves = (AuditLeaf.leaf_index >= start) & (AuditLeaf.leaf_index < end)
    in_range = AuditEvent.seq.in_(select(AuditLeaf.seq).where(leaves))
    db.session.execute(insert(PurgedAuditEvent).from_select(
        ["id", "leaf_index"],
        select(AuditEvent.id, AuditLeaf.leaf_index).join(AuditLeaf, AuditLeaf.seq == AuditEvent.seq).where(leaves)))
    db.session.execute(delete(AuditEventTarget).where(
        AuditEventTarget.event_id.in_(select(AuditEvent.id).where(in_range))))
    db.session.execute(delete(AuditEvent).where(in_range))
    db.session.execute(delete(AuditLeaf).where(leaves))
    state.purged_size = end
    return end - start, end


def purge_sealed_events(days: int | None = None, now: datetime | None = None) -> PurgeOutcome:
    """Purge events received more than ``days`` ago (default: the retention setting), batch by batch."""
    days = days or current_app.extensions["privacyhub.settings"].audit_retention_days
    cutoff = (now or utcnow()) - timedelta(days=days)
    outcome = PurgeOutcome()
    while True:
        try:
            result = _purge_batch(cutoff)
            if result is None:
                db.session.rollback()
                outcome.busy = True
                return outcome
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        purged, outcome.purged_size = result
        outcome.purged += purged
        if purged < BATCH:
            break
    if outcome.purged:
        record_hub_event("audit.purged", HUB_ACTOR, metadata={
            "events": outcome.purged, "purged_size": outcome.purged_size, "older_than_days": days})
        db.session.commit()
    return outcome
