"""``/v1/incidents``: open, list, show and update incidents with an ``admin`` key."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from privacyhub.models.types import utcnow
from tests.factories import event_batch, incident_fields

ALL_SCOPES = ("events:write", "events:read", "requests:write", "requests:read")


def _payload(**overrides) -> dict:
    """An API body: times as ISO strings, aware just now so the clock is running."""
    aware = utcnow() - timedelta(hours=1)
    fields = incident_fields(aware_at=aware, occurred_from=aware - timedelta(days=2),
                             occurred_to=aware - timedelta(minutes=5), **overrides)
    return json.loads(json.dumps(fields, default=lambda v: v.isoformat()))


@pytest.fixture
def admin_headers(make_api_key):
    return {"Authorization": f"Bearer {make_api_key('admin', name='siem')}"}


def test_open_show_and_list(client, admin_headers):
    created = client.post("/v1/incidents", json=_payload(), headers=admin_headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert created.headers["Location"] == f"/v1/incidents/{body['id']}"
    assert body["reference"] == "INC-00001" and body["status"] == "open"
    assert body["special_categories"] == ["user.health_and_medical"]
    clock = body["clock"]
    assert clock["running"] and not clock["overdue"] and 70 * 3600 < clock["seconds_left"] <= 71 * 3600
    assert clock["label"].endswith("left")
    assert body["timeline"][0]["actor"] == "siem" and body["timeline"][0]["kind"] == "opened"

    for ident in (body["id"], body["reference"]):
        shown = client.get(f"/v1/incidents/{ident}", headers=admin_headers)
        assert shown.status_code == 200 and shown.get_json()["id"] == body["id"]
    assert client.get(f"/v1/incidents/{uuid.uuid4()}", headers=admin_headers).status_code == 404

    client.post("/v1/incidents", json=_payload(title="Second"), headers=admin_headers)
    page = client.get("/v1/incidents?limit=1", headers=admin_headers).get_json()
    assert [i["reference"] for i in page["incidents"]] == ["INC-00001"]
    rest = client.get(f"/v1/incidents?limit=1&cursor={page['next_cursor']}", headers=admin_headers).get_json()
    assert [i["title"] for i in rest["incidents"]] == ["Second"] and rest["next_cursor"] is None
    assert client.get("/v1/incidents?status=closed", headers=admin_headers).get_json()["incidents"] == []


def test_patch_changes_fields_and_status(client, admin_headers):
    incident = client.post("/v1/incidents", json=_payload(), headers=admin_headers).get_json()
    url = f"/v1/incidents/{incident['id']}"
    patched = client.patch(url, json={"subjects_max": 9000, "status": "contained", "owner": None},
                           headers=admin_headers)
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert body["subjects_max"] == 9000 and body["status"] == "contained" and body["owner"] is None
    assert [t["kind"] for t in body["timeline"]] == ["opened", "updated", "status"]
    refused = client.patch(url, json={"status": "closed"}, headers=admin_headers)
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert any("supervisory authority" in b for b in refused.get_json()["blockers"])
    assert client.patch(url, json={"status": "notified"}, headers=admin_headers).status_code == 422


@pytest.mark.parametrize(("body", "field"), [
    ({"aware_at": "2026-01-01T10:00:00"}, "aware_at"),  # no offset: ambiguous
    ({"nature": ["secrecy"]}, "nature.0"),
    ({"unknown_field": 1}, "unknown_field"),
    ({"subjects_min": -5}, "subjects_min"),
])
def test_invalid_bodies_are_422_problems(client, admin_headers, body, field):
    response = client.post("/v1/incidents", json=_payload() | body, headers=admin_headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_domain_validation_is_422(client, admin_headers):
    response = client.post("/v1/incidents", json=_payload(data_categories=["user.nope"]), headers=admin_headers)
    assert response.status_code == 422 and "user.nope" in response.get_json()["detail"]


def test_open_from_an_audit_event(client, admin_headers, make_api_key):
    events_key = {"Authorization": f"Bearer {make_api_key('events:write', 'events:read')}"}
    batch = event_batch(1)
    assert client.post("/v1/events", json=batch, headers=events_key).status_code == 201
    event_id = batch["events"][0]["id"]
    created = client.post("/v1/incidents", json=_payload(audit_event_id=event_id), headers=admin_headers)
    assert created.status_code == 201 and created.get_json()["audit_event_id"] == event_id
    missing = client.post("/v1/incidents", json=_payload(request_id=str(uuid.uuid4())), headers=admin_headers)
    assert missing.status_code == 404


@pytest.mark.parametrize("scopes", [(), ALL_SCOPES])
def test_role_matrix_only_admin_keys(client, make_api_key, scopes, admin_headers):
    incident = client.post("/v1/incidents", json=_payload(), headers=admin_headers).get_json()
    headers = {"Authorization": f"Bearer {make_api_key(*scopes)}"} if scopes else {}
    expected = 403 if scopes else 401
    calls = [("get", "/v1/incidents", None), ("post", "/v1/incidents", _payload()),
             ("get", f"/v1/incidents/{incident['id']}", None),
             ("patch", f"/v1/incidents/{incident['id']}", {"title": "x"})]
    for method, url, body in calls:
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == expected, (method, url)


def test_documented_in_openapi(client):
    spec = client.get("/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/v1/incidents"])
    assert {"get", "patch"} <= set(spec["paths"]["/v1/incidents/{incident_id}"])
    schemas = spec["components"]["schemas"]
    assert "aware_at" in schemas["IncidentCreate"]["required"]
    assert "status" in schemas["IncidentPatch"]["properties"]
    assert schemas["IncidentPatch"].get("required", []) == []
