"""Every console form carries a CSRF token, and a post without a valid one changes nothing."""

from __future__ import annotations

import re

import pytest

from privacyhub.extensions import db
from privacyhub.models import ApiKey, AuditEvent
from tests.console import PASSWORD, csrf_token

FORM = re.compile(r'<form[^>]*method="post"[^>]*>(.*?)</form>', re.S | re.I)


def test_sign_in_without_token_is_rejected(app, make_operator):
    operator = make_operator("auditor")
    client = app.test_client()
    events_before = db.session.query(AuditEvent).count()
    response = client.post("/admin/account/login", data={"email": operator.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert db.session.query(AuditEvent).count() == events_before


@pytest.mark.parametrize("token", [None, "forged", "other-session"])
def test_api_key_form_without_valid_token_creates_nothing(app, console, token):
    admin = console("admin")
    if token == "other-session":
        token = csrf_token(app.test_client())
    data = {"name": "sneaky", "scopes": ["admin"], **({"csrf_token": token} if token else {})}
    response = admin.post("/admin/api-keys/new/", data=data)
    assert response.status_code == 400
    assert db.session.query(ApiKey).filter_by(name="sneaky").count() == 0


def test_revoke_and_sign_out_without_token_do_nothing(console, make_api_key):
    make_api_key("events:read", name="keep")
    key = db.session.query(ApiKey).filter_by(name="keep").one()
    admin = console("admin")
    assert admin.post(f"/admin/api-keys/{key.id}/revoke").status_code == 400
    db.session.refresh(key)
    assert key.revoked_at is None
    assert admin.post("/admin/account/logout").status_code == 400
    assert admin.get("/admin/").status_code == 200


def test_every_post_form_on_every_page_has_a_token(console, make_api_key):
    make_api_key("events:read", name="listed")
    admin = console("admin")
    pages = ["/admin/", "/admin/events/", "/admin/api-keys/", "/admin/api-keys/new/", "/admin/operators/",
             "/admin/operators/new/", f"/admin/operators/{admin.operator.id}/", "/admin/account/",
             "/admin/account/password", "/admin/account/two-factor"]
    forms = 0
    for page in pages:
        for body in FORM.findall(admin.get(page).get_data(as_text=True)):
            forms += 1
            assert 'name="csrf_token"' in body, page
    assert forms >= len(pages)


def test_sign_in_form_has_a_token(client):
    [form] = FORM.findall(client.get("/admin/account/login").get_data(as_text=True))
    assert 'name="csrf_token"' in form
