"""The sealer: leaf indices in order, stored tree nodes, checkpoint policy, one sealer at a time, ingest unblocked."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

import privacyhub.audit.sealer as sealer
from privacyhub.audit.checkpoints import signature_valid
from privacyhub.audit.merkle import perfect_subtrees, root_from_leaves
from privacyhub.audit.record import RECORD_COLUMNS, row_leaf_hash
from privacyhub.audit.sealer import SealPolicy, seal_pending_events
from privacyhub.audit.tree_store import SEALER_LOCK_KEY
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import AuditCheckpoint, AuditEvent, AuditLogState, MerkleNode
from privacyhub.models.types import utcnow
from tests.audit.conftest import raw
from tests.factories import event_payload


def test_leaf_indices_follow_seq_and_the_tree_is_stored(app, post_events):
    post_events(count=36)  # and the hub's own "api_key.created": 37
    outcome = seal_pending_events(SealPolicy(batch=10), force_checkpoint=True)
    assert outcome.sealed == 37 and outcome.tree_size == 37
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.leaf_index for e in events] == list(range(37))
    leaves = [e.leaf_hash for e in events]
    nodes = {(n.level, n.node_index): n.hash for n in db.session.scalars(select(MerkleNode))}
    assert len(nodes) == sum(37 >> level for level in range(6))  # every perfect subtree, leaves included
    assert [nodes[(0, i)] for i in range(37)] == leaves
    for level, index in perfect_subtrees(0, 37):
        assert nodes[(level, index)] == root_from_leaves(leaves[index << level:(index + 1) << level])
    checkpoint = db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.tree_size == 37))
    assert checkpoint.root_hash == root_from_leaves(leaves)
    assert signature_valid(checkpoint, keyring().public_key)
    assert db.session.get(AuditLogState, 1).tree_size == 37


def test_leaf_hash_at_ingest_matches_the_row_read_back(app, post_events):
    post_events([event_payload(i, metadata={"float": 0.1 * i, "big": 1e300, "neg0": -0.0, "text": "ü\u2028\x7f",
                                            "list": [True, None, 2**53 - 1]}) for i in range(5)])
    columns = [getattr(AuditEvent, name) for name in RECORD_COLUMNS]
    db.session.remove()
    for row in db.session.execute(select(AuditEvent.leaf_hash, *columns)):
        assert row_leaf_hash(row._mapping) == row.leaf_hash


def test_rows_without_a_leaf_hash_are_hashed_by_the_sealer(app, post_events, runner):
    post_events(count=4)
    raw("UPDATE audit_events SET leaf_hash = NULL WHERE action = 'user.login'")
    seal_pending_events(SealPolicy(), force_checkpoint=True)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_checkpoint_every_n_events(app, post_events):
    post_events(count=24)
    outcome = seal_pending_events(SealPolicy(batch=5, checkpoint_events=10, checkpoint_seconds=3600))
    assert outcome.checkpoints == [5, 15, 25]  # the first at once, then every 10 leaves


def test_checkpoint_after_t_seconds_with_new_leaves(app, post_events, monkeypatch):
    policy = SealPolicy(batch=100, checkpoint_events=1000, checkpoint_seconds=60)
    post_events(count=2)
    assert seal_pending_events(policy).checkpoints == [3]
    post_events([event_payload(10)])
    assert seal_pending_events(policy).checkpoints == []
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(sealer, "utcnow", lambda: later)
    assert seal_pending_events(policy).checkpoints == [4]
    assert seal_pending_events(policy).checkpoints == []  # nothing new: no checkpoint


def test_seal_command_and_task(app, post_events, runner):
    from tasks.audit import seal_audit_log

    post_events(count=2)
    assert seal_audit_log.apply().get() == 3
    post_events([event_payload(9)])
    result = runner.invoke(args=["audit", "seal", "--checkpoint"])
    assert result.exit_code == 0 and result.output == "sealed 1 events; tree size 4, checkpoints at 4\n"
    schedule = app.config["CELERY_BEAT_SCHEDULE"]["audit-seal"]
    assert schedule["task"] == "tasks.audit.seal_audit_log" and schedule["schedule"] == 5.0
    assert app.extensions["celery"].conf.beat_schedule["audit-seal"] == schedule


@pytest.mark.parametrize("backend", ["postgres"])
def test_only_one_sealer_at_a_time(app, post_events, database_url, backend):
    post_events(count=2)
    other = create_engine(database_url)
    with other.connect() as conn, conn.begin():
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEALER_LOCK_KEY})
        outcome = seal_pending_events(SealPolicy())
        assert outcome.busy and outcome.sealed == 0
    assert seal_pending_events(SealPolicy()).sealed == 3
    other.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
def test_ingest_never_waits_for_the_sealer(app, client, auth, post_events, database_url, backend):
    """A sealing transaction holding the lock and updating rows does not slow ingest down."""
    post_events(count=49)
    other = create_engine(database_url)
    holding, release = threading.Event(), threading.Event()

    def slow_sealer() -> None:
        with other.connect() as conn, conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEALER_LOCK_KEY})
            conn.execute(text("UPDATE audit_leaves SET leaf_index = seq + 1000000 WHERE leaf_index IS NULL"))
            holding.set()
            release.wait(30)
            conn.rollback()

    thread = threading.Thread(target=slow_sealer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        response = client.post("/v1/events", json={"events": [event_payload(100 + i) for i in range(100)]},
                               headers=auth)
        assert response.status_code == 201
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join()
        other.dispose()
    assert seal_pending_events(SealPolicy()).sealed == 150
