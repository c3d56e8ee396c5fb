"""A real Celery worker with embedded beat seals new events by itself and runs verification jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from privacyhub.audit.verify_runs import request_verification
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditVerification
from tests.services import REDIS_URL, need_redis

pytestmark = pytest.mark.worker
BROKER = REDIS_URL.rsplit("/", 1)[0] + "/12"
ROOT = Path(__file__).resolve().parents[2]
OPERATOR = {"type": "operator", "id": "7", "name": "auditor@example.com"}


@pytest.fixture
def app_config(app_config: dict) -> dict:
    need_redis()
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    return {**app_config, "PRIVACYHUB_BROKER_URL": BROKER}


@pytest.fixture
def worker(app, app_config, tmp_path):
    """One worker process with embedded beat (sealing every second) on the test app's database and keys."""
    env = {**os.environ, "PRIVACYHUB_INSTANCE_PATH": app_config["PRIVACYHUB_INSTANCE_PATH"],
           "PRIVACYHUB_DATABASE_URL": app_config["PRIVACYHUB_DATABASE_URL"], "PRIVACYHUB_BROKER_URL": BROKER,
           "PRIVACYHUB_RESULT_BACKEND": "cache+memory://", "PRIVACYHUB_AUDIT_SEAL_SECONDS": "1",
           "PRIVACYHUB_AUDIT_CHECKPOINT_SECONDS": "1"}
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--beat", "--pool", "solo",
             "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule"), "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield log_path
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(predicate, log: Path, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


@pytest.mark.parametrize("backend", ["postgres"])
def test_worker_with_beat_seals_and_verifies(app, client, auth, post_events, worker, backend):
    sent = post_events(count=25)
    wait_for(lambda: db.session.scalar(select(AuditEvent.leaf_index).where(AuditEvent.id == sent[-1]["id"]))
             is not None, worker, "beat to seal the events")
    wait_for(lambda: client.get("/v1/checkpoints/latest", headers=auth).status_code == 200, worker, "a checkpoint")
    run = request_verification(OPERATOR)
    db.session.commit()
    status = wait_for(lambda: db.session.scalar(select(AuditVerification.status).where(
        AuditVerification.id == run.id, AuditVerification.status.in_(["passed", "failed", "error"]))),
        worker, "the verification job")
    assert status == "passed"
