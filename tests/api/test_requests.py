"""``/v1/requests``: intake, reading, filters, paging, cancel, extend, idempotency (SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest

from privacyhub.extensions import db
from tests.dsr_support import request_payload


@pytest.fixture
def headers(make_api_key):
    return {"Authorization": f"Bearer {make_api_key('requests:write', 'requests:read')}"}


def post(client, headers, payload=None, **extra):
    return client.post("/v1/requests", json=payload or request_payload(), headers={**headers, **extra})


def test_create_returns_201_with_id_status_and_deadline(client, headers):
    response = post(client, headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "identity_unverified" and body["type"] == "access" and body["channel"] == "api"
    received = datetime.fromisoformat(body["received_at"])
    due = datetime.fromisoformat(body["due_at"])
    assert timedelta(days=27) < due - received < timedelta(days=32)
    assert body["identities"] == [{"type": "email", "masked": "a***@example.com"}]


def test_asserted_identity_skips_verification(client, headers):
    body = post(client, headers, request_payload(identity_verified=True)).get_json()
    assert body["status"] == "pending" and body["verified_by"] == "asserted by shop"


def test_rectification_needs_corrections(client, headers):
    payload = request_payload("rectification")
    assert post(client, headers, payload).status_code == 201
    payload.pop("corrections")
    assert post(client, headers, payload).status_code == 422
    bad = request_payload("rectification", corrections=[{"category": "user.name", "field": "name", "value": "x"}])
    assert post(client, headers, bad).status_code == 422


def test_corrections_are_stored_encrypted(client, headers):
    from privacyhub.dsr.intake import corrections_of
    from privacyhub.dsr.queries import get_request

    body = post(client, headers, request_payload("rectification")).get_json()
    request = get_request(body["id"])
    assert corrections_of(request) == [{"category": "user.contact.email", "value": "ada.lovelace@example.com"}]
    assert b"lovelace" not in request.corrections_sealed


@pytest.mark.parametrize("payload", [
    {"type": "delete", "identities": [{"type": "email", "value": "a@example.com"}]},
    {"type": "access", "identities": []},
    {"type": "access", "identities": [{"type": "passport", "value": "x"}]},
    {"type": "access", "identities": [{"type": "email", "value": "not-an-address"}]},
    {"type": "access", "identities": [{"type": "email", "value": "a@example.com"}], "extra": 1},
    {"type": "access", "identities": [{"type": "user_id", "value": "u1"}]},  # unverified without an e-mail
])
def test_invalid_requests_are_refused(client, headers, payload):
    response = post(client, headers, payload)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_scopes(client, make_api_key):
    reader = {"Authorization": f"Bearer {make_api_key('requests:read', name='reader')}"}
    writer = {"Authorization": f"Bearer {make_api_key('requests:write', name='writer')}"}
    assert post(client, reader).status_code == 403
    created = post(client, writer).get_json()
    assert client.get(f"/v1/requests/{created['id']}", headers=writer).status_code == 403
    assert client.get(f"/v1/requests/{created['id']}", headers=reader).status_code == 200
    assert client.get("/v1/requests").status_code == 401


def test_identities_are_stored_encrypted_and_found_by_hmac(client, headers):
    from sqlalchemy import text

    from privacyhub.dsr.identities import requests_for_identity

    created = post(client, headers, request_payload(email="secret.person@example.com")).get_json()
    raw = db.session.execute(text("SELECT value_sealed, value_hmac FROM subject_request_identities")).one()
    assert b"secret.person" not in bytes(raw[0]) and "secret" not in raw[1]
    assert [r.id for r in requests_for_identity("email", "Secret.Person@Example.com ")] == [created["id"]]


def test_show_returns_history(client, headers):
    created = post(client, headers).get_json()
    body = client.get(f"/v1/requests/{created['id']}", headers=headers).get_json()
    assert body["id"] == created["id"]
    assert [h["to_status"] for h in body["history"]] == ["identity_unverified"]
    assert client.get("/v1/requests/00000000-0000-4000-8000-000000000000", headers=headers).status_code == 404
    assert client.get("/v1/requests/not-a-uuid", headers=headers).status_code == 422


def test_list_filters_and_pages(client, headers):
    ids = [post(client, headers, request_payload(type=t, email=f"p{i}@example.com", identity_verified=v))
           .get_json()["id"] for i, (t, v) in enumerate([("access", True), ("erasure", False), ("erasure", True)])]
    listing = client.get("/v1/requests?type=erasure", headers=headers).get_json()
    assert [r["id"] for r in listing["requests"]] == ids[1:]
    assert [r["id"] for r in client.get("/v1/requests?status=pending", headers=headers)
            .get_json()["requests"]] == [ids[0], ids[2]]
    page = client.get("/v1/requests?limit=2", headers=headers).get_json()
    assert [r["id"] for r in page["requests"]] == ids[:2] and page["next_cursor"]
    rest = client.get(f"/v1/requests?limit=2&cursor={page['next_cursor']}", headers=headers).get_json()
    assert [r["id"] for r in rest["requests"]] == ids[2:] and rest["next_cursor"] is None


def test_overdue_and_due_before_filters(client, headers):
    from privacyhub.dsr.queries import get_request

    late_id, on_time_id = (post(client, headers, request_payload(email=f"{n}@example.com")).get_json()["id"]
                           for n in ("late", "fine"))
    late = get_request(late_id)
    late.due_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    overdue = client.get("/v1/requests?overdue=true", headers=headers).get_json()["requests"]
    assert [r["id"] for r in overdue] == [late_id] and overdue[0]["deadline_state"] == "overdue"
    not_overdue = client.get("/v1/requests?overdue=false", headers=headers).get_json()["requests"]
    assert [r["id"] for r in not_overdue] == [on_time_id]
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert [r["id"] for r in client.get("/v1/requests", query_string={"due_before": soon}, headers=headers)
            .get_json()["requests"]] == [late_id]


def test_cancel(client, headers):
    created = post(client, headers).get_json()
    response = client.post(f"/v1/requests/{created['id']}/cancel", json={"reason": "user changed their mind"},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    again = client.post(f"/v1/requests/{created['id']}/cancel", json={}, headers=headers)
    assert again.status_code == 409


def test_extend_once_within_two_months(client, headers):
    created = post(client, headers, request_payload(identity_verified=True)).get_json()
    due = datetime.fromisoformat(created["due_at"]).date()
    too_far = client.post(f"/v1/requests/{created['id']}/extend", headers=headers,
                          json={"due_date": (due + timedelta(days=63)).isoformat(), "reason": "complex"})
    assert too_far.status_code == 422
    ok = client.post(f"/v1/requests/{created['id']}/extend", headers=headers,
                     json={"due_date": (due + timedelta(days=30)).isoformat(), "reason": "complex"})
    assert ok.status_code == 200
    assert ok.get_json()["extended_due_at"].startswith((due + timedelta(days=30)).isoformat())
    assert ok.get_json()["extension_reason"] == "complex"
    twice = client.post(f"/v1/requests/{created['id']}/extend", headers=headers,
                        json={"due_date": (due + timedelta(days=40)).isoformat(), "reason": "more"})
    assert twice.status_code == 409


def test_extend_refused_after_the_original_deadline(client, headers):
    from privacyhub.dsr.queries import get_request

    created = post(client, headers, request_payload(identity_verified=True)).get_json()
    request = get_request(created["id"])
    request.due_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    response = client.post(f"/v1/requests/{created['id']}/extend", headers=headers,
                           json={"due_date": (datetime.now(UTC) + timedelta(days=20)).date().isoformat(),
                                 "reason": "complex"})
    assert response.status_code == 409


def test_idempotency_key_returns_the_first_result(client, headers):
    first = post(client, headers, **{"Idempotency-Key": "order-1"})
    second = post(client, headers, **{"Idempotency-Key": "order-1"})
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.get_json()["id"] == second.get_json()["id"]
    other = post(client, headers, request_payload(type="erasure"), **{"Idempotency-Key": "order-1"})
    assert other.status_code == 422
    third = post(client, headers, **{"Idempotency-Key": "order-2"})
    assert third.get_json()["id"] != first.get_json()["id"]
    from privacyhub.models import SubjectRequest
    assert db.session.query(SubjectRequest).count() == 2


def test_idempotency_keys_are_per_api_key(client, headers, make_api_key):
    other = {"Authorization": f"Bearer {make_api_key('requests:write', name='other-service')}"}
    a = post(client, headers, **{"Idempotency-Key": "same"}).get_json()
    b = post(client, other, **{"Idempotency-Key": "same"}).get_json()
    assert a["id"] != b["id"]


def test_every_transition_is_in_the_audit_log(client, make_api_key):
    headers = {"Authorization": f"Bearer {make_api_key('requests:write', 'events:read')}"}
    created = post(client, headers, request_payload(identity_verified=True)).get_json()
    client.post(f"/v1/requests/{created['id']}/cancel", json={}, headers=headers)
    events = client.get(f"/v1/events?target_id={created['id']}", headers=headers).get_json()["events"]
    assert [e["action"] for e in events] == ["subject_request.pending", "subject_request.cancelled"]
    assert all(e["source"] == "privacyhub" and e["subject"] == "ada@example.com" for e in events)


def test_openapi_documents_the_requests_api(client):
    spec = client.get("/v1/openapi.json").get_json()
    for path in ("/v1/requests", "/v1/requests/{request_id}", "/v1/requests/{request_id}/cancel",
                 "/v1/requests/{request_id}/extend"):
        assert path in spec["paths"]
    create = spec["paths"]["/v1/requests"]["post"]
    assert [p["name"] for p in create["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert "RequestCreate" in str(create["requestBody"])
