"""``/v1/systems`` and ``privacyhub systems``: registration, secrets at rest, validation, tests, previews."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.models import AuditEvent, DataSystem
from tests.fulfilment.shop import DATASET, create_shop, snapshot
from tests.fulfilment_support import product_endpoint  # noqa: F401
from tests.product_databases import product_database


@pytest.fixture
def shop_url(tmp_path: Path):
    with product_database("sqlite", tmp_path) as url:
        create_shop(url)
        yield url


@pytest.fixture
def admin_headers(make_api_key):
    return {"Authorization": f"Bearer {make_api_key('admin')}"}


def test_register_list_show_and_remove(client, admin_headers, shop_url):
    response = client.post("/v1/systems", headers=admin_headers,
                           json={"name": "shop", "kind": "sql", "url": shop_url, "dataset": DATASET})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["annotated"] is True
    listed = client.get("/v1/systems", headers=admin_headers).get_json()["systems"]
    assert [s["name"] for s in listed] == ["shop"]
    assert client.get("/v1/systems/shop", headers=admin_headers).get_json()["kind"] == "sql"
    assert client.post("/v1/systems", headers=admin_headers,
                       json={"name": "shop", "kind": "sql", "url": shop_url}).status_code == 409
    assert client.delete("/v1/systems/shop", headers=admin_headers).status_code == 204
    assert client.get("/v1/systems/shop", headers=admin_headers).status_code == 404
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("data_system.%"))))
    assert actions == ["data_system.created", "data_system.removed"]


def test_connection_secret_is_encrypted_at_rest(client, admin_headers, shop_url):
    url = "postgresql+psycopg://app:s3cret-pw@127.0.0.1:5432/shop"
    # the annotation needs the live database, so register the secret-bearing URL without one
    response = client.post("/v1/systems", headers=admin_headers,
                           json={"name": "pg", "kind": "http", "endpoint": "http://127.0.0.1:9/x",
                                 "secret": "a-very-long-shared-secret"})
    assert response.status_code == 201
    system = db.session.scalar(select(DataSystem).where(DataSystem.name == "pg"))
    assert b"a-very-long-shared-secret" not in system.config_sealed
    from privacyhub.systems.sql import SqlConfig, SqlConnector

    assert SqlConnector.location(SqlConfig(url=url)) == "postgresql+psycopg://app:***@127.0.0.1:5432/shop"
    sealed = SqlConnector.seal(SqlConfig(url=url))
    assert b"s3cret-pw" not in sealed and b"app" not in sealed


def test_invalid_annotation_is_refused_with_its_path(client, admin_headers, shop_url):
    broken = DATASET.replace("field: products.id", "field: product.id").replace(
        "[user.contact.address.city]", "[user.contact.adress.city]")
    response = client.post("/v1/systems", headers=admin_headers,
                           json={"name": "shop", "kind": "sql", "url": shop_url, "dataset": broken})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"path": "shop.collections[addresses].fields[city].data_categories[0]",
         "message": "data category 'user.contact.adress.city' is not in the fideslang taxonomy"},
        {"path": "shop.collections[order_items].fields[product_id].fides_meta.references[0].field",
         "message": "dangling reference: no collection 'product'"},
    ]
    assert db.session.scalar(select(DataSystem)) is None


def test_annotation_naming_missing_columns_is_refused(client, admin_headers, shop_url):
    response = client.post("/v1/systems", headers=admin_headers, json={
        "name": "shop", "kind": "sql", "url": shop_url,
        "dataset": DATASET.replace("name: quantity", "name: qty")})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{
        "path": "shop.collections[order_items].fields[qty]",
        "message": "unknown field: table 'order_items' has no column 'qty'"}]


def test_admin_scope_is_required(client, make_api_key, shop_url):
    headers = {"Authorization": f"Bearer {make_api_key('requests:write', 'requests:read')}"}
    assert client.get("/v1/systems", headers=headers).status_code == 403
    assert client.post("/v1/systems", headers=headers, json={}).status_code == 403


def test_test_connection_and_plan_preview(client, admin_headers, shop_url):
    client.post("/v1/systems", headers=admin_headers,
                json={"name": "shop", "kind": "sql", "url": shop_url, "dataset": DATASET})
    tested = client.post("/v1/systems/shop/test", headers=admin_headers)
    assert tested.status_code == 200
    assert tested.get_json() == {"ok": True, "collections": 10, "identities": 4}
    before = snapshot(shop_url)
    preview = client.post("/v1/systems/shop/plan", headers=admin_headers, json={
        "type": "erasure", "identities": [{"type": "email", "value": "ada@example.com"}]}).get_json()
    assert snapshot(shop_url) == before
    assert preview["collections"]["addresses"] == {"found": 2, "deleted": 1, "masked": 0, "retained": 0, "shared": 1}
    assert preview["actions"]["invoices"] == "retain"
    assert preview["collections"]["invoices"]["retained"] == 1


def test_unreachable_system_reports_502(client, admin_headers, tmp_path):
    client.post("/v1/systems", headers=admin_headers, json={
        "name": "down", "kind": "http", "endpoint": "http://127.0.0.1:9/jobs", "secret": "x" * 20})
    response = client.post("/v1/systems/down/test", headers=admin_headers)
    assert response.status_code == 502
    assert "cannot reach the system" in response.get_json()["detail"]
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data_system.tested"))
    assert failed.outcome == "failure"


def test_http_system_test_is_signed(client, admin_headers, product_endpoint):  # noqa: F811
    client.post("/v1/systems", headers=admin_headers, json={
        "name": "crm", "kind": "http", "endpoint": product_endpoint.url, "secret": "s" * 24})
    assert client.post("/v1/systems/crm/test", headers=admin_headers).get_json() == {"ok": True, "status": 200}
    headers, raw = product_endpoint.received[0]
    from privacyhub.dsr.callbacks import verify_signature

    verify_signature(b"s" * 24, raw, headers["X-PrivacyHub-Signature"])


def test_cli_add_and_test(runner, shop_url, tmp_path):
    dataset = tmp_path / "shop.yml"
    dataset.write_text(DATASET)
    added = runner.invoke(args=["systems", "add", "shop", "--kind", "sql", "--url", shop_url,
                                "--dataset", str(dataset)])
    assert added.exit_code == 0, added.output
    assert "registered shop (sql)" in added.output
    tested = runner.invoke(args=["systems", "test", "shop"])
    assert tested.exit_code == 0 and '"ok": true' in tested.output
    dataset.write_text(DATASET.replace("identity: email", "identity: email", 1).replace("name: street", "name: st"))
    refused = runner.invoke(args=["systems", "add", "other", "--kind", "sql", "--url", shop_url,
                                  "--dataset", str(dataset)])
    assert refused.exit_code != 0
    assert "shop.collections[addresses].fields[st]: unknown field" in refused.output


def test_openapi_documents_the_systems_api(client):
    paths = client.get("/v1/openapi.json").get_json()["paths"]
    for path in ("/v1/systems", "/v1/systems/{name}", "/v1/systems/{name}/test", "/v1/systems/{name}/plan",
                 "/v1/requests/{request_id}/report", "/v1/requests/{request_id}/retry", "/v1/exports/{token}"):
        assert path in paths
