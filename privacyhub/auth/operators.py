"""Operator accounts: creation, passwords, roles, unlocking and deactivation.

Every change is recorded with ``record_hub_event`` in the caller's transaction; nothing
here commits.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth.passwords import check_new_password, hash_password, one_time_password, verify_password
from privacyhub.errors import BadRequest, Conflict
from privacyhub.extensions import db
from privacyhub.models import ROLES, Operator
from privacyhub.models.types import utcnow

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
Actor = dict[str, Any]


def operator_actor(operator: Operator) -> Actor:
    """How an operator appears as the actor of an audit event."""
    return {"type": "operator", "id": str(operator.id), "name": operator.email}


def operator_target(operator: Operator) -> dict[str, Any]:
    """How an operator appears as the target of an audit event."""
    return {"type": "operator", "id": str(operator.id), "name": operator.email}


def normalise_email(email: str) -> str:
    """The stored form of an address: trimmed, lower case, plausibly shaped."""
    email = email.strip().lower()
    if len(email) > 320 or not EMAIL.match(email):
        raise BadRequest("enter a valid e-mail address")
    return email


def find_operator(email: str) -> Operator | None:
    """The operator with this address, if any."""
    try:
        email = normalise_email(email)
    except BadRequest:
        return None
    return db.session.scalar(select(Operator).where(Operator.email == email))


def new_session_token() -> str:
    """A fresh value for ``Operator.session_token``; replacing it ends every session."""
    return secrets.token_urlsafe(24)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    return role


def create_operator(email: str, role: str, actor: Actor) -> tuple[Operator, str]:
    """Add an operator with a one-time password; returns it with the password (shown once)."""
    email, role = normalise_email(email), _check_role(role)
    if db.session.scalar(select(Operator.id).where(Operator.email == email)) is not None:
        raise Conflict("an operator with this e-mail address exists already")
    password = one_time_password()
    operator = Operator(email=email, role=role, password_hash=hash_password(password), must_change_password=True,
                        session_token=new_session_token(), failed_logins=0)
    db.session.add(operator)
    db.session.flush()
    record_hub_event("operator.created", actor, [operator_target(operator)], metadata={"role": role})
    return operator, password


def change_password(operator: Operator, current: str, new: str, context: dict[str, Any] | None = None) -> None:
    """The operator's own password change; every session of theirs ends (the caller starts a new one)."""
    if not verify_password(operator.password_hash, current):
        raise BadRequest("the current password is not right")
    if new == current:
        raise BadRequest("choose a password different from the current one")
    check_new_password(new, operator.email)
    operator.password_hash = hash_password(new)
    operator.must_change_password = False
    operator.password_changed_at = utcnow()
    operator.session_token = new_session_token()
    record_hub_event("operator.password_changed", operator_actor(operator), [operator_target(operator)],
                     context=context)


def reset_password(operator: Operator, actor: Actor) -> str:
    """Replace the password with a one-time one (shown once) and sign the operator out everywhere."""
    password = one_time_password()
    operator.password_hash = hash_password(password)
    operator.must_change_password = True
    operator.session_token = new_session_token()
    record_hub_event("operator.password_reset", actor, [operator_target(operator)])
    return password


def active_admins() -> int:
    """How many admin accounts can still sign in (deactivated ones do not count).

    Their rows stay locked until the caller's transaction ends, so two admins demoting or
    deactivating each other at the same moment cannot leave the console without one.
    """
    return len(db.session.scalars(select(Operator.id).where(
        Operator.role == "admin", Operator.deactivated_at.is_(None)).with_for_update()).all())


def _is_last_admin(operator: Operator) -> bool:
    return operator.role == "admin" and operator.is_active and active_admins() <= 1


def change_role(operator: Operator, role: str, actor: Actor) -> None:
    """Give the operator another role; the last admin keeps theirs so the console stays manageable."""
    role = _check_role(role)
    if role == operator.role:
        return
    if _is_last_admin(operator):
        raise Conflict("this is the last admin; make another operator admin first")
    previous, operator.role = operator.role, role
    record_hub_event("operator.role_changed", actor, [operator_target(operator)],
                     metadata={"from": previous, "to": role})


def unlock(operator: Operator, actor: Actor) -> None:
    """Let a locked-out operator sign in again."""
    operator.locked_at = None
    operator.failed_logins = 0
    record_hub_event("operator.unlocked", actor, [operator_target(operator)])


def deactivate(operator: Operator, actor: Actor) -> None:
    """Offboard an operator: no more sign-ins, and every open session of theirs ends now."""
    if operator.deactivated_at is not None:
        return
    if _is_last_admin(operator):
        raise Conflict("this is the last admin; make another operator admin first")
    if actor.get("type") == "operator" and actor.get("id") == str(operator.id):
        raise Conflict("you cannot deactivate your own account; ask another admin")
    operator.deactivated_at = utcnow()
    operator.session_token = new_session_token()
    record_hub_event("operator.deactivated", actor, [operator_target(operator)])


def reactivate(operator: Operator, actor: Actor) -> None:
    """Let a deactivated operator sign in again, with the password they had."""
    if operator.deactivated_at is None:
        return
    operator.deactivated_at = None
    record_hub_event("operator.reactivated", actor, [operator_target(operator)])
