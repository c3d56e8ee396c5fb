"""Signing in to the console: password, TOTP, lock-out, throttling, first-use setup, auditing."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from privacyhub.extensions import db
from privacyhub.models import LoginFailure, Operator
from tests.console import PASSWORD, csrf_token, from_ip, hub_events

REFUSED = "The e-mail address, password or code is not right."


def attempt(client, email, password, ip="192.0.2.1"):
    token = csrf_token(client)
    return client.post("/admin/account/login", data={"csrf_token": token, "email": email, "password": password},
                       **from_ip(ip))


def test_password_sign_in_is_audited_and_opens_the_dashboard(app, make_operator):
    operator = make_operator("compliance")
    client = app.test_client()
    response = attempt(client, operator.email.upper(), PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    assert operator.email in client.get("/admin/").get_data(as_text=True)
    [event] = [e for e in hub_events("operator.login") if e["outcome"] == "success"]
    assert event["actor"] == {"type": "operator", "id": str(operator.id), "name": operator.email}
    assert event["source"] == "privacyhub"
    assert event["context"]["ip"] == "192.0.2.1"


@pytest.mark.parametrize("email", ["known", "nobody@example.com"])
def test_wrong_password_and_unknown_account_get_the_same_answer(app, make_operator, email):
    operator = make_operator("auditor")
    client = app.test_client()
    response = attempt(client, operator.email if email == "known" else email, "not the password")
    assert response.status_code == 401
    assert REFUSED in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # still signed out
    [event] = hub_events("operator.login")
    assert event["outcome"] == "failure"
    assert event["metadata"]["reason"] == ("bad_password" if email == "known" else "unknown_account")
    assert email not in str(event)  # an unknown address typed in is not written to the log


def test_admin_signs_in_with_password_and_totp(app, make_operator):
    admin = make_operator("admin")
    client = app.test_client()
    token = csrf_token(client)
    step_one = client.post("/admin/account/login", data={"csrf_token": token, "email": admin.email,
                                                          "password": admin.password})
    assert step_one.headers["Location"].startswith("/admin/account/login/code")
    assert client.get("/admin/").status_code == 302  # a correct password alone signs nobody in
    wrong = client.post("/admin/account/login/code", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 401
    code = admin.code()
    right = client.post("/admin/account/login/code", data={"csrf_token": token, "code": code})
    assert (right.status_code, right.headers["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200
    reasons = [(e["outcome"], e["metadata"].get("reason")) for e in hub_events("operator.login")]
    assert reasons == [("failure", "bad_code"), ("success", None)]

    # The same code cannot be used twice, even by someone who also has the password.
    other = app.test_client()
    token = csrf_token(other)
    other.post("/admin/account/login", data={"csrf_token": token, "email": admin.email, "password": admin.password})
    replay = other.post("/admin/account/login/code", data={"csrf_token": token, "code": code})
    assert replay.status_code == 401


def test_code_step_expires_without_a_fresh_password(app, make_operator):
    admin = make_operator("admin")
    client = app.test_client()
    token = csrf_token(client)
    client.post("/admin/account/login", data={"csrf_token": token, "email": admin.email, "password": admin.password})
    with client.session_transaction() as session:
        pending = session["pending_sign_in"]
        session["pending_sign_in"] = {**pending, "at": pending["at"] - 301}
    response = client.post("/admin/account/login/code", data={"csrf_token": token, "code": admin.code()})
    assert response.headers["Location"] == "/admin/account/login"


def test_ten_failures_lock_the_account_until_an_admin_unlocks_it(app, make_operator, console):
    operator = make_operator("compliance")
    client = app.test_client()
    for n in range(10):
        # From different addresses, so the per-address throttle does not step in first.
        response = attempt(client, operator.email, f"wrong {n}", ip=f"198.51.100.{n}")
    assert response.status_code == 403
    assert "locked" in response.get_data(as_text=True)
    assert attempt(client, operator.email, PASSWORD, ip="203.0.113.9").status_code == 403
    assert client.get("/admin/").status_code == 302
    [locked] = hub_events("operator.locked")
    assert locked["targets"][0]["id"] == str(operator.id)

    admin = console("admin")
    page = admin.get(f"/admin/operators/{operator.id}/").get_data(as_text=True)
    assert 'id="operator-locked">since' in page
    admin.post(f"/admin/operators/{operator.id}/unlock", data={"csrf_token": csrf_token(admin)})
    assert hub_events("operator.unlocked")[0]["actor"]["id"] == str(admin.operator.id)
    assert attempt(client, operator.email, PASSWORD, ip="203.0.113.9").status_code == 302


def test_five_failures_from_one_address_throttle_it_for_an_hour(app, make_operator):
    operator = make_operator("auditor")
    client = app.test_client()
    for n in range(5):
        assert attempt(client, f"guess{n}@example.com", "x", ip="192.0.2.50").status_code == 401
    throttled = attempt(client, operator.email, PASSWORD, ip="192.0.2.50")
    assert throttled.status_code == 429
    assert 3500 < int(throttled.headers["Retry-After"]) <= 3601
    assert client.get("/admin/").status_code == 302
    assert hub_events("operator.login")[-1]["metadata"] == {"reason": "throttled"}
    # Another address is not affected, and the account itself is not locked.
    assert attempt(app.test_client(), operator.email, PASSWORD, ip="192.0.2.51").status_code == 302

    for failure in db.session.query(LoginFailure):
        failure.failed_at -= timedelta(minutes=61)
    db.session.commit()
    assert attempt(client, operator.email, PASSWORD, ip="192.0.2.50").status_code == 302


def test_one_time_password_must_be_changed_then_admins_enrol_totp(app, make_operator):
    admin = make_operator("admin", one_time=True, totp=False)
    client = app.test_client()
    response = attempt(client, admin.email, admin.password)
    assert response.headers["Location"] == "/admin/account/password"
    for page in ("/admin/", "/admin/events/", "/admin/operators/"):
        assert client.get(page).headers["Location"] == "/admin/account/password"
    token = csrf_token(client, "/admin/account/password")
    weak = client.post("/admin/account/password", data={"csrf_token": token, "current": admin.password,
                                                          "new": "short", "confirm": "short"})
    assert weak.status_code == 422
    changed = client.post("/admin/account/password", data={
        "csrf_token": token, "current": admin.password, "new": PASSWORD, "confirm": PASSWORD})
    assert changed.headers["Location"] == "/admin/account/two-factor"
    assert client.get("/admin/").headers["Location"] == "/admin/account/two-factor"

    page = client.get("/admin/account/two-factor")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'id="totp-qr"' in html and "data:image/svg+xml" in html
    secret = html.split('id="totp-secret">')[1].split("<")[0]
    token = csrf_token(client, "/admin/account/two-factor")
    assert client.post("/admin/account/two-factor", data={"csrf_token": token, "code": "123456"}).status_code == 422
    assert client.get("/admin/").status_code == 302
    enrolled = client.post("/admin/account/two-factor", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert enrolled.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert [e["action"] for e in hub_events("operator.*")] == [
        "operator.created", "operator.login", "operator.password_changed", "operator.totp_enabled"]
    assert db.session.get(Operator, admin.id).totp_secret_sealed is not None
    assert secret.encode() not in db.session.get(Operator, admin.id).totp_secret_sealed


@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/admin", "/v1/events"])
def test_sign_in_never_redirects_off_the_console(app, make_operator, target):
    operator = make_operator("auditor")
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/admin/account/login", data={"csrf_token": token, "email": operator.email,
                                                          "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/admin/"


def test_sign_in_returns_to_the_page_asked_for(app, make_operator):
    operator = make_operator("auditor")
    client = app.test_client()
    login_url = client.get("/admin/events/?action=user.login").headers["Location"]
    token = csrf_token(client)
    form = client.get(login_url).get_data(as_text=True)
    assert 'value="/admin/events/?action=user.login"' in form
    response = client.post(login_url, data={"csrf_token": token, "email": operator.email, "password": PASSWORD,
                                            "next": "/admin/events/?action=user.login"})
    assert response.headers["Location"] == "/admin/events/?action=user.login"


def test_sign_out_ends_the_session_and_is_audited(console):
    client = console("auditor")
    response = client.post("/admin/account/logout", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/admin/account/login"
    assert client.get("/admin/").status_code == 302
    assert hub_events("operator.logout")[0]["actor"]["id"] == str(client.operator.id)
