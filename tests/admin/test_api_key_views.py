"""API keys in the console: a new key is shown once and works; revoking stops it; both audited."""

from __future__ import annotations

import re

from privacyhub.extensions import db
from privacyhub.models import ApiKey
from tests.console import csrf_token, hub_events


def create_key(admin, name="billing", scopes=("events:read", "events:write")):
    return admin.post("/admin/api-keys/new/", data={"csrf_token": csrf_token(admin), "name": name,
                                                    "scopes": list(scopes)})


def test_new_key_is_shown_once_works_and_is_audited(console, client):
    admin = console("admin")
    response = create_key(admin)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="shown-once">(phk_[^<]+)<', response.get_data(as_text=True)).group(1)
    assert client.get("/v1/events", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    listing = admin.get("/admin/api-keys/").get_data(as_text=True)
    assert "billing" in listing and secret not in listing
    key = db.session.query(ApiKey).filter_by(name="billing").one()
    assert secret not in (key.key_hash, key.prefix) and key.scope_list == ["events:read", "events:write"]
    [event] = hub_events("api_key.created")
    assert event["actor"] == {"type": "operator", "id": str(admin.operator.id), "name": admin.operator.email}
    assert event["targets"][0]["name"] == "billing" and event["source"] == "privacyhub"


def test_revoked_key_stops_working_and_revocation_is_audited(console, client):
    admin = console("admin")
    secret = re.search(r"(phk_[\w-]+)", create_key(admin).get_data(as_text=True)).group(1)
    key = db.session.query(ApiKey).filter_by(name="billing").one()
    response = admin.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": csrf_token(admin)})
    assert response.headers["Location"] == "/admin/api-keys/"
    assert client.get("/v1/events", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "is revoked" in admin.get("/admin/api-keys/").get_data(as_text=True)
    [event] = hub_events("api_key.revoked")
    assert event["targets"][0]["id"] == str(key.id) and event["actor"]["id"] == str(admin.operator.id)
    # Revoking twice records nothing new.
    admin.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": csrf_token(admin)})
    assert len(hub_events("api_key.revoked")) == 1


def test_a_key_needs_a_name_and_a_scope(console):
    admin = console("admin")
    assert create_key(admin, name="", scopes=["admin"]).status_code == 422
    assert create_key(admin, name="x", scopes=[]).status_code == 422
    assert create_key(admin, name="x", scopes=["root"]).status_code == 422
    assert db.session.query(ApiKey).count() == 0 and hub_events("api_key.created") == []
