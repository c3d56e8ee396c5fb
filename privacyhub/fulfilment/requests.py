"""Turning verified requests into fulfilment work."""

from __future__ import annotations

from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.fulfilment.jobs import start_fulfilment
from privacyhub.models import FulfilmentJob, SubjectRequest


def begin(request: SubjectRequest) -> None:
    """Move a pending request into processing and create its jobs (not committed)."""
    from privacyhub.dsr.actors import SYSTEM
    from privacyhub.dsr.lifecycle import transition

    if request.status == "pending":
        transition(request, "in_progress", SYSTEM, "fulfilment started")
    if request.status == "in_progress":
        start_fulfilment(request)


def begin_request(request_id: str) -> None:
    """``begin`` for one request by its public id; commits."""
    request = db.session.scalar(select(SubjectRequest).where(SubjectRequest.id == request_id))
    if request is not None:
        begin(request)
        db.session.commit()


def begin_ready_requests(limit: int = 100) -> int:
    """Begin pending requests and approved ones that have no jobs yet; commits each."""
    without_jobs = ~select(FulfilmentJob.id).where(FulfilmentJob.request_seq == SubjectRequest.seq).exists()
    ready = list(db.session.scalars(select(SubjectRequest).where(
        (SubjectRequest.status == "pending") | ((SubjectRequest.status == "in_progress") & without_jobs))
        .order_by(SubjectRequest.seq).limit(limit)))
    for request in ready:
        begin(request)
        db.session.commit()
    return len(ready)
