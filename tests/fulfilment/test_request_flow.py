"""A request from the API to its completion: jobs, report, archive, retry, http systems, shredding."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pandas as pd
import pytest
from sqlalchemy import create_engine, select, text

from privacyhub.dsr.callbacks import sign
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, DeferredErasure, ExportArchive, FulfilmentJob, ProcessingActivity
from tests.fulfilment.shop import DATASET, snapshot
from tests.fulfilment_support import file_request, product_endpoint, register_sql  # noqa: F401


@pytest.fixture(params=["sqlite"])
def shop_url(request, tmp_path):
    """One product backend is enough here: the engine itself is tested on all three."""
    from tests.fulfilment.shop import create_shop
    from tests.product_databases import product_database

    with product_database(request.param, tmp_path) as url:
        create_shop(url)
        yield url


@pytest.fixture
def key(make_api_key):
    return make_api_key("requests:write", "requests:read", "admin")


@pytest.fixture
def shop(app, shop_url):
    return register_sql("shop", shop_url, DATASET)


def process(runner, request_id):
    result = runner.invoke(args=["requests", "process", request_id])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def report_of(client, key, request_id):
    response = client.get(f"/v1/requests/{request_id}/report", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    return response.get_json()


def status_of(client, key, request_id):
    return client.get(f"/v1/requests/{request_id}", headers={"Authorization": f"Bearer {key}"}).get_json()["status"]


def test_erasure_request_completes_with_report(client, runner, key, shop, shop_url):
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    outcome = process(runner, request_id)
    assert outcome["status"] == "completed"
    report = report_of(client, key, request_id)
    assert report["jobs"] == {"shop": {"status": "completed", "attempts": 1, "error": None}}
    shop_report = report["systems"]["shop"]
    assert shop_report["orders"] == {"found": 2, "deleted": 2, "masked": 0, "retained": 0, "shared": 0}
    assert shop_report["addresses"]["shared"] == 1
    assert shop_report["invoices"]["retained"] == 1
    assert shop_report["invoices"]["legal_basis"] == "German tax law (AO 147)"
    assert [r["id"] for r in snapshot(shop_url)["customers"]] == [2]
    deferred = db.session.scalar(select(DeferredErasure))
    assert (deferred.collection, deferred.row_keys) == ("invoices", [[900]])
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert "fulfilment.system_completed" in actions and "subject_request.completed" in actions
    assert actions[-1] == "audit.subject_shredded"


def test_access_archive_matches_the_plan(client, runner, key, shop):
    db.session.add(ProcessingActivity(
        name="Online orders", purpose="Selling and delivering what customers order", legal_basis="contract",
        data_categories=["user.contact", "user.financial"], subject_categories=["customers"],
        recipients=["Parcel carrier"], retention="Orders 2 years; invoices 8 years (tax law)",
        source="the customer", third_country_transfers=None, systems=["shop"]))
    db.session.commit()
    request_id = file_request(client, key, "access", {"email": "ada@example.com"})
    assert process(runner, request_id)["status"] == "completed"
    link = client.get(f"/v1/requests/{request_id}", headers={"Authorization": f"Bearer {key}"}).get_json()
    url = link["results_url"]
    assert "/v1/exports/" in url
    download = client.get(url[url.index("/v1/exports/"):])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    data = json.loads(archive.read("data.json"))
    shop_data = data["systems"]["shop"]
    assert sorted(r["id"] for r in shop_data["orders"]) == [10, 11]
    assert sorted(r["id"] for r in shop_data["customers"]) == [1, 2]
    assert sorted(r["id"] for r in shop_data["support_tickets"]) == [700, 701]
    assert set(shop_data) == {"addresses", "customers", "customer_tags", "invoices", "order_items", "orders",
                              "products", "reviews", "support_tickets", "tags"}
    report = report_of(client, key, request_id)["systems"]["shop"]
    assert {name: len(rows) for name, rows in shop_data.items()} == {n: c["found"] for n, c in report.items()}
    for name, rows in shop_data.items():
        frame = pd.read_csv(io.BytesIO(archive.read(f"csv/shop/{name}.csv")), keep_default_na=False, dtype=str)
        expected = pd.DataFrame([{k: "" if v is None else str(v) for k, v in row.items()} for row in rows])
        pd.testing.assert_frame_equal(frame, expected)
    summary = archive.read("summary.html").decode()
    assert "Selling and delivering what customers order" in summary and "Parcel carrier" in summary
    assert "user.contact.email" in summary
    stored = db.session.scalar(select(ExportArchive))
    assert stored.downloads == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.downloaded")) is not None
    assert client.get("/v1/exports/forged-token").status_code == 404


def test_archive_is_encrypted_on_disk(app, client, runner, key, shop):
    request_id = file_request(client, key, "access", {"email": "ada@example.com"})
    process(runner, request_id)
    stored = db.session.scalar(select(ExportArchive))
    files = list((app.extensions["privacyhub.settings"].export_dir).glob("*.zip.enc"))
    assert [f.name for f in files] == [f"{stored.token}.zip.enc"]
    raw = files[0].read_bytes()
    assert b"ada@example.com" not in raw and not raw.startswith(b"PK")


def test_portability_exports_what_the_subject_provided(client, runner, key, shop):
    request_id = file_request(client, key, "portability", {"email": "ada@example.com"})
    process(runner, request_id)
    url = client.get(f"/v1/requests/{request_id}", headers={"Authorization": f"Bearer {key}"}).get_json()["results_url"]
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get(url[url.index("/v1/"):]).data)).read("data.json"))
    shop_data = data["systems"]["shop"]
    assert "products" not in shop_data and "tags" not in shop_data          # nothing personal, not provided
    assert [r["id"] for r in shop_data["customers"]] == [1]                  # only Ada's own row
    assert set(shop_data["customers"][0]) == {"id", "email", "phone", "name"}  # no pointers


def test_rectification_request(client, runner, key, shop, shop_url):
    request_id = file_request(client, key, "rectification", {"email": "ada@example.com"},
                              corrections=[{"category": "user.name", "value": "Ada King"}])
    assert process(runner, request_id)["status"] == "completed"
    ada = next(r for r in snapshot(shop_url)["customers"] if r["id"] == 1)
    assert ada["name"] == "Ada King"
    assert report_of(client, key, request_id)["systems"]["shop"]["customers"]["rectified"] == 1


def test_failed_system_fails_the_request_and_retry_runs_only_it(client, runner, key, shop, shop_url, tmp_path):
    from tests.fulfilment.shop import create_shop

    other_url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    create_shop(other_url)
    register_sql("other", other_url, DATASET)
    engine = create_engine(other_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER no_item_delete BEFORE DELETE ON order_items "
                          "BEGIN SELECT RAISE(ABORT, 'order items are locked'); END"))
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    outcome = process(runner, request_id)
    assert outcome["status"] == "failed"
    assert outcome["jobs"]["other"]["status"] == "failed"
    assert "order items are locked" in outcome["jobs"]["other"]["error"]
    assert outcome["jobs"]["shop"]["status"] == "completed"
    assert len(snapshot(other_url)["customers"]) == 2                      # the failed system is unchanged

    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER no_item_delete"))
    engine.dispose()
    retried = client.post(f"/v1/requests/{request_id}/retry", headers={"Authorization": f"Bearer {key}"})
    assert retried.status_code == 202
    assert retried.get_json()["jobs"]["other"]["status"] == "queued"
    assert process(runner, request_id)["status"] == "completed"
    jobs = {job.system_id: job.attempts for job in db.session.scalars(select(FulfilmentJob))}
    assert sorted(jobs.values()) == [1, 2]                                   # shop ran once, other twice
    assert [r["id"] for r in snapshot(other_url)["customers"]] == [2]
    assert client.post(f"/v1/requests/{request_id}/retry",
                       headers={"Authorization": f"Bearer {key}"}).status_code == 409


def test_http_system_sync_and_callback(client, runner, key, make_api_key, product_endpoint):  # noqa: F811
    admin = {"Authorization": f"Bearer {key}"}
    secret = "product-shared-secret-123"
    client.post("/v1/systems", headers=admin, json={"name": "crm", "kind": "http",
                                                    "endpoint": product_endpoint.url, "secret": secret})
    product_endpoint.answer = lambda body: (202, {})
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    outcome = process(runner, request_id)
    assert outcome["status"] == "in_progress"
    assert outcome["jobs"]["crm"]["status"] == "waiting"
    job_body = json.loads(product_endpoint.received[-1][1])
    assert job_body["type"] == "erasure" and job_body["identities"] == {"email": ["ada@example.com"]}
    assert job_body["callback_url"].endswith(f"/v1/requests/{request_id}/systems/crm/callback")

    body = json.dumps({"report": {"contacts": {"found": 1, "deleted": 1, "masked": 0, "retained": 0,
                                               "shared": 0}}}).encode()
    path = f"/v1/requests/{request_id}/systems/crm/callback"
    forged = client.post(path, data=body, content_type="application/json",
                         headers={"X-PrivacyHub-Signature": sign(b"wrong-secret-wrong", body, int(time.time()))})
    assert forged.status_code == 401
    stale = client.post(path, data=body, content_type="application/json",
                        headers={"X-PrivacyHub-Signature": sign(secret.encode(), body, int(time.time()) - 3600)})
    assert stale.status_code == 401
    accepted = client.post(path, data=body, content_type="application/json",
                           headers={"X-PrivacyHub-Signature": sign(secret.encode(), body, int(time.time()))})
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["systems"]["crm"]["contacts"]["deleted"] == 1
    assert status_of(client, key, request_id) == "completed"
    replay = client.post(path, data=body, content_type="application/json",
                         headers={"X-PrivacyHub-Signature": sign(secret.encode(), body, int(time.time()))})
    assert replay.status_code == 409


def test_retained_rows_are_erased_when_their_period_ends(client, runner, key, shop, shop_url):
    from datetime import timedelta

    from privacyhub.fulfilment.deferred import run_due_erasures
    from privacyhub.models.types import utcnow

    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    process(runner, request_id)
    assert run_due_erasures() == 0                                  # 8 years to go
    deferred = db.session.scalar(select(DeferredErasure))
    deferred.erase_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert run_due_erasures() == 1
    assert [r["id"] for r in snapshot(shop_url)["invoices"]] == [901]
    assert db.session.scalar(select(DeferredErasure)).done_at is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "fulfilment.retention_ended"))


def test_restriction_is_flagged_and_sent_to_http_systems(client, runner, key, product_endpoint):  # noqa: F811
    from privacyhub.models import SubjectFlag

    client.post("/v1/systems", headers={"Authorization": f"Bearer {key}"}, json={
        "name": "crm", "kind": "http", "endpoint": product_endpoint.url, "secret": "product-shared-secret-123"})
    product_endpoint.answer = lambda body: (200, {"report": {"contacts": {"found": 1}}})
    request_id = file_request(client, key, "restriction", {"email": "ada@example.com"})
    assert process(runner, request_id)["status"] == "completed"
    assert json.loads(product_endpoint.received[-1][1])["type"] == "restriction"
    flag = db.session.scalar(select(SubjectFlag))
    assert flag.kind == "restriction" and re.fullmatch("[0-9a-f]{64}", flag.subject_ref)  # a keyed pseudonym only


def test_http_records_join_the_archive(client, runner, key, shop, product_endpoint):  # noqa: F811
    client.post("/v1/systems", headers={"Authorization": f"Bearer {key}"}, json={
        "name": "crm", "kind": "http", "endpoint": product_endpoint.url, "secret": "product-shared-secret-123"})
    product_endpoint.answer = lambda body: (200, {
        "report": {"contacts": {"found": 1}}, "records": {"contacts": [{"id": 7, "email": "ada@example.com"}]}})
    request_id = file_request(client, key, "access", {"email": "ada@example.com"})
    process(runner, request_id)
    url = client.get(f"/v1/requests/{request_id}", headers={"Authorization": f"Bearer {key}"}).get_json()["results_url"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(url[url.index("/v1/"):]).data))
    data = json.loads(archive.read("data.json"))["systems"]
    assert data["crm"] == {"contacts": [{"id": 7, "email": "ada@example.com"}]}
    assert "orders" in data["shop"]
    assert archive.read("csv/crm/contacts.csv").decode().splitlines() == ["id,email", "7,ada@example.com"]
