"""``/v1/retention-policies``, ``/v1/retention-runs`` and ``/v1/legal-holds`` over HTTP (scope ``admin``)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.retention.shop import ids
from tests.retention_support import app_database, register_app

POLICY = {"name": "old-sessions", "system": "app", "collection": "sessions", "period_amount": 30,
          "period_unit": "days", "clock_field": "started_at", "legal_basis": "Security logs: 30 days"}


@pytest.fixture
def product_url(tmp_path):
    yield from app_database("sqlite", tmp_path)


@pytest.fixture
def headers(app, make_api_key, product_url):
    register_app(product_url)
    return {"Authorization": f"Bearer {make_api_key('admin')}"}


def test_scope_admin_is_required(client, make_api_key, app):
    other = {"Authorization": f"Bearer {make_api_key('requests:write', 'requests:read')}"}
    assert client.get("/v1/retention-policies", headers=other).status_code == 403
    assert client.get("/v1/legal-holds").status_code == 401


def test_policy_lifecycle_dry_run_enable_run(client, headers, product_url):
    created = client.post("/v1/retention-policies", json=POLICY, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["enabled"] is False and created.get_json()["period"] == "30 days"

    refused = client.post("/v1/retention-policies/old-sessions/enable", headers=headers)
    assert refused.status_code == 409 and "dry run" in refused.get_json()["detail"]
    assert client.post("/v1/retention-policies/old-sessions/runs", headers=headers).status_code == 409

    dry = client.post("/v1/retention-policies/old-sessions/dry-run", headers=headers).get_json()
    assert dry["dry_run"] and dry["status"] == "completed"
    due = dry["collections"]["sessions"]["deleted"]
    assert due > 0 and len(ids(product_url, "sessions")) == 12       # nothing changed
    csv = client.get(f"/v1/retention-runs/{dry['id']}/csv", headers=headers)
    assert csv.mimetype == "text/csv" and "dry-run" in csv.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(csv.data))
    assert list(frame["collection"]) == ["sessions"] and frame["deleted"][0] == due

    assert client.post("/v1/retention-policies/old-sessions/enable", headers=headers).get_json()["enabled"]
    ran = client.post("/v1/retention-policies/old-sessions/runs", headers=headers)
    assert ran.status_code == 200 and ran.get_json()["collections"]["sessions"]["deleted"] == due
    assert len(ids(product_url, "sessions")) == 12 - due
    runs = client.get("/v1/retention-policies/old-sessions/runs", headers=headers).get_json()["runs"]
    assert [r["dry_run"] for r in runs] == [False, True]
    listed = client.get("/v1/retention-policies", headers=headers).get_json()["policies"]
    assert listed[0]["last_run"]["id"] == ran.get_json()["id"]


def test_a_change_disables_the_policy_until_a_new_dry_run(client, headers):
    client.post("/v1/retention-policies", json=POLICY, headers=headers)
    client.post("/v1/retention-policies/old-sessions/dry-run", headers=headers)
    assert client.post("/v1/retention-policies/old-sessions/enable", headers=headers).get_json()["enabled"]
    changed = client.put("/v1/retention-policies/old-sessions", json={**POLICY, "period_amount": 60},
                         headers=headers).get_json()
    assert (changed["enabled"], changed["reviewed_at"], changed["period"]) == (False, None, "60 days")
    assert client.post("/v1/retention-policies/old-sessions/enable", headers=headers).status_code == 409
    assert client.delete("/v1/retention-policies/old-sessions", headers=headers).status_code == 204
    assert client.get("/v1/retention-policies/old-sessions", headers=headers).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"collection": "nope"}, "collection"),
    ({"clock_field": "nope"}, "clock_field"),
    ({"collection": None, "data_category": "user.financial"}, "data_category"),
    ({"collection": None, "data_category": "not.a.category"}, "data_category"),
    ({"data_category": "user.device.ip_address"}, "collection"),
    ({"name": "Has Spaces"}, "name"),
    ({"clock_field": "ip"}, "clock_field"),
])
def test_invalid_policies_are_refused_with_the_field(client, headers, change, field):
    response = client.post("/v1/retention-policies", json={**POLICY, **change}, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_unknown_system_and_duplicates(client, headers):
    assert client.post("/v1/retention-policies", json={**POLICY, "system": "nope"},
                       headers=headers).status_code == 404
    assert client.post("/v1/retention-policies", json=POLICY, headers=headers).status_code == 201
    assert client.post("/v1/retention-policies", json=POLICY, headers=headers).status_code == 409


def test_legal_holds_over_the_api(client, headers):
    placed = client.post("/v1/legal-holds", headers=headers, json={
        "scope": "subject", "identity": {"type": "email", "value": "ada@example.com"},
        "reason": "Claim by Ada", "owner": "counsel@example.com", "expires_at": "2030-01-01T00:00:00Z"})
    assert placed.status_code == 201, placed.get_json()
    hold = placed.get_json()
    assert hold["identity"] == "a***@example.com" and hold["in_force"] and "ada@" not in str(hold)
    patched = client.patch(f"/v1/legal-holds/{hold['id']}", headers=headers, json={"expires_at": None})
    assert patched.get_json()["expires_at"] is None
    bad = client.post("/v1/legal-holds", headers=headers, json={
        "scope": "collection", "system": "app", "collection": "orders", "filter": {"colour": "red"},
        "reason": "x", "owner": "counsel@example.com"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "filter.colour"
    released = client.post(f"/v1/legal-holds/{hold['id']}/release", headers=headers, json={"reason": "settled"})
    assert released.get_json()["in_force"] is False
    assert client.post(f"/v1/legal-holds/{hold['id']}/release", headers=headers,
                       json={"reason": "again"}).status_code == 409
    assert [h["id"] for h in client.get("/v1/legal-holds", headers=headers).get_json()["holds"]] == [hold["id"]]
