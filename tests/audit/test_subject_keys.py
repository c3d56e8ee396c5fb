"""Personal data in events: encrypted per subject at rest, readable through the API, erasable by shredding."""

from __future__ import annotations

import base64
import secrets

import pytest
from sqlalchemy import func, select

from privacyhub import create_app
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, SubjectKey
from tests.audit.conftest import raw, sqlite_files_containing, tables_containing
from tests.factories import event_payload

EMAIL = "ada.lovelace@example.org"
IP = "203.0.113.77"
AGENT = "AdaBrowser/1.0 (Analytical Engine)"
SECRET_NOTE = "bernoulli-numbers-note"


def ada_event(n: int = 0, **overrides):
    """An event about Ada with every kind of personal field."""
    return event_payload(n, subject=EMAIL, context={"ip": IP, "user_agent": AGENT, "location": "UK"},
                         personal_data={"email": EMAIL, "note": SECRET_NOTE}, **overrides)


def test_personal_fields_are_encrypted_at_rest_and_readable_through_the_api(client, auth, post_events,
                                                                            database_url, backend):
    sent = post_events([ada_event(i) for i in range(3)] + [event_payload(9)])
    assert tables_containing(EMAIL, IP, AGENT, SECRET_NOTE) == []
    if backend == "sqlite":
        assert sqlite_files_containing(database_url, EMAIL, IP, AGENT, SECRET_NOTE) == []
    shown = client.get(f"/v1/events/{sent[0]['id']}", headers=auth).get_json()
    assert shown["subject"] == EMAIL
    assert shown["context"] == {"ip": IP, "user_agent": AGENT, "location": "UK"}
    assert shown["personal_data"] == {"email": EMAIL, "note": SECRET_NOTE}


def test_one_key_per_subject_looked_up_once_per_batch(app, post_events):
    post_events([ada_event(i) for i in range(5)] + [event_payload(i) for i in range(10)])
    post_events([ada_event(i + 10) for i in range(5)])
    keys = db.session.execute(select(SubjectKey.pseudonym, func.count()).group_by(SubjectKey.pseudonym)).all()
    assert len(keys) == 6  # Ada and the factory's five subjects
    assert all(count == 1 for _, count in keys)
    stored = db.session.scalars(select(SubjectKey)).all()
    assert all(len(k.wrapped_key) == 1 + 4 + 12 + 32 + 16 for k in stored)


def test_ingest_queries_do_not_grow_with_the_batch(app, client, auth):
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.post("/v1/events", json={"events": [ada_event(i) for i in range(5)]}, headers=auth)
        small = len(statements)
        statements.clear()
        client.post("/v1/events", json={"events": [event_payload(i, subject=f"s{i}@example.com")
                                                   for i in range(500)]}, headers=auth)
        large = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert large <= small + 2


