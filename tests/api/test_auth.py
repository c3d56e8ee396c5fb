"""API keys: who gets in, and with what."""

import pytest

from tests.factories import event_payload


def test_missing_key_is_401_problem(client):
    response = client.get("/v1/events")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer phk_not-a-real-key", "Basic abc", "Bearer ", "phk_x"])
def test_unknown_or_malformed_key_is_401(client, header):
    assert client.get("/v1/events", headers={"Authorization": header}).status_code == 401


def test_revoked_key_is_401(client, make_api_key, app):
    from privacyhub.auth.api_keys import revoke_api_key
    from privacyhub.extensions import db
    from privacyhub.models import ApiKey

    secret = make_api_key("events:read")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/events", headers=headers).status_code == 200
    key = db.session.query(ApiKey).filter_by(name="shop").one()
    revoke_api_key(key)
    db.session.commit()
    assert client.get("/v1/events", headers=headers).status_code == 401


def test_key_without_scope_is_403_before_body_is_read(client, make_api_key):
    reader = {"Authorization": f"Bearer {make_api_key('events:read')}"}
    response = client.post("/v1/events", json={"not": "an event"}, headers=reader)
    assert response.status_code == 403
    assert "events:write" in response.get_json()["detail"]


def test_writer_cannot_read(client, make_api_key):
    writer = {"Authorization": f"Bearer {make_api_key('events:write')}"}
    assert client.post("/v1/events", json=event_payload(), headers=writer).status_code == 201
    assert client.get("/v1/events", headers=writer).status_code == 403


def test_key_is_stored_only_as_hash(app, make_api_key):
    from privacyhub.extensions import db
    from privacyhub.models import ApiKey

    secret = make_api_key("events:read")
    assert secret.startswith("phk_")
    stored = db.session.query(ApiKey).one()
    assert secret not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_last_used_is_recorded(client, make_api_key):
    from privacyhub.extensions import db
    from privacyhub.models import ApiKey

    secret = make_api_key("events:read")
    assert db.session.query(ApiKey).one().last_used_at is None
    client.get("/v1/events", headers={"Authorization": f"Bearer {secret}"})
    db.session.expire_all()
    assert db.session.query(ApiKey).one().last_used_at is not None
