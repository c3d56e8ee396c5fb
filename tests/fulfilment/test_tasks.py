"""The job task: retried with back-off, the last failure fails the request; a completed job is not re-run."""

from __future__ import annotations

from sqlalchemy import create_engine, select, text

from privacyhub.extensions import db
from privacyhub.fulfilment.requests import begin_request
from privacyhub.models import FulfilmentJob, SubjectRequest
from tasks.fulfilment import MAX_ATTEMPTS, backoff, run_fulfilment_job
from tests.fulfilment.shop import DATASET, create_shop, snapshot
from tests.fulfilment_support import file_request, register_sql


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in range(8)] == [10, 20, 40, 80, 160, 320, 600, 600]


def test_failing_system_is_retried_then_fails_the_request(app, client, make_api_key, tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    create_shop(url)
    register_sql("shop", url, DATASET)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER no_item_delete BEFORE DELETE ON order_items "
                          "BEGIN SELECT RAISE(ABORT, 'order items are locked'); END"))
    engine.dispose()
    key = make_api_key("requests:write", "requests:read")
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    begin_request(request_id)
    job = db.session.scalar(select(FulfilmentJob))
    before = snapshot(url)
    run_fulfilment_job.apply(args=[job.id])            # eager: each retry runs at once
    db.session.expire_all()
    job = db.session.get(FulfilmentJob, job.id)
    assert (job.status, job.attempts) == ("failed", MAX_ATTEMPTS)
    assert "order items are locked" in job.error
    assert db.session.scalar(select(SubjectRequest.status)) == "failed"
    assert snapshot(url) == before


def test_completed_job_is_not_run_again(app, client, make_api_key, tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    create_shop(url)
    register_sql("shop", url, DATASET)
    key = make_api_key("requests:write", "requests:read")
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    begin_request(request_id)
    job_id = db.session.scalar(select(FulfilmentJob.id))
    assert run_fulfilment_job.apply(args=[job_id]).get() == "completed"
    assert run_fulfilment_job.apply(args=[job_id]).get() == "completed"   # a redelivered message
    assert db.session.get(FulfilmentJob, job_id).attempts == 1
    assert db.session.scalar(select(SubjectRequest.status)) == "completed"
