"""Verification as a job: queued after commit, run by a task, result and audit records kept."""

from __future__ import annotations

from sqlalchemy import select

from privacyhub.audit.verify_runs import recent_verifications, request_verification, run_verification
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditVerification
from tests.audit.conftest import raw, row_at

OPERATOR = {"type": "operator", "id": "7", "name": "auditor@example.com"}


def test_verification_job_records_a_pass(app, sealed_log):
    run = request_verification(OPERATOR)
    db.session.commit()
    assert run.status == "queued"
    from tasks.audit import verify_audit_log

    assert verify_audit_log.apply(args=[run.id]).get() == "passed"
    stored = db.session.get(AuditVerification, run.id)
    assert stored.status == "passed" and stored.tree_size == 41 and stored.checkpoints == 3
    assert stored.message.startswith("OK: 41 leaves") and stored.finished_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.source == "privacyhub")))
    assert {"audit.verification_requested", "audit.verified"} <= actions


def test_verification_job_records_the_failing_index(app, sealed_log):
    raw(f"UPDATE audit_events SET outcome = 'failure' WHERE {row_at('= 12')}")
    run = request_verification(OPERATOR)
    db.session.commit()
    result = run_verification(run.id)
    assert result.status == "failed" and result.problem_index == 12
    assert "leaf 12: the row was changed" in result.message
    assert recent_verifications()[0].id == run.id


def test_request_is_sent_to_the_worker_only_after_commit(app, monkeypatch):
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, args: sent.append((name, args)))
    run = request_verification(OPERATOR)
    assert sent == []
    db.session.commit()
    assert sent == [("tasks.audit.verify_audit_log", [run.id])]
