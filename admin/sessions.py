"""Console sessions: Flask-Login wiring, idle and absolute expiry, rotation.

The session lives in Flask's signed cookie. Its user id is ``<operator id>:<session
token>``; the token is replaced when the password changes or the operator is deactivated, so every
other session of that operator stops loading. ``auth_at`` and ``seen_at`` carry the expiry clocks.
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta

from flask import Flask, flash, session
from flask_login import LoginManager, login_user, logout_user

from privacyhub.extensions import db
from privacyhub.models import Operator

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
SEEN_RESOLUTION = 30  # seconds; rewrite the cookie at most this often just to note activity

login_manager = LoginManager()


def init_sessions(app: Flask) -> None:
    """Attach Flask-Login; the session cookie itself lives no longer than the absolute expiry."""
    login_manager.init_app(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = ABSOLUTE_TIMEOUT


def expired(now: float) -> bool:
    """True when the signed-in session has been idle too long or is too old."""
    auth_at, seen_at = session.get("auth_at", 0), session.get("seen_at", 0)
    return now - seen_at > IDLE_TIMEOUT.total_seconds() or now - auth_at > ABSOLUTE_TIMEOUT.total_seconds()


@login_manager.user_loader
def load_operator(user_id: str) -> Operator | None:
    """The signed-in operator, or None when the session expired or its token was replaced."""
    operator_id, _, token = user_id.partition(":")
    now = time.time()
    if expired(now):
        session.clear()  # not logout_user(): it would ask this loader for the user again
        flash("Your session expired. Please sign in again.", "warning")
        return None
    operator = db.session.get(Operator, int(operator_id)) if operator_id.isdigit() else None
    if (operator is None or not operator.is_active
            or not hmac.compare_digest(operator.session_token.encode(), token.encode())):
        session.clear()
        flash("You were signed out (your password was changed or reset, or your account was deactivated). "
              "Please sign in again.", "warning")
        return None
    if now - session.get("seen_at", 0) > SEEN_RESOLUTION:
        session["seen_at"] = int(now)
    return operator


def start_session(operator: Operator, auth_at: int | None = None) -> None:
    """A brand-new session for the operator (new id, nothing carried over from before)."""
    session.clear()
    login_user(operator)
    session.permanent = True
    now = int(time.time())
    session["auth_at"] = auth_at or now
    session["seen_at"] = now
    session["sid"] = secrets.token_urlsafe(16)


def rotate_session(operator: Operator) -> None:
    """Replace the session (after a password change), keeping the absolute-expiry clock."""
    start_session(operator, auth_at=session.get("auth_at"))


def end_session() -> None:
    """Forget everything the session held."""
    logout_user()
    session.clear()
