"""Console fixtures: operators of each role, and clients signed in as them."""

from __future__ import annotations

import time

import pyotp
import pytest

from privacyhub.auth.operators import change_password, create_operator
from privacyhub.auth.totp import confirm_enrolment, enrolment_secret
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.extensions import db
from tests.console import PASSWORD, ConsoleOperator, IsolatedClient, sign_in


@pytest.fixture
def app_config(app_config):
    """The cheapest argon2id parameters: these tests sign in hundreds of times."""
    return {**app_config, "PASSWORD_HASH_PROFILE": "cheapest"}


@pytest.fixture(autouse=True)
def isolated_requests(app):
    """Every test client of these tests runs each request in a fresh app context."""
    app.test_client_class = IsolatedClient


@pytest.fixture
def make_operator(app):
    """Create an operator who has chosen a password (and enrolled TOTP, by default for admins)."""

    def make(role: str = "compliance", *, email: str | None = None, totp: bool | None = None,
             one_time: bool = False) -> ConsoleOperator:
        email = email or f"{role}-{time.monotonic_ns()}@example.com"
        operator, password = create_operator(email, role, CLI_ACTOR)
        if not one_time:
            change_password(operator, password, PASSWORD)
            password = PASSWORD
        secret = None
        if totp if totp is not None else role == "admin":
            secret = enrolment_secret(operator)
            # Enrolled with the previous time step, so sign-ins right after can use the next ones.
            totp_now = pyotp.TOTP(secret)
            assert confirm_enrolment(operator, totp_now.at(time.time() - 30))
        db.session.commit()
        made = ConsoleOperator(id=operator.id, email=email, role=role, password=password, totp_secret=secret)
        if secret:
            made.used_steps.add(operator.totp_last_step)
        return made

    return make


@pytest.fixture
def console(app, make_operator):
    """A test client signed in with the given role (``console("auditor")``)."""

    def signed_in(role: str):
        client = app.test_client()
        operator = make_operator(role)
        response = sign_in(client, operator)
        assert response.status_code == 302 and response.headers["Location"] == "/admin/", response.get_data(True)
        client.operator = operator
        return client

    return signed_in
