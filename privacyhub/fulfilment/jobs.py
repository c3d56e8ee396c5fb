"""Running a request's fulfilment: one job per (request, system), then the request's completion.

The Celery tasks (``tasks.fulfilment``) and ``privacyhub requests process`` are thin shells
around these functions. A job is idempotent: a completed one is never run again, and a
rerun after a crash between the product database's commit and ours keeps the report the
first run wrote into ``pending_report`` just before that commit.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from privacyhub.audit.ingest import record_hub_event
from privacyhub.crypto import decrypt_field, encrypt_field
from privacyhub.dispatch import send_after_commit
from privacyhub.errors import Conflict, ProblemError
from privacyhub.extensions import db
from privacyhub.models import DataSystem, DeferredErasure, FulfilmentJob, SubjectRequest
from privacyhub.models.types import utcnow
from privacyhub.systems.base import SubjectJob, SystemOutcome
from privacyhub.systems.catalogue import open_connector

log = logging.getLogger(__name__)
RUN_TASK = "tasks.fulfilment.run_fulfilment_job"
RECORDS_AAD = b"fulfilment_jobs.records_sealed"
HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}
WORKING_TYPES = ("access", "portability", "rectification", "erasure", "restriction", "objection")


def describe_error(exc: BaseException) -> str:
    """A message compliance can act on, without SQL statements or bound values."""
    if isinstance(exc, ProblemError):
        return exc.detail
    if isinstance(exc, DBAPIError):
        return f"{type(exc.orig).__name__}: {str(exc.orig).splitlines()[0][:300]}"
    if isinstance(exc, SQLAlchemyError):
        return type(exc).__name__
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def jobs_of(request: SubjectRequest) -> list[FulfilmentJob]:
    """The request's jobs, by system id."""
    return list(db.session.scalars(select(FulfilmentJob).where(FulfilmentJob.request_seq == request.seq)
                                   .order_by(FulfilmentJob.system_id)))


def subject_job(request: SubjectRequest, system: DataSystem | None = None) -> SubjectJob:
    """The plain job input from a stored request: clear identities, corrections, the system's callback."""
    from privacyhub.dsr.identities import reveal
    from privacyhub.dsr.intake import corrections_of
    from privacyhub.dsr.links import absolute_url

    identities: dict[str, list[str]] = {}
    for identity in request.identities:
        identities.setdefault(identity.identity_type, []).append(reveal(identity))
    # Each correction names either a category or a field (CorrectionIn), never neither.
    corrections = {c.get("category") or c["field"]: c.get("value") for c in corrections_of(request)}
    callback = absolute_url(f"/v1/requests/{request.id}/systems/{system.name}/callback") if system else None
    return SubjectJob(request_type=request.type, identities=identities, corrections=corrections,
                      request_id=request.id, callback_url=callback)


def start_fulfilment(request: SubjectRequest) -> list[FulfilmentJob]:
    """Create the request's missing jobs (one per enabled system) and send them after commit."""
    existing = {job.system_id for job in jobs_of(request)}
    systems = db.session.scalars(select(DataSystem).where(DataSystem.enabled.is_(True)).order_by(DataSystem.id))
    created = []
    for system in systems:
        if system.id in existing:
            continue
        job = FulfilmentJob(request_seq=request.seq, system_id=system.id, status="queued")
        db.session.add(job)
        created.append(job)
    db.session.flush()
    for job in created:
        send_after_commit(RUN_TASK, job.id)
    if not created and not existing:
        finish_request_if_done(request)
    return created


def withhold_job_tasks() -> None:
    """Keep this transaction from sending job tasks: the caller runs the jobs in-process."""
    from privacyhub.dispatch import PENDING_KEY

    info = db.session().info
    info[PENDING_KEY] = [(name, args) for name, args in info.get(PENDING_KEY, []) if name != RUN_TASK]


def _seal_records(records: dict[str, list[dict[str, Any]]]) -> bytes:
    from privacyhub.fulfilment.export_archive import plain

    clean = {name: [{k: plain(v) for k, v in row.items()} for row in rows] for name, rows in records.items()}
    return encrypt_field(json.dumps(clean).encode(), aad=RECORDS_AAD)


def open_records(job: FulfilmentJob) -> dict[str, list[dict[str, Any]]]:
    """The exported records a job keeps until the archive is built."""
    return json.loads(decrypt_field(job.records_sealed, aad=RECORDS_AAD)) if job.records_sealed else {}


def _changed_anything(report: dict[str, dict[str, Any]]) -> bool:
    return any(entry.get("deleted") or entry.get("masked") or entry.get("rectified") for entry in report.values())


