"""OpenGDPR intake against the examples of the spec.

The example payloads and the key sets below are taken from the OpenGDPR specification
(v0.1.4, ``OpenGDPR_specification.md`` in github.com/opengdpr/OpenDSR): discovery 6.4,
request 7.2, response 7.4, error 7.7, status 8.4, callback 8.7, cancellation 9.3.
"""

import base64
import json

import pytest

from privacyhub.dsr.opengdpr_signing import verify_body
from privacyhub.extensions import db
from tests.dsr_support import callback_receiver  # noqa: F401

# Section 7.2, with the example's stray trailing comma removed so it is valid JSON.
SPEC_REQUEST = {
    "subject_request_id": "a7551968-d5d6-44b2-9831-815ac9017798",
    "subject_request_type": "erasure",
    "submitted_time": "2018-10-02T15:00:00Z",
    "subject_identities": [
        {"identity_type": "email", "identity_value": "johndoe@example.com", "identity_format": "raw"}
    ],
    "api_version": "0.1",
    "status_callback_urls": ["https://examplecontroller.com/opengdpr_callbacks"],
    "extensions": {
        "example-processor.com": {"foo-processor-custom-id": 123456, "property_id": "123456"},
        "example-other-processor.com": {"foo-other-processor-custom-id": 654321},
    },
}
RESPONSE_KEYS = {"controller_id", "expected_completion_time", "received_time", "encoded_request", "subject_request_id"}
STATUS_KEYS = {"controller_id", "expected_completion_time", "subject_request_id", "request_status", "api_version"}
CANCEL_KEYS = {"controller_id", "subject_request_id", "received_time", "encoded_request", "api_version"}
CALLBACK_KEYS = {"controller_id", "expected_completion_time", "status_callback_url", "subject_request_id",
                 "request_status"}


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def controller(make_api_key):
    return {"Authorization": f"Bearer {make_api_key('requests:write', 'requests:read', name='example_controller_id')}"}


@pytest.fixture
def certificate(client):
    discovery = client.get("/opengdpr/v1/discovery").get_json()
    path = discovery["processor_certificate"].split("localhost:5000", 1)[1]
    return client.get(path).data


def assert_signed(response, certificate):
    assert response.headers["X-OpenGDPR-Processor-Domain"] == "localhost"
    assert verify_body(response.data, response.headers["X-OpenGDPR-Signature"], certificate)
    assert not verify_body(response.data + b" ", response.headers["X-OpenGDPR-Signature"], certificate)


def test_discovery_matches_the_spec_shape(client, certificate):
    response = client.get("/opengdpr/v1/discovery")
    body = response.get_json()
    assert set(body) == {"api_version", "supported_identities", "supported_subject_request_types",
                         "processor_certificate"}
    assert {"identity_type": "email", "identity_format": "raw"} in body["supported_identities"]
    assert set(body["supported_subject_request_types"]) == {"access", "portability", "erasure"}
    assert body["processor_certificate"].endswith("/opengdpr/v1/cert.pem")
    assert certificate.startswith(b"-----BEGIN CERTIFICATE-----")
    assert_signed(response, certificate)


def test_certificate_and_key_are_kept_in_the_instance_with_mode_0600(app, client):
    import os

    client.get("/opengdpr/v1/cert.pem")
    settings = app.extensions["privacyhub.settings"]
    for path in (settings.opengdpr_key_file, settings.opengdpr_cert_file):
        assert path.parent == settings.instance_path and oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_spec_request_example_is_accepted_with_the_spec_response(client, controller, certificate):
    response = client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == RESPONSE_KEYS
    assert body["subject_request_id"] == SPEC_REQUEST["subject_request_id"]
    assert body["controller_id"] == "example_controller_id"
    assert json.loads(base64.b64decode(body["encoded_request"])) == SPEC_REQUEST
    for key in ("expected_completion_time", "received_time"):
        assert body[key].endswith("Z") and len(body[key]) == 20
    assert_signed(response, certificate)


def test_spec_request_becomes_a_verified_erasure_request(client, controller):
    from privacyhub.dsr.identities import identity_value
    from privacyhub.models import SubjectRequest

    client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    request = db.session.query(SubjectRequest).one()
    assert (request.type, request.channel, request.status) == ("erasure", "opengdpr", "pending")
    assert identity_value(request, "email") == "johndoe@example.com"


def test_status_matches_the_spec_shape(client, controller, certificate):
    client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    response = client.get(f"/opengdpr/v1/opengdpr_requests/{SPEC_REQUEST['subject_request_id']}", headers=controller)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == STATUS_KEYS
    assert body["request_status"] == "pending" and body["api_version"] == "0.1"
    assert_signed(response, certificate)


