"""Legal holds on erasure requests: the system reports ``held`` with the hold's id and changes nothing;
the request waits for the hold to end, or completes around it when compliance chooses so."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.holds.register import release_hold
from privacyhub.holds.requests import decide, resume_released_holds
from privacyhub.models import AuditEvent, FulfilmentJob, SubjectRequest
from tests.fulfilment.shop import snapshot
from tests.fulfilment_support import file_request, product_endpoint  # noqa: F401
from tests.retention_support import OFFICER, place_hold


@pytest.fixture
def key(make_api_key):
    return make_api_key("requests:write", "requests:read", "admin")


def process(runner, request_id):
    result = runner.invoke(args=["requests", "process", request_id])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def erasure_of_ada(client, runner, key):
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    return request_id, process(runner, request_id)


def request_of(request_id):
    return db.session.scalar(select(SubjectRequest).where(SubjectRequest.id == request_id))


def test_a_subject_hold_makes_the_erasure_wait_until_released(client, runner, key, shop, shop_url):
    hold = place_hold("subject", identity_type="email", identity_value="ada@example.com")
    before = snapshot(shop_url)
    request_id, outcome = erasure_of_ada(client, runner, key)

    assert outcome["status"] == "in_progress"
    assert outcome["jobs"]["shop"]["status"] == "held"
    assert outcome["systems"]["shop"]["customers"]["held"] == 1
    assert outcome["systems"]["shop"]["customers"]["holds"] == [hold.id]
    assert outcome["holds"] == [{"hold_id": hold.id, "reference": f"HOLD-{hold.id}", "system": "shop",
                                 "rows": outcome["holds"][0]["rows"], "reason": "Litigation: Example v. Shop",
                                 "owner": "counsel@example.com", "in_force": True, "expires_at": None,
                                 "decision": "wait"}]
    assert outcome["holds"][0]["rows"]["orders"] == 2
    assert snapshot(shop_url) == before                               # nothing was erased
    assert process(runner, request_id)["jobs"]["shop"]["status"] == "held"  # still waiting

    assert resume_released_holds() == 0                               # the hold is still in force
    release_hold(hold, OFFICER, "case closed")                        # queues the waiting job at once
    db.session.commit()
    assert db.session.scalar(select(FulfilmentJob)).status == "queued"
    done = process(runner, request_id)
    assert done["status"] == "completed"
    assert [r["id"] for r in snapshot(shop_url)["customers"]] == [2]
    assert "held" not in done["systems"]["shop"]["customers"]


def test_the_sweep_lets_the_erasure_go_on_once_the_hold_expires(client, runner, key, shop, shop_url):
    from datetime import timedelta

    from privacyhub.models.types import utcnow

    expires = utcnow() + timedelta(days=3)
    place_hold("collection", system="shop", collection="support_tickets", expires_at=expires)
    request_id, outcome = erasure_of_ada(client, runner, key)
    assert outcome["jobs"]["shop"]["status"] == "held"
    assert resume_released_holds(expires - timedelta(minutes=1)) == 0
    assert resume_released_holds(expires + timedelta(minutes=1)) == 1
    db.session.commit()
    # the hold has not really expired yet, so the rerun is held again: the sweep only let it try
    assert process(runner, request_id)["jobs"]["shop"]["status"] == "held"


def test_partial_completion_erases_around_a_collection_hold(client, runner, key, shop, shop_url):
    hold = place_hold("collection", system="shop", collection="orders", filter={"id": 10})
    before = snapshot(shop_url)
    request_id, outcome = erasure_of_ada(client, runner, key)
    assert outcome["jobs"]["shop"]["status"] == "held" and outcome["systems"]["shop"]["orders"]["held"] >= 1

    headers = {"Authorization": f"Bearer {key}"}
    assert client.post(f"/v1/requests/{request_id}/hold-decision", json={"decision": "later"},
                       headers=headers).status_code == 422
    decided = client.post(f"/v1/requests/{request_id}/hold-decision", json={"decision": "partial"}, headers=headers)
    assert decided.status_code == 200 and decided.get_json()["jobs"]["shop"]["status"] == "queued"
    done = process(runner, request_id)
    assert done["status"] == "completed"
    report = done["systems"]["shop"]
    # the held order keeps what it points at: Ada's customer row, which keeps her address and her
    # favourite order 11, all untouched and reported held with the hold's id
    assert report["orders"] == {"found": 2, "deleted": 0, "masked": 0, "retained": 0, "shared": 0,
                                "held": 2, "holds": [hold.id]}
    assert (report["customers"]["held"], report["addresses"]["held"]) == (1, 1)
    assert report["order_items"]["deleted"] == 3 and report["support_tickets"]["deleted"] == 2
    after = snapshot(shop_url)
    assert [o["id"] for o in after["orders"]] == [10, 11, 12]
    assert after["customers"] == before["customers"]
    assert [i["id"] for i in after["order_items"]] == [103]          # Ada's items were not held
    assert [t["id"] for t in after["support_tickets"]] == [702]
    assert next(i for i in after["invoices"] if i["id"] == 900)["order_id"] == 10  # its order stayed
    assert done["holds"][0]["decision"] == "partial"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_request.hold_decision"))


def test_a_hold_on_someone_else_changes_nothing(client, runner, key, shop, shop_url):
    place_hold("subject", identity_type="email", identity_value="nobody@example.com")
    _, outcome = erasure_of_ada(client, runner, key)
    assert outcome["status"] == "completed" and outcome["holds"] == []


def test_preview_shows_what_holds_keep(client, key, shop):
    hold = place_hold("subject", identity_type="email", identity_value="ada@example.com")
    response = client.post("/v1/systems/shop/plan", headers={"Authorization": f"Bearer {key}"},
                           json={"type": "erasure", "identities": [{"type": "email", "value": "ada@example.com"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["collections"]["customers"]["holds"] == [hold.id]


def test_http_system_waits_for_a_subject_hold(client, runner, key, app, product_endpoint):  # noqa: F811
    client.post("/v1/systems", headers={"Authorization": f"Bearer {key}"}, json={
        "name": "crm", "kind": "http", "endpoint": product_endpoint.url, "secret": "product-shared-secret-123"})
    hold = place_hold("subject", identity_type="email", identity_value="ada@example.com")
    request_id, outcome = erasure_of_ada(client, runner, key)
    assert outcome["jobs"]["crm"]["status"] == "held" and product_endpoint.received == []
    assert outcome["holds"][0]["hold_id"] == hold.id
    decide(request_of(request_id), "partial", OFFICER)
    db.session.commit()
    assert process(runner, request_id)["status"] == "completed"
    assert product_endpoint.received == []                            # left out: the product cannot spare rows
    job = db.session.scalar(select(FulfilmentJob))
    assert job.status == "completed"
