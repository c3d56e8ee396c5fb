"""Rows retained under a legal obligation are erased once their period ends (run by beat)."""

from __future__ import annotations

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.extensions import db
from privacyhub.fulfilment.rows import delete_keys
from privacyhub.models import DataSystem, DeferredErasure
from privacyhub.models.types import utcnow
from privacyhub.systems.catalogue import open_connector

HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}


def run_due_erasures(limit: int = 100) -> int:
    """Delete the retained rows whose period has ended, one product transaction each; commits."""
    due = list(db.session.scalars(select(DeferredErasure).where(
        DeferredErasure.done_at.is_(None), DeferredErasure.erase_after <= utcnow()).limit(limit)))
    for item in due:
        system = db.session.get(DataSystem, item.system_id)
        connector = open_connector(system)
        spec = connector.graph().collections[item.collection]  # type: ignore[attr-defined]
        with connector.engine.begin() as conn:  # type: ignore[attr-defined]
            deleted = delete_keys(conn, spec, [tuple(k) for k in item.row_keys])
        item.done_at = utcnow()
        record_hub_event("fulfilment.retention_ended", HUB, [{"type": "data_system", "id": system.name}],
                         metadata={"collection": item.collection, "deleted": deleted,
                                   "legal_basis": item.legal_basis})
        db.session.commit()
    return len(due)
