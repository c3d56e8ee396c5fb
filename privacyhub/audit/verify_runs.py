"""Verification as a background job: the console asks, a worker runs ``verify_log``, the result is kept."""

from __future__ import annotations

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.verify import verify_log
from privacyhub.dispatch import send_after_commit
from privacyhub.extensions import db
from privacyhub.models import AuditVerification
from privacyhub.models.types import utcnow

VERIFY_TASK = "tasks.audit.verify_audit_log"
VERIFIER = {"type": "system", "id": "privacyhub-verifier", "name": "audit verification"}


def request_verification(requested_by: dict[str, str]) -> AuditVerification:
    """Queue a verification run (sent to a worker when the caller commits) and audit the request."""
    run = AuditVerification(requested_by=requested_by.get("name") or requested_by["id"], status="queued")
    db.session.add(run)
    db.session.flush()
    record_hub_event("audit.verification_requested", requested_by,
                     [{"type": "audit_verification", "id": str(run.id)}])
    send_after_commit(VERIFY_TASK, run.id)
    return run


def run_verification(run_id: int) -> AuditVerification | None:
    """Run ``verify_log`` for a queued run and store the outcome (commits twice: running, done)."""
    run = db.session.get(AuditVerification, run_id)
    if run is None or run.status in ("passed", "failed"):
        return run
    run.status = "running"
    db.session.commit()
    try:
        report = verify_log()
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(AuditVerification, run_id)
        assert run is not None
        run.status, run.finished_at = "error", utcnow()
        run.message = f"verification could not run: {type(exc).__name__}"
        db.session.commit()
        raise
    run.status = "passed" if report.ok else "failed"
    run.tree_size, run.checkpoints = report.tree_size, report.checkpoints_checked
    run.problem_index = report.problem.leaf_index if report.problem else None
    run.message, run.finished_at = report.summary(), utcnow()
    record_hub_event("audit.verified", VERIFIER, [{"type": "audit_verification", "id": str(run.id)}],
                     outcome="success" if report.ok else "failure",
                     metadata={"tree_size": report.tree_size, "problem_index": run.problem_index})
    db.session.commit()
    return run


def recent_verifications(limit: int = 20) -> list[AuditVerification]:
    """The latest runs, newest first."""
    return list(db.session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(limit)))
