"""Fulfilment jobs: one task per (request, system), late-acknowledged and retried with back-off.

``acks_late`` (with ``task_reject_on_worker_lost``) means a worker killed mid-job leaves
the message to be delivered again; each system's work is one product transaction, so
the rerun starts from an unchanged system.
"""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.fulfilment.deferred import run_due_erasures
from privacyhub.fulfilment.export_archive import purge_expired_archives
from privacyhub.fulfilment.jobs import RUN_TASK, note_attempt_failed, run_job
from privacyhub.fulfilment.requests import begin_ready_requests, begin_request
from privacyhub.models import FulfilmentJob
from privacyhub.models.types import utcnow

MAX_ATTEMPTS = 6
STUCK_AFTER = timedelta(minutes=15)


def backoff(retries: int) -> int:
    """10 s, 20 s, 40 s, ... capped at 10 minutes."""
    return int(min(10 * 2 ** retries, 600))


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def run_fulfilment_job(self: Task, job_id: int) -> str | None:
    """Run one system's part of a request; a failure is retried, the last one fails the request."""
    try:
        job = run_job(job_id)
    except Exception as exc:
        final = self.request.retries >= self.max_retries
        note_attempt_failed(job_id, exc, final)
        if final:
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    return job.status if job else None


@shared_task
def start_request(request_id: str) -> None:
    """Begin fulfilling one request now (pending or approved)."""
    begin_request(request_id)


@shared_task
def sweep_fulfilment() -> int:
    """Begin ready requests, resend jobs whose message was lost, erase what retention released."""
    started = begin_ready_requests()
    stuck = db.session.scalars(select(FulfilmentJob.id).where(
        FulfilmentJob.status == "queued", FulfilmentJob.created_at < utcnow() - STUCK_AFTER,
        FulfilmentJob.started_at.is_(None)))
    celery_app = run_fulfilment_job.app
    for job_id in stuck:
        celery_app.send_task(RUN_TASK, args=[job_id])
    run_due_erasures()
    purge_expired_archives()
    db.session.commit()
    return started
