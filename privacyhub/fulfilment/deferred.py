"""Rows retained under a legal obligation are erased once their period ends (run by beat).

Legal holds in force keep the rows they cover: those stay on the deferred erasure, which
is tried again on later sweeps and completes once no hold covers them any more. The
request's report lists each deferred erasure with its date and, once done, its completion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.extensions import db
from privacyhub.fulfilment.rows import delete_keys, fetch_where_in, row_key
from privacyhub.holds.matching import HoldMatcher
from privacyhub.models import DataSystem, DeferredErasure, SubjectRequest
from privacyhub.models.types import utcnow
from privacyhub.systems.catalogue import open_connector

HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}


def _held_keys(conn: Any, matcher: HoldMatcher, spec: Any, keys: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """The keys among ``keys`` a hold in force covers."""
    if not matcher:
        return set()
    matcher.prepare(conn)
    wanted = set(keys)
    held = set()
    for row in fetch_where_in(conn, spec, spec.primary_key[0], {key[0] for key in keys}):
        key = row_key(spec, row)
        if key in wanted and matcher.hold_for(spec.name, key, row) is not None:
            held.add(key)
    return held


def run_due_erasures(limit: int = 100, now: datetime | None = None) -> int:
    """Delete the retained rows whose period has ended at ``now``, one product transaction each; commits.

    Returns how many deferred erasures completed.
    """
    now = now or utcnow()
    due = list(db.session.scalars(select(DeferredErasure).where(
        DeferredErasure.done_at.is_(None), DeferredErasure.erase_after <= now)
        .order_by(DeferredErasure.id).limit(limit)))
    completed = 0
    for item in due:
        system = db.session.get(DataSystem, item.system_id)
        if system is None:  # removed with its deferred erasures (cascade); nothing left to do
            continue
        connector = open_connector(system)
        graph = connector.graph()  # type: ignore[attr-defined]
        spec = graph.collections[item.collection]
        matcher = HoldMatcher.for_system(system, graph, now)
        keys = [tuple(k) for k in item.row_keys]
        with connector.engine.begin() as conn:  # type: ignore[attr-defined]
            held = _held_keys(conn, matcher, spec, keys)
            deleted = delete_keys(conn, spec, [k for k in keys if k not in held]) if len(held) < len(keys) else 0
        if held and len(held) == len(keys):
            continue  # nothing to do until the holds end; tried again on the next sweep
        if held:
            item.row_keys = [list(k) for k in keys if k in held]
        else:
            item.done_at = now
        request = db.session.get(SubjectRequest, item.request_seq) if item.request_seq else None
        record_hub_event("fulfilment.retention_ended", HUB, [{"type": "data_system", "id": system.name}] + (
            [{"type": "subject_request", "id": request.id}] if request else []),
            metadata={"collection": item.collection, "deleted": deleted, "held": len(held),
                      "legal_basis": item.legal_basis})
        db.session.commit()
        completed += 0 if held else 1
    return completed


def deferred_of(request_seq: int) -> list[dict[str, Any]]:
    """The request's deferred erasures: what, why, when it is due and when it was done."""
    items = db.session.scalars(select(DeferredErasure).where(DeferredErasure.request_seq == request_seq)
                               .order_by(DeferredErasure.id))
    shown = []
    for item in items:
        system = db.session.get(DataSystem, item.system_id)
        shown.append({"system": system.name if system else None, "collection": item.collection,
                      "rows": len(item.row_keys), "legal_basis": item.legal_basis,
                      "erase_after": item.erase_after.isoformat(),
                      "done_at": item.done_at.isoformat() if item.done_at else None})
    return shown
