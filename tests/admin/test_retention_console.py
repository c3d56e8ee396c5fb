"""Console: retention policies (compliance keeps and runs them, auditors read) and legal holds."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.models import LegalHold, RetentionPolicy, RetentionRun
from tests.console import csrf_token, hub_events
from tests.fulfilment.shop import DATASET, create_shop
from tests.fulfilment_support import file_request, register_sql
from tests.retention.shop import create_app_database, ids
from tests.retention_support import register_app

POLICY_FORM = {"name": "old-sessions", "system": "app", "collection": "sessions", "data_category": "",
               "period_amount": "30", "period_unit": "days", "clock_field": "started_at", "action": "delete",
               "mask_strategy": "", "mask_value": "", "legal_basis": "Security logs are kept 30 days"}


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def product_url(app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    create_app_database(url)
    register_app(url)
    return url


def test_compliance_creates_reviews_enables_and_runs_a_policy(console, product_url):
    officer = console("compliance")
    token = csrf_token(officer, "/admin/retention/new")
    refused = officer.post("/admin/retention/new", data={**POLICY_FORM, "csrf_token": token, "clock_field": "nope"})
    assert refused.status_code == 422 and "has no field" in refused.get_data(True)
    created = officer.post("/admin/retention/new", data={**POLICY_FORM, "csrf_token": token})
    assert created.status_code == 302
    policy = db.session.scalar(select(RetentionPolicy))
    page = officer.get(f"/admin/retention/{policy.id}").get_data(True)
    assert "disabled" in page and "Run now" not in page

    dry = officer.post(f"/admin/retention/{policy.id}/dry-run", data={"csrf_token": token})
    assert dry.status_code == 302 and "/admin/retention/runs/" in dry.headers["Location"]
    review = officer.get(dry.headers["Location"]).get_data(True)
    assert "Nothing was changed" in review and "Enable this policy" in review and "1006" in review
    assert len(ids(product_url, "sessions")) == 12
    run = db.session.scalar(select(RetentionRun))
    csv = officer.get(f"/admin/retention/runs/{run.id}.csv")
    assert pd.read_csv(io.BytesIO(csv.data))["deleted"].tolist() == [run.total("deleted")]

    enabled = officer.post(f"/admin/retention/{policy.id}/enable", data={"csrf_token": token},
                           follow_redirects=True).get_data(True)
    assert "Enabled: beat runs the policy daily." in enabled
    ran = officer.post(f"/admin/retention/{policy.id}/run", data={"csrf_token": token}, follow_redirects=True)
    assert "Run 2 of old-sessions" in ran.get_data(True) and "completed" in ran.get_data(True)
    assert len(ids(product_url, "sessions")) < 12
    assert [e["action"] for e in hub_events("retention_policy.*")] == [
        "retention_policy.created", "retention_policy.enabled"]
    assert [e["action"] for e in hub_events("retention.*")] == ["retention.dry_run", "retention.run_completed"]


def test_auditor_reads_but_changes_nothing(app, console, product_url):
    officer = console("compliance")
    token = csrf_token(officer, "/admin/retention/new")
    officer.post("/admin/retention/new", data={**POLICY_FORM, "csrf_token": token})
    policy = db.session.scalar(select(RetentionPolicy))
    auditor = console("auditor")
    assert auditor.get("/admin/retention/").status_code == 200
    assert auditor.get(f"/admin/retention/{policy.id}").status_code == 200
    assert ">Dry run</button>" not in auditor.get(f"/admin/retention/{policy.id}").get_data(True)
    token = csrf_token(auditor)
    for url in (f"/admin/retention/{policy.id}/dry-run", f"/admin/retention/{policy.id}/enable",
                f"/admin/retention/{policy.id}/run", f"/admin/retention/{policy.id}/delete", "/admin/retention/new",
                "/admin/holds/new"):
        assert auditor.post(url, data={"csrf_token": token}).status_code == 403, url
    assert db.session.scalar(select(RetentionRun)) is None
    assert auditor.get("/admin/holds/").status_code == 200
    assert app.test_client().get("/admin/retention/").status_code == 302


def test_holds_in_the_console_and_on_a_held_request(console, make_api_key, client, runner, tmp_path):
    shop_url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    create_shop(shop_url)
    register_sql("shop", shop_url, DATASET)
    officer = console("compliance")
    token = csrf_token(officer, "/admin/holds/new")
    placed = officer.post("/admin/holds/new", data={
        "csrf_token": token, "scope": "subject", "identity_type": "email", "identity_value": "ada@example.com",
        "system": "", "collection": "", "filter": "", "reason": "Ada's claim", "owner": "counsel@example.com",
        "starts_at": "", "expires_at": "2030-01-01T00:00"})
    assert placed.status_code == 302
    hold = db.session.scalar(select(LegalHold))
    page = officer.get(f"/admin/holds/{hold.id}").get_data(True)
    assert "a***@example.com" in page and "ada@example.com" not in page
    assert "ada@example.com" in officer.post(f"/admin/holds/{hold.id}/reveal",
                                             data={"csrf_token": token}).get_data(True)

    key = make_api_key("requests:write", "requests:read")
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    assert json.loads(runner.invoke(args=["requests", "process", request_id]).output)["status"] == "in_progress"
    detail = officer.get(f"/admin/fulfilment/{request_id}").get_data(True)
    assert f"HOLD-{hold.id}" in detail and "Complete around the held rows" in detail
    assert f"HOLD-{hold.id}" in officer.get(f"/admin/requests/{request_id}").get_data(True)
    assert "Deferred erasures" not in detail
    decided = officer.post(f"/admin/holds/requests/{request_id}/decision",
                           data={"csrf_token": token, "decision": "partial"}, follow_redirects=True)
    assert "Completing around the held rows." in decided.get_data(True)
    outcome = json.loads(runner.invoke(args=["requests", "process", request_id]).output)
    assert outcome["status"] == "completed" and outcome["holds"][0]["decision"] == "partial"
    assert request_id in officer.get(f"/admin/holds/{hold.id}").get_data(True)

    released = officer.post(f"/admin/holds/{hold.id}/release", data={"csrf_token": token, "reason": "settled"},
                            follow_redirects=True).get_data(True)
    assert "released" in released
    assert [e["action"] for e in hub_events("legal_hold.*")] == [
        "legal_hold.placed", "legal_hold.identity_revealed", "legal_hold.released"]


def test_a_request_page_shows_its_deferred_erasure_then_its_completion(console, make_api_key, client, runner,
                                                                        tmp_path):
    from datetime import UTC, datetime

    from privacyhub.fulfilment.deferred import run_due_erasures

    shop_url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    create_shop(shop_url)
    register_sql("shop", shop_url, DATASET)
    key = make_api_key("requests:write", "requests:read")
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    assert json.loads(runner.invoke(args=["requests", "process", request_id]).output)["status"] == "completed"
    officer = console("auditor")
    page = officer.get(f"/admin/fulfilment/{request_id}").get_data(True)
    assert "Deferred erasures" in page and "2033-03-01" in page and "pending" in page
    assert run_due_erasures(now=datetime(2033, 3, 2, tzinfo=UTC)) == 1
    assert "2033-03-02 00:00" in officer.get(f"/admin/fulfilment/{request_id}").get_data(True)
