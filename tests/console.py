"""Driving the console through the Flask test client: CSRF tokens, operators, signing in."""

from __future__ import annotations

import contextvars
import re
import time
from dataclasses import dataclass, field

import pyotp
from flask import has_app_context
from flask.testing import FlaskClient

from privacyhub.extensions import db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
PASSWORD = "a long and sound passphrase"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context open for the whole test, and Flask reuses it for
    test requests, so ``g`` (Flask-Login's cached user, Flask-WTF's token) would leak from one
    request into the next. Running each request in an empty ``contextvars`` context avoids
    that; the test's own session then ends its transaction so it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not when following a redirect, inside the outer request's run
            db.session.commit()
        return response


def csrf_token(client, url: str = "/admin/account/login") -> str:
    """A CSRF token valid for the client's session, read from a console page's form."""
    response = client.get(url)
    if response.status_code == 302:  # signed in: the sign-out form in the navbar has one too
        response = client.get("/admin/account/")
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


@dataclass
class ConsoleOperator:
    """An operator the tests created, with what it takes to sign in as them."""

    id: int
    email: str
    role: str
    password: str
    totp_secret: str | None = None
    used_steps: set[int] = field(default_factory=set)

    def code(self) -> str:
        """A TOTP code for a time step not used before (the hub refuses replays)."""
        assert self.totp_secret
        totp = pyotp.TOTP(self.totp_secret)
        while True:
            now = totp.timecode(time.time())
            fresh = [s for s in (now - 1, now, now + 1) if s > max(self.used_steps, default=0)]
            if fresh:
                self.used_steps.add(fresh[0])
                return totp.generate_otp(fresh[0])
            time.sleep(30 - time.time() % 30 + 0.1)


def sign_in(client, operator: ConsoleOperator, password: str | None = None, code: str | None = None):
    """Sign in through the login form (and the code form when TOTP is on); returns the last response."""
    token = csrf_token(client)
    response = client.post("/admin/account/login", data={
        "csrf_token": token, "email": operator.email, "password": password or operator.password})
    if response.status_code == 302 and response.headers["Location"].startswith("/admin/account/login/code"):
        response = client.post("/admin/account/login/code", data={
            "csrf_token": token, "code": code or operator.code()})
    return response


def hub_events(action: str) -> list[dict]:
    """The audit events the hub recorded with this action (``x.*`` for a prefix), oldest first."""
    from privacyhub.audit.query import EventFilter, events_to_dicts, page_events

    events, _ = page_events(EventFilter(action=action), 1000, None)
    return [e for e in events_to_dicts(events) if e["source"] == "privacyhub"]


def from_ip(ip: str) -> dict:
    """Request options that make a test request come from ``ip``."""
    return {"environ_base": {"REMOTE_ADDR": ip}}
