"""``privacyhub create-operator`` and the first admin ``make run`` creates."""

from __future__ import annotations

import pytest

from privacyhub.auth.passwords import verify_password
from privacyhub.extensions import db
from privacyhub.models import Operator


@pytest.fixture
def backend():
    return "sqlite"


def test_create_operator_prints_a_one_time_password(runner, client):
    result = runner.invoke(args=["create-operator", "Auditor@Example.com", "--role", "auditor"])
    assert result.exit_code == 0, result.output
    password = result.output.strip()
    operator = db.session.query(Operator).one()
    assert (operator.email, operator.role, operator.must_change_password) == ("auditor@example.com", "auditor", True)
    assert verify_password(operator.password_hash, password) and password not in operator.password_hash


@pytest.mark.parametrize(("args", "message"), [
    (["create-operator", "x@example.com", "--role", "root"], "Invalid value for '--role'"),
    (["create-operator", "not-an-address", "--role", "admin"], "valid e-mail address"),
    (["create-operator", "x@example.com"], "Missing option '--role'"),
])
def test_create_operator_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output
    assert db.session.query(Operator).count() == 0


def test_create_operator_refuses_a_second_account_for_one_address(runner):
    assert runner.invoke(args=["create-operator", "a@example.com", "--role", "admin"]).exit_code == 0
    result = runner.invoke(args=["create-operator", "A@example.com", "--role", "auditor"])
    assert result.exit_code != 0 and "exists already" in result.output


def test_operator_creation_is_audited(runner):
    from privacyhub.audit.query import EventFilter, events_to_dicts, page_events

    runner.invoke(args=["create-operator", "dpo@example.com", "--role", "compliance"])
    [event] = events_to_dicts(page_events(EventFilter(action="operator.created"), 10, None)[0])
    assert event["actor"]["type"] == "cli" and event["source"] == "privacyhub"
    assert event["targets"][0]["name"] == "dpo@example.com" and event["metadata"] == {"role": "compliance"}


def test_first_start_creates_the_console_admin_once(app):
    from privacyhub.commands.dev import first_start

    shown = dict(first_start())
    [label] = [label for label in shown if "admin@example.com" in label]
    admin = db.session.query(Operator).one()
    assert admin.role == "admin" and admin.must_change_password
    assert verify_password(admin.password_hash, shown[label])
    assert not any("admin@example.com" in label for label, _ in first_start())