@pytest.mark.parametrize(("status", "expected"), [
    ("pending", "pending"), ("awaiting_approval", "pending"), ("in_progress", "in_progress"),
    ("failed", "in_progress"), ("completed", "completed"), ("cancelled", "cancelled"), ("denied", "cancelled"),
])
def test_status_mapping(client, controller, status, expected):
    from privacyhub.models import SubjectRequest

    client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    db.session.query(SubjectRequest).one().status = status
    db.session.commit()
    body = client.get(f"/opengdpr/v1/opengdpr_requests/{SPEC_REQUEST['subject_request_id']}",
                      headers=controller).get_json()
    assert body["request_status"] == expected


def test_cancellation_matches_the_spec_shape(client, controller, certificate):
    client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    response = client.delete(f"/opengdpr/v1/opengdpr_requests/{SPEC_REQUEST['subject_request_id']}",
                             headers=controller)
    assert response.status_code == 202
    assert set(response.get_json()) == CANCEL_KEYS
    assert_signed(response, certificate)
    again = client.delete(f"/opengdpr/v1/opengdpr_requests/{SPEC_REQUEST['subject_request_id']}", headers=controller)
    assert again.status_code == 409


def test_malformed_request_gets_the_spec_error_object(client, controller, certificate):
    payload = {k: v for k, v in SPEC_REQUEST.items() if k != "subject_request_id"}
    response = client.post("/opengdpr/v1/opengdpr_requests", json=payload, headers=controller)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400 and error["message"]
    assert error["errors"] and {"domain", "reason", "message"} <= set(error["errors"][0])
    assert "subject_request_id" in error["errors"][0]["message"]
    assert_signed(response, certificate)


@pytest.mark.parametrize("change", [
    {"subject_request_type": "rectification"},
    {"subject_identities": [{"identity_type": "email", "identity_value": "x@example.com", "identity_format": "md5"}]},
    {"subject_identities": []},
    {"subject_request_id": "not-a-uuid"},
    {"submitted_time": "yesterday"},
])
def test_unsupported_values_are_400(client, controller, change):
    response = client.post("/opengdpr/v1/opengdpr_requests", json={**SPEC_REQUEST, **change}, headers=controller)
    assert response.status_code == 400


def test_resending_is_idempotent_and_a_different_body_conflicts(client, controller):
    first = client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    second = client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["received_time"] == second.get_json()["received_time"]
    other = client.post("/opengdpr/v1/opengdpr_requests", json={**SPEC_REQUEST, "subject_request_type": "access"},
                        headers=controller)
    assert other.status_code == 409


def test_other_controllers_cannot_see_the_request(client, controller, make_api_key):
    client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST, headers=controller)
    other = {"Authorization": f"Bearer {make_api_key('requests:read', name='other')}"}
    assert client.get(f"/opengdpr/v1/opengdpr_requests/{SPEC_REQUEST['subject_request_id']}",
                      headers=other).status_code == 404
    assert client.get("/opengdpr/v1/discovery").status_code == 200  # discovery is public
    assert client.post("/opengdpr/v1/opengdpr_requests", json=SPEC_REQUEST).status_code == 401


def test_callbacks_match_the_spec_and_verify(client, controller, certificate, callback_receiver):  # noqa: F811
    from privacyhub.dsr.actors import Actor
    from privacyhub.dsr.lifecycle import transition
    from privacyhub.models import CallbackDelivery, SubjectRequest
    from tasks.requests import deliver_callback

    payload = {**SPEC_REQUEST, "status_callback_urls": [callback_receiver.url]}
    client.post("/opengdpr/v1/opengdpr_requests", json=payload, headers=controller)
    request = db.session.query(SubjectRequest).one()
    transition(request, "in_progress", Actor.operator("olga"))
    db.session.commit()
    for delivery in db.session.query(CallbackDelivery).order_by(CallbackDelivery.id):
        deliver_callback.apply(args=[delivery.id])
    assert len(callback_receiver.received) == 2
    for item, status in zip(callback_receiver.received, ["pending", "in_progress"], strict=True):
        body = item.json()
        assert set(body) == CALLBACK_KEYS
        assert body["request_status"] == status and body["status_callback_url"] == callback_receiver.url
        assert body["subject_request_id"] == SPEC_REQUEST["subject_request_id"]
        assert item.headers["X-OpenGDPR-Processor-Domain"] == "localhost"
        assert verify_body(item.body, item.headers["X-OpenGDPR-Signature"], certificate)


def test_openapi_documents_opengdpr(client):
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    assert {"/opengdpr/v1/discovery", "/opengdpr/v1/opengdpr_requests",
            "/opengdpr/v1/opengdpr_requests/{subject_request_id}"} <= set(paths)
    assert {"post"} <= set(paths["/opengdpr/v1/opengdpr_requests"])
    assert {"get", "delete"} <= set(paths["/opengdpr/v1/opengdpr_requests/{subject_request_id}"])
