"""Offboarding in the console: deactivated operators are signed out and cannot sign in until reactivated."""

from __future__ import annotations

import pytest

from privacyhub.extensions import db
from privacyhub.models import Operator
from tests.console import PASSWORD, csrf_token, hub_events, sign_in

REFUSED = "The e-mail address, password or code is not right."


def post(admin, operator_id, action, **kwargs):
    return admin.post(f"/admin/operators/{operator_id}/{action}", data={"csrf_token": csrf_token(admin)}, **kwargs)


def test_a_deactivated_operator_is_signed_out_and_answered_like_a_wrong_password(app, console, make_operator):
    admin = console("admin")
    operator = make_operator("compliance")
    theirs = app.test_client()
    sign_in(theirs, operator)
    assert theirs.get("/admin/").status_code == 200

    assert f"/admin/operators/{operator.id}/deactivate" in admin.get(f"/admin/operators/{operator.id}/").get_data(True)
    page = post(admin, operator.id, "deactivate", follow_redirects=True).get_data(as_text=True)
    assert f"{operator.email} was deactivated" in page
    assert 'id="operator-deactivated">since' in page and "Reactivate" in page
    assert "Deactivated since" in admin.get("/admin/operators/").get_data(as_text=True)

    # The open session ends on its next request.
    assert theirs.get("/admin/").headers["Location"].startswith("/admin/account/login")
    assert "account was deactivated" in theirs.get("/admin/account/login").get_data(as_text=True)
    refused, wrong = sign_in(app.test_client(), operator), sign_in(app.test_client(), operator, password="wrong")
    assert (refused.status_code, wrong.status_code) == (401, 401)
    assert REFUSED in refused.get_data(as_text=True) and REFUSED in wrong.get_data(as_text=True)
    reasons = [e["metadata"]["reason"] for e in hub_events("operator.login") if e["outcome"] == "failure"]
    assert reasons == ["deactivated", "deactivated"]
    [event] = hub_events("operator.deactivated")
    assert event["actor"]["id"] == str(admin.operator.id) and event["targets"][0]["id"] == str(operator.id)


def test_deactivation_also_stops_a_sign_in_waiting_for_its_code(app, console, make_operator):
    admin = console("admin")
    other_admin = make_operator("admin")
    theirs = app.test_client()
    token = csrf_token(theirs)
    step_one = theirs.post("/admin/account/login", data={"csrf_token": token, "email": other_admin.email,
                                                         "password": other_admin.password})
    assert step_one.headers["Location"].startswith("/admin/account/login/code")
    post(admin, other_admin.id, "deactivate")
    step_two = theirs.post("/admin/account/login/code", data={"csrf_token": token, "code": other_admin.code()})
    assert step_two.headers["Location"] == "/admin/account/login"
    assert theirs.get("/admin/").status_code == 302


def test_a_reactivated_operator_signs_in_with_their_old_password(app, console, make_operator):
    admin = console("admin")
    operator = make_operator("auditor")
    post(admin, operator.id, "deactivate")
    page = post(admin, operator.id, "reactivate", follow_redirects=True).get_data(as_text=True)
    assert f"{operator.email} can sign in again" in page and 'id="operator-deactivated">no' in page
    assert sign_in(app.test_client(), operator, password=PASSWORD).headers["Location"] == "/admin/"
    [event] = hub_events("operator.reactivated")
    assert event["actor"]["id"] == str(admin.operator.id) and event["targets"][0]["id"] == str(operator.id)


def test_the_last_admin_and_yourself_cannot_be_deactivated(console, make_operator):
    admin = console("admin")
    own_page = admin.get(f"/admin/operators/{admin.operator.id}/").get_data(as_text=True)
    assert f"/admin/operators/{admin.operator.id}/deactivate" not in own_page  # no button for yourself
    alone = post(admin, admin.operator.id, "deactivate", follow_redirects=True).get_data(as_text=True)
    assert "this is the last admin" in alone

    make_operator("admin")
    yourself = post(admin, admin.operator.id, "deactivate", follow_redirects=True).get_data(as_text=True)
    assert "you cannot deactivate your own account" in yourself
    assert db.session.get(Operator, admin.operator.id).is_active
    assert admin.get("/admin/").status_code == 200  # still signed in
    assert hub_events("operator.deactivated") == []


@pytest.mark.parametrize("role", ["compliance", "auditor"])
@pytest.mark.parametrize("action", ["deactivate", "reactivate"])
def test_only_admins_may_deactivate_or_reactivate(console, make_operator, role, action):
    target = make_operator("auditor")
    if action == "reactivate":
        post(console("admin"), target.id, "deactivate")
    before = db.session.get(Operator, target.id).deactivated_at
    response = post(console(role), target.id, action)
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Operator, target.id).deactivated_at == before


@pytest.mark.parametrize("token", [None, "forged"])
def test_deactivation_without_a_valid_csrf_token_changes_nothing(console, make_operator, token):
    admin = console("admin")
    target = make_operator("auditor")
    response = admin.post(f"/admin/operators/{target.id}/deactivate", data={"csrf_token": token} if token else {})
    assert response.status_code == 400
    assert db.session.get(Operator, target.id).is_active
    assert hub_events("operator.deactivated") == []
