"""Console: data systems (register, test, preview), records of processing, fulfilment progress and retry."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from sqlalchemy import create_engine, select, text

from privacyhub.extensions import db
from privacyhub.models import AuditEvent, DataSystem, ProcessingActivity
from tests.console import csrf_token
from tests.fulfilment.shop import DATASET, create_shop, snapshot
from tests.fulfilment_support import file_request, register_sql


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def shop_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    create_shop(url)
    return url


def test_admin_registers_tests_and_previews_a_system(console, shop_url):
    admin = console("admin")
    token = csrf_token(admin, "/admin/systems/new/")
    refused = admin.post("/admin/systems/new/", data={
        "csrf_token": token, "name": "shop", "kind": "sql", "url": shop_url,
        "dataset": DATASET.replace("field: products.id", "field: product.id")})
    assert refused.status_code == 422
    assert "shop.collections[order_items].fields[product_id].fides_meta.references[0].field" in refused.get_data(True)
    created = admin.post("/admin/systems/new/", data={
        "csrf_token": token, "name": "shop", "kind": "sql", "url": shop_url, "dataset": DATASET})
    assert created.status_code == 302
    listing = admin.get("/admin/systems/").get_data(True)
    assert "shop" in listing and "Preview plan" in listing
    system = db.session.scalar(select(DataSystem))
    tested = admin.post(f"/admin/systems/{system.id}/test", data={"csrf_token": token}, follow_redirects=True)
    assert "shop answered: collections 10, identities 4" in tested.get_data(True)

    before = snapshot(shop_url)
    page = admin.post(f"/admin/systems/{system.id}/preview", data={
        "csrf_token": token, "type": "erasure", "email": "ada@example.com"}).get_data(True)
    assert snapshot(shop_url) == before
    row = re.search(r"<tr><td>addresses</td><td>delete</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">(\d*)</td>", row) == ["2", "1", "0", "0", "", "1"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"data_system.created", "data_system.tested", "data_system.plan_previewed"} <= actions


def test_auditor_reads_systems_but_changes_nothing(app, console, shop_url):
    system = register_sql("shop", shop_url, DATASET)
    auditor = console("auditor")
    assert auditor.get("/admin/systems/").status_code == 200
    assert auditor.get("/admin/systems/new/").status_code == 403
    assert auditor.get(f"/admin/systems/{system.id}/preview").status_code == 403
    token = csrf_token(auditor, "/admin/systems/")
    assert auditor.post(f"/admin/systems/{system.id}/test", data={"csrf_token": token}).status_code == 403
    assert console("compliance").get("/admin/systems/").status_code == 403


def test_records_of_processing_are_kept_and_exported(console):
    compliance = console("compliance")
    token = csrf_token(compliance, "/admin/processing/new/")
    response = compliance.post("/admin/processing/new/", data={
        "csrf_token": token, "name": "Orders", "purpose": "Delivering orders", "legal_basis": "contract",
        "data_categories": "user.contact, user.financial", "subject_categories": "customers",
        "recipients": "Parcel carrier, Payment provider", "retention": "2 years", "systems": "shop"})
    assert response.status_code == 302, response.get_data(True)
    activity = db.session.scalar(select(ProcessingActivity))
    assert activity.recipients == ["Parcel carrier", "Payment provider"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "processing_activity.created"))
    frame = pd.read_csv(io.BytesIO(compliance.get("/admin/processing/export.csv").data))
    assert frame.loc[0, "recipients"] == "Parcel carrier; Payment provider"
    workbook = pd.read_excel(io.BytesIO(compliance.get("/admin/processing/export.xlsx").data))
    assert list(workbook["name"]) == ["Orders"]
    auditor = console("auditor")
    assert auditor.get("/admin/processing/").status_code == 200
    assert auditor.get("/admin/processing/new/").status_code in (302, 403)
    assert db.session.scalar(select(ProcessingActivity.name)) == "Orders"


def test_failed_system_is_visible_and_retried(app, console, make_api_key, runner, shop_url):
    register_sql("shop", shop_url, DATASET)
    engine = create_engine(shop_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER no_item_delete BEFORE DELETE ON order_items "
                          "BEGIN SELECT RAISE(ABORT, 'order items are locked'); END"))
    key = make_api_key("requests:write", "requests:read")
    request_id = file_request(app.test_client(), key, "erasure", {"email": "ada@example.com"})
    runner.invoke(args=["requests", "process", request_id])
    compliance = console("compliance")
    assert request_id in compliance.get("/admin/fulfilment/").get_data(True)
    page = compliance.get(f"/admin/fulfilment/{request_id}").get_data(True)
    assert "order items are locked" in page and "Retry failed systems" in page
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER no_item_delete"))
    engine.dispose()
    token = csrf_token(compliance, "/admin/fulfilment/")
    assert compliance.post(f"/admin/fulfilment/{request_id}/retry", data={"csrf_token": token}).status_code == 302
    runner.invoke(args=["requests", "process", request_id])
    page = compliance.get(f"/admin/fulfilment/{request_id}").get_data(True)
    assert '<strong id="request-status">completed</strong>' in page
    assert "German tax law (AO 147)" in page
