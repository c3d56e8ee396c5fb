"""A real Celery worker (Redis broker) runs requests; one killed mid-erasure leaves no partial erasure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from privacyhub.extensions import db
from privacyhub.fulfilment.requests import begin_request
from privacyhub.models import FulfilmentJob, SubjectRequest
from tests.fulfilment.shop import DATASET, create_shop, snapshot
from tests.fulfilment.test_erasure import erase
from tests.fulfilment_support import file_request, register_sql
from tests.product_databases import product_database
from tests.services import REDIS_URL, need_redis

pytestmark = pytest.mark.worker
BROKER = REDIS_URL.rsplit("/", 1)[0] + "/13"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_config(app_config: dict) -> dict:
    need_redis()
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    return {**app_config, "PRIVACYHUB_BROKER_URL": BROKER, "PRIVACYHUB_BROKER_VISIBILITY_TIMEOUT": "5"}


@pytest.fixture
def start_worker(app, app_config, tmp_path):
    """Start worker processes on the same hub database, instance and broker as the test app."""
    started: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "PRIVACYHUB_INSTANCE_PATH": app_config["PRIVACYHUB_INSTANCE_PATH"],
           "PRIVACYHUB_DATABASE_URL": app_config["PRIVACYHUB_DATABASE_URL"], "PRIVACYHUB_BROKER_URL": BROKER,
           "PRIVACYHUB_RESULT_BACKEND": "cache+memory://", "PRIVACYHUB_BROKER_VISIBILITY_TIMEOUT": "5"}

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool", "solo", "--loglevel",
             "INFO", "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_for(predicate, timeout: float = 90.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def request_status(request_id: str) -> str:
    return db.session.scalar(select(SubjectRequest.status).where(SubjectRequest.id == request_id))


def without_random_masks(data: dict) -> dict:
    """The random mask differs per run by design; everything else must match exactly."""
    return {name: [{k: v for k, v in row.items() if not (name == "reviews" and k == "ip")} for row in rows]
            for name, rows in data.items()}


def test_worker_runs_a_request_to_completion(client, make_api_key, start_worker, tmp_path):
    with product_database("sqlite", tmp_path) as url:
        create_shop(url)
        register_sql("shop", url, DATASET)
        key = make_api_key("requests:write", "requests:read")
        request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
        start_worker("w1")
        begin_request(request_id)
        assert wait_for(lambda: request_status(request_id) == "completed", what="completion")
        assert [r["id"] for r in snapshot(url)["customers"]] == [2]


def test_killed_worker_mid_erasure_leaves_no_partial_erasure(client, make_api_key, start_worker, tmp_path):
    with product_database("postgres", tmp_path) as url, product_database("postgres", tmp_path) as reference_url:
        create_shop(url)
        create_shop(reference_url)
        register_sql("shop", url, DATASET)
        key = make_api_key("requests:write", "requests:read")
        request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
        before = snapshot(url)

        blocker = create_engine(url).connect()
        # Ada's customer row is written late (after masks, cleared pointers and the first deletes)
        blocker.execute(text("SELECT id FROM customers WHERE id = 1 FOR UPDATE"))
        first = start_worker("w1")
        begin_request(request_id)
        probe = create_engine(url)

        def worker_is_blocked_mid_erasure() -> bool:
            with probe.connect() as conn:
                return bool(conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%customers%'")).scalar())

        wait_for(worker_is_blocked_mid_erasure, what="the worker to block inside its erasure")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        assert snapshot(url) == before            # nothing of the half-done transaction is visible
        blocker.rollback()
        blocker.close()

        start_worker("w2")
        assert wait_for(lambda: request_status(request_id) == "completed", what="completion after the kill")
        job = db.session.scalar(select(FulfilmentJob))
        assert job.attempts == 2 and job.status == "completed"
        assert job.report["customers"]["deleted"] == 1

        from privacyhub.crypto import keyring

        ring = keyring()
        erase(reference_url, __import__("privacyhub.systems.sql", fromlist=["describe"]).describe(
            reference_url, DATASET, {}), hasher=lambda v: ring.digest(v.encode()))
        assert without_random_masks(snapshot(url)) == without_random_masks(snapshot(reference_url))
        probe.dispose()
