"""Incidents in the console: role matrix, the record form, drafts, sending, register export, dashboard."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.incidents.notifications import draft_notification
from privacyhub.incidents.record import open_incident, update_incident
from privacyhub.models import AuditEvent, Incident, IncidentNotification
from privacyhub.models.types import utcnow
from tests.console import csrf_token
from tests.factories import OPERATOR_ACTOR, incident_fields

OK, FORBIDDEN, LOGIN = "ok", "forbidden", "login"
READ = {"admin": OK, "compliance": OK, "auditor": OK, None: LOGIN}
WRITE = {"admin": OK, "compliance": OK, "auditor": FORBIDDEN, None: LOGIN}
# (method, url, expected by role); {incident} and {notification} are filled in.
MATRIX = [
    ("GET", "/admin/incidents/", READ),
    ("GET", "/admin/incidents/?status=open", READ),
    ("GET", "/admin/incidents/{incident}", READ),
    ("GET", "/admin/incidents/{incident}/notifications/{notification}", READ),
    ("GET", "/admin/incidents/{incident}/notifications/{notification}/print", READ),
    ("GET", "/admin/incidents/{incident}/notifications/{notification}/pdf", READ),
    ("GET", "/admin/incidents/register.csv", READ),
    ("GET", "/admin/incidents/register.xlsx", READ),
    ("GET", "/admin/incidents/new", WRITE),
    ("GET", "/admin/incidents/{incident}/edit", WRITE),
    ("POST", "/admin/incidents/{incident}/status", WRITE),
    ("POST", "/admin/incidents/{incident}/notes", WRITE),
    ("POST", "/admin/incidents/{incident}/notifications", WRITE),
    ("POST", "/admin/incidents/{incident}/notifications/{notification}/edit", WRITE),
    ("POST", "/admin/incidents/{incident}/notifications/{notification}/regenerate", WRITE),
    ("POST", "/admin/incidents/{incident}/notifications/{notification}/sent", WRITE),
]
CASES = [(m, u, r, e[r]) for m, u, e in MATRIX for r in ("admin", "compliance", "auditor", None)]
POST_DATA = {"status": "contained", "body": "note", "audience": "authority", "phase": "initial",
             "recipient": "DPA", "nature": "edited", "channel": "form", "reference": "R-1"}


def _incident(hours_ago: float = 2, **overrides) -> Incident:
    aware = utcnow() - timedelta(hours=hours_ago)
    incident = open_incident(incident_fields(aware_at=aware, occurred_from=aware - timedelta(days=1),
                                             occurred_to=aware - timedelta(hours=1), **overrides),
                             OPERATOR_ACTOR)
    update_incident(incident, {"authority_decision": "notify"}, OPERATOR_ACTOR)
    db.session.commit()
    return incident


@pytest.fixture
def backend():
    """The console's behaviour does not depend on the database; the domain tests cover both."""
    return "sqlite"


@pytest.fixture
def targets(app):
    incident = _incident()
    notification = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR)
    db.session.commit()
    return {"incident": incident.id, "notification": notification.id}


def _snapshot(targets) -> tuple:
    db.session.expire_all()
    incident = db.session.scalar(select(Incident).where(Incident.id == targets["incident"]))
    notification = db.session.get(IncidentNotification, targets["notification"])
    return (incident.status, len(incident.timeline), len(incident.notifications), notification.status,
            dict(notification.elements))


@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES,
                         ids=[f"{m} {u} {r or 'anonymous'}" for m, u, r, _ in CASES])
