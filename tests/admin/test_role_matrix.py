"""Who may open what: every console view x every role x signed out, with the expected outcome."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from admin.secured import SecuredView
from privacyhub.audit.ingest import record_hub_event
from privacyhub.extensions import db
from privacyhub.models import ApiKey, AuditEvent, Operator
from tests.console import csrf_token

OK, FORBIDDEN, LOGIN, HOME = "ok", "forbidden", "login", "home"
ALL = {"admin": OK, "compliance": OK, "auditor": OK, None: LOGIN}
ADMIN_ONLY = {"admin": OK, "compliance": FORBIDDEN, "auditor": FORBIDDEN, None: LOGIN}
# Flask-Admin's built-in edit/delete/details are switched off: admins are sent back to the list.
SWITCHED_OFF = {"admin": "list", "compliance": FORBIDDEN, "auditor": FORBIDDEN, None: LOGIN}
SIGNED_OUT_ONLY = {"admin": HOME, "compliance": HOME, "auditor": HOME, None: OK}

# (method, url template, expected outcome by role); {key}, {operator}, {event} are filled in.
MATRIX = [
    ("GET", "/admin/", ALL),
    ("GET", "/admin/events/", ALL),
    ("GET", "/admin/events/?action=operator.*&since=2020-01-01T00:00", ALL),
    ("GET", "/admin/events/{event}", ALL),
    ("POST", "/admin/events/{event}/reveal", ALL),
    ("GET", "/admin/account/", ALL),
    ("GET", "/admin/account/password", ALL),
    ("GET", "/admin/account/two-factor", ALL),
    ("GET", "/admin/account/login", SIGNED_OUT_ONLY),
    ("GET", "/admin/api-keys/", ADMIN_ONLY),
    ("GET", "/admin/api-keys/new/", ADMIN_ONLY),
    ("POST", "/admin/api-keys/{key}/revoke", ADMIN_ONLY),
    ("GET", "/admin/api-keys/edit/?id={key}", SWITCHED_OFF),
    ("POST", "/admin/api-keys/delete/", SWITCHED_OFF),
    ("GET", "/admin/operators/", ADMIN_ONLY),
    ("GET", "/admin/operators/new/", ADMIN_ONLY),
    ("GET", "/admin/operators/{operator}/", ADMIN_ONLY),
    ("POST", "/admin/operators/{operator}/role", ADMIN_ONLY),
    ("POST", "/admin/operators/{operator}/unlock", ADMIN_ONLY),
    ("POST", "/admin/operators/{operator}/reset-password", ADMIN_ONLY),
    ("POST", "/admin/operators/{operator}/reset-two-factor", ADMIN_ONLY),
    ("POST", "/admin/operators/{operator}/deactivate", ADMIN_ONLY),
    ("POST", "/admin/operators/{operator}/reactivate", ADMIN_ONLY),
    ("GET", "/admin/operators/edit/?id={operator}", SWITCHED_OFF),
    ("POST", "/admin/operators/delete/", SWITCHED_OFF),
]
ROLES = ("admin", "compliance", "auditor", None)
CASES = [(method, url, role, expected[role]) for method, url, expected in MATRIX for role in ROLES]


@pytest.fixture
def targets(make_operator, make_api_key):
    """A key, an operator (with TOTP, locked) and an event for the views to act on."""
    make_api_key("events:read", name="target-key")
    other = make_operator("auditor", email="target@example.com", totp=True)
    db.session.get(Operator, other.id).failed_logins = 10
    record_hub_event("test.matrix", {"type": "test", "id": "matrix"})
    db.session.commit()
    return {"key": db.session.query(ApiKey).filter_by(name="target-key").one().id, "operator": other.id,
            "event": db.session.query(AuditEvent).filter_by(action="test.matrix").one().id}


def state() -> tuple:
    """Everything a forbidden request must leave untouched."""
    key = db.session.query(ApiKey).filter_by(name="target-key").one()
    operator = db.session.query(Operator).filter_by(email="target@example.com").one()
    db.session.refresh(key)
    db.session.refresh(operator)
    return (key.revoked_at, operator.role, operator.password_hash, operator.totp_enabled_at, operator.failed_logins,
            operator.deactivated_at, operator.session_token)


@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES,
                         ids=[f"{m} {u} {r or 'anonymous'}" for m, u, r, _ in CASES])
def test_role_matrix(app, console, targets, method, url, role, expected):
    client = console(role) if role else app.test_client()
    url = url.format(**targets)
    before = state()
    if method == "POST":
        response = client.post(url, data={"csrf_token": csrf_token(client), "id": targets["key"], "role": "compliance"})
    else:
        response = client.get(url)
    status, location = response.status_code, response.headers.get("Location", "")
    if expected == OK:
        assert status in (200, 302), response.get_data(as_text=True)[:500]
        assert "/account/login" not in location or url.endswith("/login")
    elif expected == FORBIDDEN:
        assert status == 403
        assert "does not give access" in response.get_data(as_text=True)
    elif expected == LOGIN:
        assert status == 302 and location.startswith("/admin/account/login?next=")
    elif expected == HOME:
        assert status == 302 and location == "/admin/"
    elif expected == "list":
        assert status == 302 and location.rstrip("/").endswith(url.split("/")[2])
    if expected != OK:
        assert state() == before, "a refused request changed something"


def test_menu_shows_only_what_the_role_may_open(console):
    admin_page = console("admin").get("/admin/").get_data(as_text=True)
    auditor_page = console("auditor").get("/admin/").get_data(as_text=True)
    for link in ('href="/admin/events/"', 'href="/admin/api-keys/"', 'href="/admin/operators/"'):
        assert link in admin_page
    assert 'href="/admin/events/"' in auditor_page
    assert 'href="/admin/api-keys/"' not in auditor_page and 'href="/admin/operators/"' not in auditor_page


def test_every_console_view_extends_the_secured_base(app):
    views = app.extensions["admin"][0]._views
    assert len(views) >= 5
    assert [type(v).__name__ for v in views if not isinstance(v, SecuredView)] == []


def test_signed_out_every_console_url_leads_to_sign_in(app, client):
    """Whatever views are added later, none of their URLs answers anyone not signed in."""
    token = csrf_token(client)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin/") or rule.endpoint.endswith("static") or "login" in rule.rule:
            continue
        values = {arg: 1 if isinstance(rule._converters[arg], IntegerConverter) else "x" for arg in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/admin/account/login"), (method, url)
            checked += 1
    assert checked > 30
