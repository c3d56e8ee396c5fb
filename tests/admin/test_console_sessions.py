"""Console sessions: cookie flags, idle and absolute expiry, rotation on password change."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import pytest

from privacyhub.models.types import utcnow
from tests.console import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "another quite long passphrase"


def age(client, **seconds_ago: int) -> None:
    """Move the session's clocks into the past, as if that much time had gone by."""
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_session_cookie_is_httponly_samesite_lax_and_lives_at_most_12_hours(app, make_operator):
    client = app.test_client()
    response = sign_in(client, make_operator("auditor"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert abs((expires - utcnow()).total_seconds() - 12 * 3600) < 60


@pytest.mark.parametrize("backend", ["sqlite"])
def test_behind_https_the_cookie_is_secure_and_hsts_is_sent(app_config, backend):
    from privacyhub import create_app

    app = create_app({**app_config, "PRIVACYHUB_BASE_URL": "https://privacy.example.com"})
    response = app.test_client().get("/admin/account/login", base_url="https://privacy.example.com")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age=" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(("idle_minutes", "signed_in"), [(29, True), (31, False)])
def test_idle_sessions_expire_after_30_minutes(console, idle_minutes, signed_in):
    client = console("compliance")
    age(client, seen_at=idle_minutes * 60)
    response = client.get("/admin/")
    if signed_in:
        assert response.status_code == 200
        with client.session_transaction() as session:
            assert time.time() - session["seen_at"] < 5  # activity restarts the idle clock
    else:
        assert response.headers["Location"].startswith("/admin/account/login")
        assert "session expired" in client.get(response.headers["Location"]).get_data(as_text=True)
        assert client.get("/admin/").status_code == 302  # and it stays ended


@pytest.mark.parametrize(("age_minutes", "signed_in"), [(12 * 60 - 1, True), (12 * 60 + 1, False)])
def test_sessions_end_12_hours_after_sign_in_however_active(console, age_minutes, signed_in):
    client = console("auditor")
    age(client, auth_at=age_minutes * 60, seen_at=60)
    assert (client.get("/admin/").status_code == 200) is signed_in


def test_password_change_rotates_this_session_and_ends_all_others(app, make_operator):
    operator = make_operator("compliance")
    mine, other = app.test_client(), app.test_client()
    sign_in(mine, operator)
    sign_in(other, operator)
    old_cookie = session_cookie(mine)
    with mine.session_transaction() as session:
        old_sid, old_user_id = session["sid"], session["_user_id"]

    response = mine.post("/admin/account/password", data={
        "csrf_token": csrf_token(mine), "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    with mine.session_transaction() as session:
        assert session["sid"] != old_sid and session["_user_id"] != old_user_id
    assert mine.get("/admin/").status_code == 200
    assert other.get("/admin/").headers["Location"].startswith("/admin/account/login")
    # The session cookie from before the change no longer signs anyone in either.
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/admin/").status_code == 302

    assert sign_in(app.test_client(), operator).status_code == 401
    assert sign_in(app.test_client(), operator, password=NEW_PASSWORD).status_code == 302


def test_admin_password_reset_signs_the_operator_out(app, make_operator, console):
    operator = make_operator("auditor")
    theirs = app.test_client()
    sign_in(theirs, operator)
    admin = console("admin")
    page = admin.post(f"/admin/operators/{operator.id}/reset-password", data={"csrf_token": csrf_token(admin)})
    assert page.headers["Cache-Control"] == "no-store"
    assert theirs.get("/admin/").status_code == 302


def test_signing_in_starts_a_new_session(app, make_operator):
    client = app.test_client()
    client.get("/admin/account/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, make_operator("auditor"))
    with client.session_transaction() as session:
        assert "planted" not in session and session["sid"]
