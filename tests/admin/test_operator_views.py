"""Operators in the console: adding accounts, roles, resets; every change audited."""

from __future__ import annotations

import re

from privacyhub.extensions import db
from privacyhub.models import Operator
from tests.console import ConsoleOperator, csrf_token, hub_events, sign_in


def add_operator(admin, email, role="compliance"):
    return admin.post("/admin/operators/new/", data={"csrf_token": csrf_token(admin), "email": email, "role": role})


def test_new_operator_gets_a_one_time_password_that_must_be_changed(app, console):
    admin = console("admin")
    response = add_operator(admin, "Officer@Example.com")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="shown-once">([^<]+)<', response.get_data(as_text=True)).group(1)
    operator = db.session.query(Operator).filter_by(email="officer@example.com").one()
    assert operator.must_change_password and operator.role == "compliance"
    assert password not in operator.password_hash and operator.password_hash.startswith("$argon2id$")
    assert password not in admin.get("/admin/operators/").get_data(as_text=True)

    newcomer = app.test_client()
    signed = sign_in(newcomer, ConsoleOperator(operator.id, "officer@example.com", "compliance", password))
    assert signed.headers["Location"] == "/admin/account/password"
    [event] = [e for e in hub_events("operator.created") if e["targets"][0]["name"] == "officer@example.com"]
    assert event["actor"]["id"] == str(admin.operator.id) and event["metadata"] == {"role": "compliance"}


def test_duplicate_or_invalid_addresses_are_refused(console):
    admin = console("admin")
    assert add_operator(admin, "twice@example.com").status_code == 200
    assert "exists already" in add_operator(admin, "TWICE@example.com").get_data(as_text=True)
    assert add_operator(admin, "not-an-address").status_code == 422
    assert add_operator(admin, "x@example.com", role="root").status_code == 422
    assert db.session.query(Operator).filter(Operator.email.like("%twice%")).count() == 1


def test_role_change_is_audited_and_the_last_admin_keeps_the_role(console, make_operator):
    admin = console("admin")
    operator = make_operator("auditor")
    admin.post(f"/admin/operators/{operator.id}/role", data={"csrf_token": csrf_token(admin), "role": "compliance"})
    assert db.session.get(Operator, operator.id).role == "compliance"
    [event] = hub_events("operator.role_changed")
    assert event["metadata"] == {"from": "auditor", "to": "compliance"}

    response = admin.post(f"/admin/operators/{admin.operator.id}/role",
                          data={"csrf_token": csrf_token(admin), "role": "auditor"}, follow_redirects=True)
    assert "last admin" in response.get_data(as_text=True)
    assert db.session.get(Operator, admin.operator.id).role == "admin"


def test_a_demoted_operator_loses_access_at_once(app, console, make_operator):
    admin = console("admin")
    other_admin = make_operator("admin")
    theirs = app.test_client()
    sign_in(theirs, other_admin)
    assert theirs.get("/admin/operators/").status_code == 200
    admin.post(f"/admin/operators/{other_admin.id}/role", data={"csrf_token": csrf_token(admin), "role": "auditor"})
    assert theirs.get("/admin/operators/").status_code == 403


def test_resetting_two_factor_makes_an_admin_enrol_again(app, console, make_operator):
    admin = console("admin")
    other_admin = make_operator("admin")
    admin.post(f"/admin/operators/{other_admin.id}/reset-two-factor", data={"csrf_token": csrf_token(admin)})
    assert hub_events("operator.totp_reset")[0]["targets"][0]["id"] == str(other_admin.id)
    theirs = app.test_client()
    assert sign_in(theirs, other_admin).headers["Location"] == "/admin/account/two-factor"
    assert theirs.get("/admin/operators/").headers["Location"] == "/admin/account/two-factor"


def test_password_reset_gives_a_new_one_time_password(app, console, make_operator):
    admin = console("admin")
    operator = make_operator("auditor")
    page = admin.post(f"/admin/operators/{operator.id}/reset-password", data={"csrf_token": csrf_token(admin)})
    password = re.search(r'id="shown-once">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert sign_in(app.test_client(), operator).status_code == 401
    operator.password = password
    assert sign_in(app.test_client(), operator).headers["Location"] == "/admin/account/password"
    assert hub_events("operator.password_reset")[0]["actor"]["id"] == str(admin.operator.id)
