"""Deactivating operators: the last admin stays, sessions end, sign-in answers like a wrong password."""

from __future__ import annotations

import threading
import time

import pytest

from privacyhub.auth.operators import (
    active_admins,
    change_password,
    change_role,
    create_operator,
    deactivate,
    operator_actor,
    reactivate,
)
from privacyhub.auth.sign_in import REFUSED, Client, SignInFailed, check_password
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.errors import Conflict
from privacyhub.extensions import db
from privacyhub.models import Operator
from tests.console import PASSWORD, hub_events

CLIENT = Client(ip="192.0.2.7", user_agent="pytest")


@pytest.fixture
def app_config(app_config):
    """The cheapest argon2id parameters: these tests hash a few passwords."""
    return {**app_config, "PASSWORD_HASH_PROFILE": "cheapest"}


@pytest.fixture
def make(app):
    """Create an operator who has chosen the password ``PASSWORD``."""

    def make(email: str, role: str = "compliance"):
        operator, password = create_operator(email, role, CLI_ACTOR)
        change_password(operator, password, PASSWORD)
        db.session.commit()
        return operator

    return make


def test_deactivation_ends_sessions_is_audited_and_can_be_undone(make):
    operator = make("leaver@example.com")
    token = operator.session_token
    deactivate(operator, CLI_ACTOR)
    db.session.commit()
    assert not operator.is_active and operator.deactivated_at is not None
    assert operator.session_token != token
    deactivate(operator, CLI_ACTOR)  # again: nothing more happens
    db.session.commit()
    [event] = hub_events("operator.deactivated")
    assert event["targets"][0]["id"] == str(operator.id) and event["actor"]["id"] == CLI_ACTOR["id"]

    reactivate(operator, CLI_ACTOR)
    db.session.commit()
    assert operator.is_active and operator.deactivated_at is None
    assert [e["targets"][0]["id"] for e in hub_events("operator.reactivated")] == [str(operator.id)]
    assert check_password(operator.email, PASSWORD, CLIENT) is operator  # the old password still works


def test_the_last_active_admin_and_yourself_cannot_be_deactivated(make):
    first, second = make("first@example.com", "admin"), make("second@example.com", "admin")
    assert active_admins() == 2
    with pytest.raises(Conflict, match="your own account"):
        deactivate(first, operator_actor(first))
    deactivate(second, operator_actor(first))
    assert active_admins() == 1
    with pytest.raises(Conflict, match="last admin"):
        deactivate(first, CLI_ACTOR)
    with pytest.raises(Conflict, match="last admin"):
        change_role(first, "auditor", CLI_ACTOR)
    assert first.is_active and first.role == "admin"
    # The deactivated admin does not hold the last admin seat: it may be demoted.
    change_role(second, "auditor", CLI_ACTOR)
    assert second.role == "auditor"


def test_a_deactivated_account_gets_the_answer_of_a_wrong_password(make):
    operator = make("gone@example.com")
    deactivate(operator, CLI_ACTOR)
    operator.locked_at = operator.deactivated_at  # locked as well: still no different answer
    db.session.commit()
    with pytest.raises(SignInFailed) as refused:
        check_password(operator.email, PASSWORD, CLIENT)
    assert refused.value.detail == REFUSED
    db.session.commit()
    [event] = hub_events("operator.login")
    assert event["outcome"] == "failure" and event["metadata"] == {"reason": "deactivated"}
    assert event["actor"]["id"] == str(operator.id)
    assert operator.failed_logins == 0  # not counted against an account that cannot sign in


@pytest.mark.parametrize("backend", ["postgres"])
def test_two_admins_deactivating_each_other_at_once_leave_one(app, make):
    """The second deactivation waits for the first and then sees it is removing the last admin."""
    first, second = make("first@example.com", "admin"), make("second@example.com", "admin")
    holding, outcomes = threading.Event(), {}

    def deactivate_other(actor_id: int, target_id: int, hold: bool) -> None:
        with app.app_context():
            actor = operator_actor(db.session.get(Operator, actor_id))
            try:
                deactivate(db.session.get(Operator, target_id), actor)
                if hold:  # keep the transaction (and its row locks) open while the other one starts
                    holding.set()
                    time.sleep(0.5)
                db.session.commit()
                outcomes[actor_id] = "deactivated"
            except Conflict as refused:
                db.session.rollback()
                outcomes[actor_id] = refused.detail
            finally:
                holding.set()
                db.session.remove()

    one = threading.Thread(target=deactivate_other, args=(first.id, second.id, True))
    one.start()
    holding.wait(timeout=10)
    other = threading.Thread(target=deactivate_other, args=(second.id, first.id, False))
    other.start()
    one.join(timeout=30)
    other.join(timeout=30)
    assert outcomes == {first.id: "deactivated",
                        second.id: "this is the last admin; make another operator admin first"}
    db.session.expire_all()
    assert active_admins() == 1
