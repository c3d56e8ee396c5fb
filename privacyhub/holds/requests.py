"""Legal holds on erasure requests: what a job found held, the compliance officer's choice, resuming.

A system whose erasure reaches held rows changes nothing and its job goes ``held``; the
request waits (``wait``, the default) until every hold that stopped it has ended, when
beat queues the job again. Choosing ``partial`` erases everything else now and completes
the request with the held rows reported as ``held`` with their hold's id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.dispatch import send_after_commit
from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.extensions import db
from privacyhub.fulfilment.jobs import RUN_TASK, jobs_of
from privacyhub.models import HOLD_DECISIONS, DataSystem, FulfilmentJob, LegalHold, RequestHold, SubjectRequest
from privacyhub.models.types import utcnow

HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}


def request_holds(request_seq: int) -> list[RequestHold]:
    """Every hold that touched the request, by system and hold."""
    return list(db.session.scalars(select(RequestHold).where(RequestHold.request_seq == request_seq)
                                   .order_by(RequestHold.system_id, RequestHold.hold_id)))


def hold_decision(request_seq: int) -> str:
    """``partial`` once compliance chose to complete around the holds, else ``wait``."""
    return "partial" if any(h.decision == "partial" for h in request_holds(request_seq)) else "wait"


def note_request_holds(job: FulfilmentJob, held: dict[int, dict[str, int]], now: datetime | None = None) -> None:
    """Remember which holds covered what this job reached (not committed)."""
    now = now or utcnow()
    decision = hold_decision(job.request_seq)
    known = {h.hold_id: h for h in request_holds(job.request_seq) if h.system_id == job.system_id}
    for hold_id, rows in held.items():
        entry = known.get(int(hold_id))
        if entry is None:
            entry = RequestHold(request_seq=job.request_seq, hold_id=int(hold_id), system_id=job.system_id,
                                decision=decision, first_seen_at=now)
            db.session.add(entry)
        entry.rows, entry.last_seen_at = dict(rows), now


def requeue(job: FulfilmentJob) -> None:
    """Send a held job again once the caller commits (the stuck-job sweep resends it if lost)."""
    job.status, job.error, job.started_at, job.finished_at = "queued", None, None, None
    send_after_commit(RUN_TASK, job.id)


def decide(request: SubjectRequest, decision: str, actor: dict[str, Any]) -> list[FulfilmentJob]:
    """Record compliance's choice for a request legal holds stopped; ``partial`` runs its held jobs again."""
    if decision not in HOLD_DECISIONS:
        raise ValidationFailed("decide 'wait' or 'partial'",
                               errors=[{"field": "decision", "message": "unknown decision"}])
    entries = request_holds(request.seq)
    if not entries:
        raise Conflict("no legal hold touches this request")
    if request.status != "in_progress":
        raise Conflict(f"the request is '{request.status}'; only a request in progress can wait or go on")
    now = utcnow()
    for entry in entries:
        entry.decision, entry.decided_by, entry.decided_at = decision, actor.get("name") or actor["id"], now
    resumed = [job for job in jobs_of(request) if job.status == "held"] if decision == "partial" else []
    for job in resumed:
        requeue(job)
    record_hub_event("subject_request.hold_decision", actor, [{"type": "subject_request", "id": request.id}] + [
        {"type": "legal_hold", "id": str(e.hold_id), "name": f"HOLD-{e.hold_id}"} for e in entries],
        metadata={"decision": decision, "systems_resumed": len(resumed)})
    return resumed


def resume_released_holds(now: datetime | None = None) -> int:
    """Queue again the held jobs whose every hold has ended (beat); returns how many (not committed)."""
    now = now or utcnow()
    resumed = 0
    for job in db.session.scalars(select(FulfilmentJob).where(FulfilmentJob.status == "held")):
        entries = [e for e in request_holds(job.request_seq) if e.system_id == job.system_id]
        holds = [db.session.get(LegalHold, e.hold_id) for e in entries]
        if any(hold is not None and hold.in_force(now) for hold in holds):
            continue
        requeue(job)
        request = db.session.get(SubjectRequest, job.request_seq)
        system = db.session.get(DataSystem, job.system_id)
        record_hub_event("fulfilment.system_resumed", HUB, [
            {"type": "subject_request", "id": request.id if request else str(job.request_seq)},
            {"type": "data_system", "id": system.name if system else str(job.system_id)}],
            metadata={"holds_ended": [e.hold_id for e in entries]})
        resumed += 1
    return resumed


def holds_report(request_seq: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The holds a request's report and console page show: which, where, how many rows, the choice."""
    now = now or utcnow()
    shown = []
    for entry in request_holds(request_seq):
        hold = db.session.get(LegalHold, entry.hold_id)
        system = db.session.get(DataSystem, entry.system_id)
        shown.append({"hold_id": entry.hold_id, "reference": f"HOLD-{entry.hold_id}",
                      "system": system.name if system else None, "rows": entry.rows,
                      "reason": hold.reason if hold else None, "owner": hold.owner if hold else None,
                      "in_force": bool(hold and hold.in_force(now)),
                      "expires_at": hold.expires_at.isoformat() if hold and hold.expires_at else None,
                      "decision": entry.decision})
    return shown
