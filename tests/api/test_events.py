"""``/v1/events``: ingest all-or-nothing, duplicates, conflicts, filters and paging."""

import uuid

import pytest

from tests.factories import event_batch, event_payload


def count_events(client, auth, **params):
    """Every event the filter returns, walking all pages."""
    seen, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/events", query_string=query, headers=auth).get_json()
        seen.extend(body["events"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_single_event_round_trip(client, auth):
    payload = event_payload(1)
    response = client.post("/v1/events", json=payload, headers=auth)
    assert response.status_code == 201
    assert response.get_json() == {"accepted": 1, "duplicates": 0}
    stored = client.get(f"/v1/events/{payload['id']}", headers=auth).get_json()
    assert stored["action"] == "user.login"
    assert stored["actor"] == payload["actor"]
    assert stored["subject"] == payload["subject"]
    assert stored["personal_data"] == payload["personal_data"]
    assert stored["context"]["ip"] == "192.0.2.10"
    assert stored["source"] == "shop"
    assert stored["received_at"]


def test_batch_of_1000_is_stored(client, auth):
    response = client.post("/v1/events", json=event_batch(1000), headers=auth)
    assert response.status_code == 201
    assert response.get_json()["accepted"] == 1000
    assert len(count_events(client, auth, action="user.login", limit=1000)) == 1000


def test_batch_over_1000_is_refused(client, auth):
    response = client.post("/v1/events", json=event_batch(1001), headers=auth)
    assert response.status_code == 422
    assert len(count_events(client, auth, action="user.login")) == 0


def test_batch_with_one_bad_event_stores_nothing_and_names_it(client, auth):
    batch = event_batch(5)
    batch["events"][3]["outcome"] = "maybe"
    del batch["events"][1]["actor"]
    response = client.post("/v1/events", json=batch, headers=auth)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = {(e["index"], e["field"]) for e in response.get_json()["errors"]}
    assert errors == {(3, "outcome"), (1, "actor")}
    assert count_events(client, auth, action="user.login") == []


@pytest.mark.parametrize("body, status", [
    ("{not json", 400),
    ("[]", 422),
    ('{"events": []}', 422),
    ('{"id": "x"}', 422),
])
def test_malformed_bodies_are_problems(client, auth, body, status):
    response = client.post("/v1/events", data=body, content_type="application/json", headers=auth)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert "Traceback" not in response.get_data(as_text=True)


def test_non_json_content_type_is_415(client, auth):
    response = client.post("/v1/events", data="a=b", content_type="application/x-www-form-urlencoded", headers=auth)
    assert response.status_code == 415


def test_unknown_field_is_refused(client, auth):
    response = client.post("/v1/events", json=event_payload(0, acton="typo"), headers=auth)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "acton"


def test_body_limit(client, auth, app):
    big = event_payload(0, metadata={"blob": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    response = client.post("/v1/events", json=big, headers=auth)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_same_id_same_content_is_a_duplicate(client, auth):
    payload = event_payload(2)
    assert client.post("/v1/events", json=payload, headers=auth).status_code == 201
    again = client.post("/v1/events", json=payload, headers=auth)
    assert again.status_code == 200
    assert again.get_json() == {"accepted": 0, "duplicates": 1}
    mixed = client.post("/v1/events", json={"events": [payload, event_payload(3)]}, headers=auth)
    assert mixed.get_json() == {"accepted": 1, "duplicates": 1}
    assert len(count_events(client, auth, action="user.login")) == 2


def test_same_id_other_content_is_409_and_stores_nothing(client, auth):
    payload = event_payload(4)
    client.post("/v1/events", json=payload, headers=auth)
    changed = {**payload, "action": "user.logout"}
    fresh = event_payload(5)
    response = client.post("/v1/events", json={"events": [fresh, changed]}, headers=auth)
    assert response.status_code == 409
    assert response.get_json()["conflicting_ids"] == [payload["id"]]
    assert client.get(f"/v1/events/{fresh['id']}", headers=auth).status_code == 404


def test_one_id_twice_in_a_batch(client, auth):
    payload = event_payload(6)
    same = client.post("/v1/events", json={"events": [payload, payload]}, headers=auth)
    assert same.get_json() == {"accepted": 1, "duplicates": 1}
    other = event_payload(7)
    clash = client.post("/v1/events", json={"events": [other, {**other, "outcome": "failure"}]}, headers=auth)
    assert clash.status_code == 409


def test_unknown_event_is_404(client, auth):
    assert client.get(f"/v1/events/{uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get("/v1/events/not-a-uuid", headers=auth).status_code == 422


def seed(client, auth):
    batch = {"events": [
        event_payload(i, action="order.created" if i % 2 else "user.login",
                      targets=[{"type": "order", "id": f"order-{i % 4}"}])
        for i in range(40)
    ]}
    assert client.post("/v1/events", json=batch, headers=auth).status_code == 201
    return batch["events"]


@pytest.mark.parametrize("params, predicate", [
    ({"action": "order.created"}, lambda e: e["action"] == "order.created"),
    ({"action": "order.*"}, lambda e: e["action"].startswith("order.")),
    ({"actor_id": "user-3"}, lambda e: e["actor"]["id"] == "user-3"),
    ({"target_id": "order-2"}, lambda e: any(t["id"] == "order-2" for t in e["targets"])),
    ({"subject": "person1@example.com"}, lambda e: e["subject"] == "person1@example.com"),
    ({"since": "2026-01-15T12:00:10+00:00", "until": "2026-01-15T12:00:20+00:00"},
     lambda e: "2026-01-15T12:00:10" <= e["occurred_at"] < "2026-01-15T12:00:20"),
])
def test_filters(client, auth, params, predicate):
    sent = seed(client, auth)
    expected = {e["id"] for e in sent if predicate(e)}
    got = count_events(client, auth, **params)
    assert expected and {e["id"] for e in got} == expected


@pytest.mark.parametrize("limit", [1, 7, 40, 1000])
def test_paging_returns_every_event_exactly_once(client, auth, limit):
    sent = seed(client, auth)
    got = [e["id"] for e in count_events(client, auth, limit=limit)
           if e["source"] == "shop"]
    assert sorted(got) == sorted(e["id"] for e in sent)
    assert len(got) == len(set(got))


def test_bad_paging_parameters(client, auth):
    assert client.get("/v1/events?limit=1001", headers=auth).status_code == 422
    assert client.get("/v1/events?cursor=garbage!", headers=auth).status_code == 400
    assert client.get("/v1/events?since=yesterday", headers=auth).status_code == 422
