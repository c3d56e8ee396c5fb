"""Retention: old sealed events are purged, their hashes and the checkpoints stay, proofs and verify still hold."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

import privacyhub.audit.ingest as ingest
from privacyhub.audit.merkle_verify import verify_inclusion
from privacyhub.audit.record import record_leaf_hash
from privacyhub.audit.retention import TamperedRange, purge_sealed_events
from privacyhub.models.types import utcnow
from tests.audit.conftest import raw, row_at
from tests.factories import event_payload


@pytest.fixture
def aged_log(app, monkeypatch, request):
    """21 leaves received 400 days ago (the API key's creation, 20 events), then 12 events received now.

    All sealed under a checkpoint at 33. List it before ``client``/``auth`` so the key is made in the past.
    """
    long_ago = utcnow() - timedelta(days=400)
    monkeypatch.setattr(ingest, "utcnow", lambda: long_ago)
    post_events, seal = request.getfixturevalue("post_events"), request.getfixturevalue("seal")
    old = post_events([event_payload(i) for i in range(20)])
    seal()
    monkeypatch.undo()
    new = post_events([event_payload(100 + i) for i in range(12)])
    seal()
    return old, new


def test_purge_removes_old_bodies_and_keeps_proofs_and_verify(aged_log, client, auth, runner):
    old, new = aged_log
    result = runner.invoke(args=["audit", "purge"])
    assert result.exit_code == 0 and "purged 21 events; leaves [0, 21)" in result.output
    assert raw("SELECT count(*) FROM audit_events WHERE id IN (SELECT id FROM audit_purged_events)") == [(0,)]
    assert raw("SELECT count(*) FROM audit_purged_events") == [(21,)]
    assert raw("SELECT count(*) FROM merkle_nodes WHERE level = 0") == [(33,)]

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "leaves [0, 21) purged (hashes kept)" in verify.output

    gone = client.get(f"/v1/events/{old[3]['id']}", headers=auth)
    assert gone.status_code == 410 and gone.get_json()["leaf_index"] == 4 and gone.get_json()["purged"] is True
    by_index = client.get("/v1/proofs/inclusion", query_string={"leaf_index": 3}, headers=auth).get_json()
    assert verify_inclusion(base64.b64decode(by_index["leaf_hash"]), 3, 33,
                            [base64.b64decode(h) for h in by_index["inclusion_path"]],
                            base64.b64decode(by_index["checkpoint"]["root_hash"]))
    for sent in new:
        event = client.get(f"/v1/events/{sent['id']}", headers=auth).get_json()
        proof = event["proof"]
        assert verify_inclusion(record_leaf_hash(proof["record"]), proof["leaf_index"], proof["tree_size"],
                                [base64.b64decode(h) for h in proof["inclusion_path"]],
                                base64.b64decode(proof["checkpoint"]["root_hash"]))


def test_purged_id_sent_again_is_a_duplicate(aged_log, client, auth, runner):
    old, _ = aged_log
    runner.invoke(args=["audit", "purge"])
    response = client.post("/v1/events", json=old[0], headers=auth)
    assert response.status_code == 200 and response.get_json() == {"accepted": 0, "duplicates": 1}


def test_purge_stops_at_the_first_young_event_and_at_the_checkpoint(app, aged_log, post_events, seal):
    outcome = purge_sealed_events(days=365)
    assert (outcome.purged, outcome.purged_size) == (21, 21)
    assert purge_sealed_events(days=365).purged == 0
    later = purge_sealed_events(days=1, now=utcnow() + timedelta(days=2))
    assert later.purged_size == 33  # everything a checkpoint covers
    post_events([event_payload(500)])
    seal(checkpoint=False)
    assert purge_sealed_events(days=1, now=utcnow() + timedelta(days=2)).purged == 0


def test_purge_refuses_to_destroy_evidence_of_tampering(app, aged_log, runner):
    raw(f"UPDATE audit_events SET action = 'user.logout' WHERE {row_at('= 7')}")
    with pytest.raises(TamperedRange, match="leaf 7"):
        purge_sealed_events(days=365)
    assert raw(f"SELECT count(*) FROM audit_events WHERE {row_at('< 21')}") == [(21,)]


def test_rows_put_back_into_the_purged_range_are_caught(app, aged_log, runner):
    purge_sealed_events(days=365)
    raw("UPDATE audit_leaves SET leaf_index = 5 WHERE leaf_index = 32")  # a live row moved into the purged range
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "leaf 5: a row was inserted into the purged range" in result.output


def test_retention_task_uses_the_configured_period(app, aged_log):
    from tasks.audit import purge_audit_log

    assert purge_audit_log.apply().get() == 21
    assert app.config["CELERY_BEAT_SCHEDULE"]["audit-retention"]["task"] == "tasks.audit.purge_audit_log"
