"""The console's side of the tamper-evident log: proof status on the event page, checkpoints, verify as a job."""

from __future__ import annotations

import re

import pytest

from privacyhub.audit.sealer import SealPolicy, seal_pending_events
from privacyhub.extensions import db
from privacyhub.models import AuditVerification
from tests.audit.conftest import delete_rows_at, raw
from tests.factories import event_payload


@pytest.fixture
def posted(client, auth):
    events = [event_payload(i) for i in range(6)]
    assert client.post("/v1/events", json={"events": events}, headers=auth).status_code == 201
    return events


def seal() -> None:
    seal_pending_events(SealPolicy(), force_checkpoint=True)


def proof_state(page: str) -> str:
    return re.search(r'id="proof-status" data-state="([a-z]+)"', page).group(1)


def test_event_page_shows_its_proof_status(console, posted):
    auditor = console("auditor")
    page = auditor.get(f"/admin/events/{posted[2]['id']}").get_data(as_text=True)
    assert proof_state(page) == "unsealed"
    seal()
    page = auditor.get(f"/admin/events/{posted[2]['id']}").get_data(as_text=True)
    assert proof_state(page) == "verified"
    assert re.search(r"is leaf \d+ of the log of \d+ leaves", page)


def test_event_page_shows_a_tampered_event_does_not_verify(console, posted):
    seal()
    raw("UPDATE audit_events SET action = 'user.logout' WHERE id = :id", id=posted[1]["id"])
    page = console("compliance").get(f"/admin/events/{posted[1]['id']}").get_data(as_text=True)
    assert proof_state(page) == "failed"
    assert "does not lead from leaf" in page


def test_checkpoints_view_lists_signed_checkpoints(console, posted):
    seal()
    page = console("auditor").get("/admin/audit-log/").get_data(as_text=True)
    sizes = re.findall(r'<tr data-tree-size="(\d+)">', page)
    assert sizes and all(int(s) > 0 for s in sizes)
    assert "does not verify" not in page and page.count(">valid<") == len(sizes)
    raw("UPDATE audit_checkpoints SET signature = :s", s=bytes(64))
    assert "does not verify" in console("auditor").get("/admin/audit-log/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "compliance", "auditor"])
def test_every_role_can_run_verify_as_a_job(app, console, posted, role, monkeypatch):
    seal()
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, args: sent.append((name, args)))
    operator = console(role)
    page = operator.get("/admin/audit-log/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = operator.post("/admin/audit-log/verify", data={"csrf_token": token})
    assert response.status_code == 302
    assert len(sent) == 1 and sent[0][0] == "tasks.audit.verify_audit_log"
    from tasks.audit import verify_audit_log

    verify_audit_log.apply(args=sent[0][1])
    page = operator.get("/admin/audit-log/").get_data(as_text=True)
    assert 'data-status="passed"' in page and "OK: " in page
    run = db.session.get(AuditVerification, sent[0][1][0])
    assert run.requested_by == operator.operator.email


def test_verify_button_needs_csrf(console, posted):
    response = console("admin").post("/admin/audit-log/verify", data={})
    assert response.status_code == 400
    assert db.session.query(AuditVerification).count() == 0


def test_failed_verification_shows_the_index(app, console, sealed_log_console, monkeypatch):
    delete_rows_at("= 3")
    sent = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, args: sent.append((name, args)))
    operator = console("auditor")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      operator.get("/admin/audit-log/").get_data(as_text=True)).group(1)
    operator.post("/admin/audit-log/verify", data={"csrf_token": token})
    from tasks.audit import verify_audit_log

    verify_audit_log.apply(args=sent[0][1])
    page = operator.get("/admin/audit-log/").get_data(as_text=True)
    assert 'data-status="failed"' in page and "leaf 3: the row was removed" in page


@pytest.fixture
def sealed_log_console(posted):
    seal()
    return posted


def test_explorer_exports_its_matches_and_audits_it(console, posted):
    import io

    import pandas as pd
    import pyarrow.parquet as pq

    operator = console("auditor")
    page = operator.get("/admin/events/?action=user.login").get_data(as_text=True)
    link = re.search(r'id="export-csv" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = operator.get(link, buffered=True)  # read the stream inside the request's own context
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert list(pd.read_csv(io.BytesIO(response.data))["id"]) == [e["id"] for e in posted]
    parquet = operator.get("/admin/events/export?format=parquet&subject=person1%40example.com", buffered=True)
    assert pq.ParquetFile(io.BytesIO(parquet.data)).read().to_pandas()["id"].tolist() == [posted[1]["id"]]
    assert operator.get("/admin/events/export?format=xlsx").status_code == 400
    exported = operator.get("/admin/events/?action=audit.exported").get_data(as_text=True)
    assert exported.count('class="event-row"') == 2 and "person1@example.com" not in exported