def test_role_matrix(app, console, targets, method, url, role, expected):
    client = console(role) if role else app.test_client()
    url = url.format(**targets)
    before = _snapshot(targets)
    if method == "POST":
        data = dict(POST_DATA, csrf_token=csrf_token(client),
                    sent_at=(utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        response = client.post(url, data=data)
    else:
        response = client.get(url)
    status, location = response.status_code, response.headers.get("Location", "")
    if expected == OK:
        assert status in (200, 302, 422), response.get_data(as_text=True)[:300]
        assert "/account/login" not in location
    elif expected == FORBIDDEN:
        assert status == 403
        assert _snapshot(targets) == before
    else:
        assert status == 302 and "/admin/account/login" in location
        assert _snapshot(targets) == before


def test_open_edit_notify_and_export(app, console):
    client = console("compliance")
    page = client.get("/admin/incidents/new")
    assert page.status_code == 200
    token = csrf_token(client, "/admin/incidents/new")
    aware = (utcnow() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": token, "title": "Mail server relayed HR files", "description": "Open relay.",
            "nature": ["confidentiality"], "aware_at": aware, "data_categories": ["user.name", "user.criminal_history"],
            "subject_categories": ["employee"], "subjects_min": "40", "subjects_max": "60", "risk": "risk",
            "risk_rationale": "Employees' records", "authority_decision": "notify", "owner": "hr@example.com"}
    created = client.post("/admin/incidents/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)
    incident = db.session.scalar(select(Incident))
    assert incident.aware_at.strftime("%Y-%m-%dT%H:%M") == aware  # display zone is UTC here
    detail = client.get(created.headers["Location"]).get_data(as_text=True)
    assert 'id="countdown"' in detail and re.search(r"\d+ h \d\d min left", detail)
    assert 'id="criminal-flag"' in detail

    invalid = client.post("/admin/incidents/new", data=dict(form, subjects_min="100"))
    assert invalid.status_code == 422 and "range is reversed" in invalid.get_data(as_text=True)

    drafted = client.post(f"/admin/incidents/{incident.id}/notifications",
                          data={"csrf_token": token, "audience": "authority", "phase": "initial"})
    notification = db.session.scalar(select(IncidentNotification))
    assert drafted.headers["Location"].endswith(f"/notifications/{notification.id}")
    base = f"/admin/incidents/{incident.id}/notifications/{notification.id}"
    sent = {"csrf_token": token, "sent_at": utcnow().strftime("%Y-%m-%dT%H:%M"), "channel": "DPA portal",
            "reference": "DPA-77"}
    refused = client.post(base + "/sent", data=sent)
    assert refused.status_code == 422 and "required elements are empty" in refused.get_data(as_text=True)
    elements = dict(notification.elements, recipient="Berlin DPA", contact_point="DPO, dpo@example.com",
                    consequences="Exposure of HR files.", measures="Relay closed.", csrf_token=token)
    assert client.post(base + "/edit", data=elements).status_code == 302
    assert client.post(base + "/sent", data=sent).status_code == 302
    db.session.expire_all()
    assert notification.is_sent and notification.reference == "DPA-77" and incident.status == "notified"
    assert "Relay closed." in client.get(base + "/print").get_data(as_text=True)
    assert client.get(base + "/pdf").data.startswith(b"%PDF")

    csv = client.get("/admin/incidents/register.csv")
    frame = pd.read_csv(io.BytesIO(csv.data), encoding="utf-8-sig")
    assert list(frame["reference"]) == [incident.reference] and frame["authority_reference"][0] == "DPA-77"
    xlsx = pd.read_excel(io.BytesIO(client.get("/admin/incidents/register.xlsx").data))
    assert list(xlsx["title"]) == ["Mail server relayed HR files"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"incident.opened", "incident.notification_drafted", "incident.notification_edited",
            "incident.notification_sent", "incident.register_exported", "incident.notification_exported"} <= actions


def test_dashboard_shows_running_clocks_and_escalations(app, console):
    from privacyhub.incidents.escalation import escalate_incident_deadlines

    incident = _incident(30, title="Laptop stolen")
    escalate_incident_deadlines()
    db.session.commit()
    page = console("auditor").get("/admin/").get_data(as_text=True)
    assert 'id="incident-clocks"' in page and "Laptop stolen" in page and incident.reference in page
    assert "escalated: 48 hours left" in page


def test_opened_from_an_audit_event(app, console):
    from privacyhub.audit.ingest import record_hub_event

    record_hub_event("storage.public", {"type": "test", "id": "t"})
    db.session.commit()
    event_id = db.session.scalar(select(AuditEvent.id))
    client = console("compliance")
    event_page = client.get(f"/admin/events/{event_id}").get_data(as_text=True)
    link = re.search(r'id="open-incident" href="([^"]+)"', event_page).group(1).replace("&amp;", "&")
    form_page = client.get(link).get_data(as_text=True)
    assert f'value="{event_id}"' in form_page
    form = {"csrf_token": csrf_token(client, link), "title": "Bucket made public", "audit_event_id": event_id,
            "aware_at": utcnow().strftime("%Y-%m-%dT%H:%M")}
    assert client.post("/admin/incidents/new", data=form).status_code == 302
    assert db.session.scalar(select(Incident)).audit_event_id == event_id
    assert 'id="open-incident"' not in console("auditor").get(f"/admin/events/{event_id}").get_data(as_text=True)


def test_opened_from_a_request(app, console):
    from privacyhub.dsr.actors import SYSTEM
    from privacyhub.dsr.intake import RequestDraft, file_request

    filed = file_request(RequestDraft(type="access", identities=[("email", "someone@example.com")],
                                      identity_verified=True), channel="api", source="shop", actor=SYSTEM)
    db.session.commit()
    request_id = filed.request.id
    client = console("compliance")
    page = client.get(f"/admin/requests/{request_id}").get_data(as_text=True)
    link = re.search(r'id="open-incident" href="([^"]+)"', page).group(1)
    assert f'value="{request_id}"' in client.get(link).get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, link), "title": "Export sent to the wrong person",
            "request_id": request_id, "aware_at": utcnow().strftime("%Y-%m-%dT%H:%M")}
    assert client.post("/admin/incidents/new", data=form).status_code == 302
    incident = db.session.scalar(select(Incident))
    assert incident.request_id == request_id
    assert request_id in client.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