def record_outcome(job: FulfilmentJob, outcome: SystemOutcome) -> None:
    """Store what a system did (not committed) and complete the request when it was the last."""
    from privacyhub.holds.requests import note_request_holds

    system = db.session.get(DataSystem, job.system_id)
    request = db.session.get(SubjectRequest, job.request_seq)
    assert system is not None and request is not None  # a job goes with both (ON DELETE CASCADE)
    if job.pending_report and not _changed_anything(outcome.report) and _changed_anything(job.pending_report):
        outcome.report = job.pending_report  # the earlier run committed in the product, then died
    job.report, job.pending_report = outcome.report, None
    job.status = "held" if outcome.on_hold else "waiting" if outcome.waiting else "completed"
    job.error = None
    job.finished_at = None if outcome.waiting or outcome.on_hold else utcnow()
    if outcome.held:
        note_request_holds(job, outcome.held)
    if outcome.records:
        job.records_sealed = _seal_records(outcome.records)
    for item in outcome.deferred:
        db.session.add(DeferredErasure(system_id=job.system_id, request_seq=job.request_seq, **item))
    record_hub_event("fulfilment.system_" + job.status, HUB,
                     [{"type": "subject_request", "id": request.id}, {"type": "data_system", "id": system.name}],
                     metadata={"request_type": request.type, "collections": len(outcome.report),
                               **({"holds": sorted(outcome.held)} if outcome.held else {})})
    if not outcome.waiting and not outcome.on_hold:
        finish_request_if_done(request)


def run_job(job_id: int) -> FulfilmentJob | None:
    """Run one job now; raises what the system raised so the caller can retry it."""
    from privacyhub.holds.requests import hold_decision

    job = db.session.get(FulfilmentJob, job_id)
    if job is None or job.status in ("completed", "waiting", "held"):
        return job
    request = db.session.get(SubjectRequest, job.request_seq)
    if request is None or request.status != "in_progress":
        return job  # cancelled, denied or already finished: nothing to do
    system = db.session.get(DataSystem, job.system_id)
    job.status, job.started_at = "running", utcnow()
    job.attempts += 1
    db.session.commit()
    work = subject_job(request, system)
    work.partial = hold_decision(request.seq) == "partial"

    def before_product_commit(outcome: SystemOutcome) -> None:
        job.pending_report = outcome.report
        db.session.commit()

    assert system is not None  # a job goes with its system (ON DELETE CASCADE)
    outcome = open_connector(system).fulfil(work, before_commit=before_product_commit)  # type: ignore[call-arg]
    record_outcome(job, outcome)
    db.session.commit()
    return job


def note_attempt_failed(job_id: int, exc: BaseException, final: bool) -> None:
    """Record a failed attempt; the last one fails the job and the request (committed)."""
    db.session.rollback()
    job = db.session.get(FulfilmentJob, job_id)
    if job is None:
        return
    job.error = describe_error(exc)
    job.status = "failed" if final else "queued"
    if final:
        job.finished_at = utcnow()
        system = db.session.get(DataSystem, job.system_id)
        request = db.session.get(SubjectRequest, job.request_seq)
        assert system is not None and request is not None  # a job goes with both (ON DELETE CASCADE)
        record_hub_event("fulfilment.system_failed", HUB,
                         [{"type": "subject_request", "id": request.id}, {"type": "data_system", "id": system.name}],
                         outcome="failure", metadata={"error": job.error, "attempts": job.attempts})
        finish_request_if_done(request)
    db.session.commit()


def retry_failed(request: SubjectRequest, actor: Any) -> list[FulfilmentJob]:
    """Run again only the jobs that failed; the request goes back to ``in_progress`` (not committed)."""
    from privacyhub.dsr.lifecycle import transition

    if request.status != "failed":
        raise Conflict(f"only failed requests can be retried, this one is '{request.status}'")
    failed = [job for job in jobs_of(request) if job.status == "failed"]
    transition(request, "in_progress", actor, "retry of the failed systems")
    for job in failed:
        job.status, job.error, job.finished_at = "queued", None, None
        send_after_commit(RUN_TASK, job.id)
    start_fulfilment(request)  # systems registered since then join in
    return failed


def finish_request_if_done(request: SubjectRequest) -> None:
    """Fail the request when a system failed, complete it when every system has (not committed)."""
    from privacyhub.fulfilment.completion import complete_request, fail_request

    locked = db.session.scalar(select(SubjectRequest).where(SubjectRequest.seq == request.seq)
                               .with_for_update())
    if locked is None or locked.status != "in_progress":
        return
    jobs = jobs_of(locked)
    failed = [job for job in jobs if job.status == "failed"]
    if failed:
        fail_request(locked, failed)
    elif all(job.status == "completed" for job in jobs):
        complete_request(locked, jobs)