def test_events_without_subject_are_keyed_by_their_actor(client, auth, post_events, runner):
    sent = post_events([event_payload(1, subject=None, actor={"type": "user", "id": "u-42"},
                                      context={"ip": IP}, personal_data={})])
    assert tables_containing(IP) == []
    assert client.get(f"/v1/events/{sent[0]['id']}", headers=auth).get_json()["context"]["ip"] == IP
    result = runner.invoke(args=["audit", "shred", "u-42", "--yes"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/v1/events/{sent[0]['id']}", headers=auth).get_json()["context"]["ip"] is None


def test_actor_keys_are_apart_per_actor_type_and_spare_the_hubs_own_actors(app, client, auth, post_events, runner):
    from privacyhub.audit.ingest import record_hub_event

    shop = post_events([event_payload(1, subject=None, actor={"type": "user", "id": "7"}, context={"ip": IP})])
    record_hub_event("operator.login", {"type": "operator", "id": "7", "name": None},
                     context={"ip": "198.51.100.7"})
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SubjectKey)) == 2  # user 7 and operator 7
    result = runner.invoke(args=["audit", "shred", "7", "--yes"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/v1/events/{shop[0]['id']}", headers=auth).get_json()["context"]["ip"] is None
    hub = client.get("/v1/events", query_string={"action": "operator.login"}, headers=auth).get_json()["events"]
    assert hub[0]["context"]["ip"] == "198.51.100.7"


def test_events_without_anything_personal_have_no_key(app, post_events):
    post_events([event_payload(1, subject=None, context={}, personal_data={})])
    event = db.session.scalar(select(AuditEvent))
    assert event.sealed is None and event.subject_key_id is None and event.subject_ref is None


def test_shredding_erases_the_subject_everywhere_and_verify_still_passes(
        client, auth, post_events, seal, runner, database_url, backend):
    ada = post_events([ada_event(i) for i in range(4)])
    others = post_events(count=6)
    seal()
    result = runner.invoke(args=["audit", "shred", EMAIL, "--yes"])
    assert result.exit_code == 0 and "4 events" in result.output

    for sent in ada:
        shown = client.get(f"/v1/events/{sent['id']}", headers=auth).get_json()
        assert shown["subject"] is None and shown["personal_data"] == {}
        assert shown["context"] == {"ip": None, "user_agent": None, "location": "UK"}
        assert shown["proof"] is not None  # still provably in the log
    assert client.get("/v1/events", query_string={"subject": EMAIL}, headers=auth).get_json()["events"] == []
    listed = client.get("/v1/events", query_string={"limit": 100}, headers=auth).get_json()["events"]
    assert EMAIL not in str(listed) and IP not in str(listed)
    export = client.get("/v1/events/export", query_string={"format": "csv"}, headers=auth)
    assert EMAIL.encode() not in export.data and SECRET_NOTE.encode() not in export.data
    other = client.get(f"/v1/events/{others[0]['id']}", headers=auth).get_json()
    assert other["personal_data"] == others[0]["personal_data"]

    assert tables_containing(EMAIL, IP, AGENT, SECRET_NOTE) == []
    if backend == "sqlite":
        assert sqlite_files_containing(database_url, EMAIL, IP, AGENT, SECRET_NOTE) == []
    key = raw("SELECT wrapped_key, shredded_at FROM subject_keys WHERE wrapped_key IS NULL")
    assert len(key) == 1 and key[0][1] is not None
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_shredding_an_unknown_subject_changes_nothing(runner, post_events):
    post_events(count=3)
    result = runner.invoke(args=["audit", "shred", "nobody@example.com", "--yes"])
    assert result.exit_code == 0 and "nothing to shred" in result.output


def test_a_subject_seen_again_after_shredding_gets_a_fresh_key(client, auth, post_events, runner):
    old = post_events([ada_event(1)])
    runner.invoke(args=["audit", "shred", EMAIL, "--yes"])
    new = post_events([ada_event(2)])
    assert client.get(f"/v1/events/{old[0]['id']}", headers=auth).get_json()["subject"] is None
    assert client.get(f"/v1/events/{new[0]['id']}", headers=auth).get_json()["subject"] == EMAIL
    found = client.get("/v1/events", query_string={"subject": EMAIL}, headers=auth).get_json()["events"]
    assert [e["id"] for e in found] == [new[0]["id"]]


def test_a_moved_ciphertext_does_not_open(client, auth, post_events):
    first, second = post_events([ada_event(1), ada_event(2)])
    raw("UPDATE audit_events SET sealed = (SELECT sealed FROM audit_events WHERE id = :a) WHERE id = :b",
        a=first["id"], b=second["id"])
    assert client.get(f"/v1/events/{second['id']}", headers=auth).get_json()["subject"] is None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_keys_rotate_rewraps_every_key_and_the_old_master_key_can_go(app_config, tmp_path, backend):
    old_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    def app_with(keys: str):
        return create_app({**app_config, "PRIVACYHUB_ENCRYPTION_KEYS": keys})

    from privacyhub.commands.setup import create_api_key

    first = app_with(old_key)
    with first.app_context():
        headers = {"Authorization": f"Bearer {create_api_key('shop', ['events:write', 'events:read'])}"}
        sent = ada_event(1)
        assert first.test_client().post("/v1/events", json=sent, headers=headers).status_code == 201
        db.session.remove()
    rotating = app_with(f"{new_key},{old_key}")
    with rotating.app_context():
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0 and "re-wrapped 1 subject keys" in result.output
        db.session.remove()
    rotated = app_with(new_key)
    with rotated.app_context():
        shown = rotated.test_client().get(f"/v1/events/{sent['id']}", headers=headers).get_json()
        assert shown["subject"] == EMAIL and shown["personal_data"]["note"] == SECRET_NOTE
        db.session.remove()


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_batches_meeting_a_new_subject_agree_on_one_key(app, client, auth, backend):
    import threading

    barrier, results = threading.Barrier(4), []

    def post(n: int) -> None:
        batch = [ada_event(n * 100 + i) for i in range(50)]
        barrier.wait()
        results.append(app.test_client().post("/v1/events", json={"events": batch}, headers=auth).status_code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 4
    db.session.remove()
    assert raw("SELECT count(*) FROM subject_keys") == [(1,)]
    ada = client.get("/v1/events", query_string={"subject": EMAIL, "limit": 1000}, headers=auth).get_json()
    assert len(ada["events"]) == 200 and all(e["personal_data"]["note"] == SECRET_NOTE for e in ada["events"])
