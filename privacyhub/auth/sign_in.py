"""Signing an operator in: password, second factor, throttling and lock-out.

Each step raises a ``ProblemError`` when it refuses, after adding the failure (counter,
lock, audit event) to the session: the caller commits either way.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth import throttle
from privacyhub.auth.operators import find_operator, operator_actor, operator_target
from privacyhub.auth.passwords import hash_password, needs_rehash, spend_verification_time, verify_password
from privacyhub.auth.totp import verify_code
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import Operator
from privacyhub.models.types import utcnow

LOCKOUT_THRESHOLD = 10
UNKNOWN_ACTOR = {"type": "operator", "id": "unknown"}
REFUSED = "The e-mail address, password or code is not right."


class SignInFailed(ProblemError):
    status, title = 401, "Sign-in failed"


class AccountLocked(ProblemError):
    status, title = 403, "Account locked"


class SignInThrottled(ProblemError):
    status, title = 429, "Too Many Requests"


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from; recorded (sealed) in the audit event and used for throttling."""

    ip: str | None
    user_agent: str | None

    def context(self) -> dict[str, Any]:
        """The audit event's ``context``; an address that is not an IP is left out."""
        context: dict[str, Any] = {}
        try:
            context["ip"] = str(ipaddress.ip_address(self.ip or ""))
        except ValueError:
            pass
        if self.user_agent:
            context["user_agent"] = self.user_agent[:1000]
        return context


def _refuse(operator: Operator | None, client: Client, reason: str) -> None:
    """Count a failure against the address and the account, lock at the threshold, audit it.

    A deactivated account is not counted or locked: it cannot sign in anyway, and it should
    not come back locked when it is reactivated.
    """
    throttle.record_failure(client.ip)
    metadata: dict[str, Any] = {"reason": reason}
    counted = operator if operator is not None and operator.is_active else None
    if counted is not None:
        # An SQL increment, so concurrent attempts from many addresses are all counted.
        counted.failed_logins = Operator.failed_logins + 1
        db.session.flush()
        metadata["failed_logins"] = counted.failed_logins
    actor = operator_actor(operator) if operator else UNKNOWN_ACTOR
    record_hub_event("operator.login", actor, outcome="failure", metadata=metadata, context=client.context())
    if counted is not None and counted.failed_logins >= LOCKOUT_THRESHOLD and not counted.is_locked:
        counted.locked_at = utcnow()
        record_hub_event("operator.locked", actor, [operator_target(counted)],
                         metadata={"failed_logins": counted.failed_logins}, context=client.context())


def _check_allowed(operator: Operator | None, client: Client) -> None:
    wait = throttle.retry_after(client.ip)
    if wait is not None:
        record_hub_event("operator.login", operator_actor(operator) if operator else UNKNOWN_ACTOR,
                         outcome="failure", metadata={"reason": "throttled"}, context=client.context())
        raise SignInThrottled("Too many failed sign-ins from your address. Try again later.",
                              headers={"Retry-After": str(wait)})
    # A deactivated account gets the answer of a wrong password, locked or not (no state oracle).
    if operator is not None and operator.is_locked and operator.is_active:
        record_hub_event("operator.login", operator_actor(operator), outcome="failure",
                         metadata={"reason": "locked"}, context=client.context())
        raise AccountLocked("This account is locked after too many failed sign-ins. An admin can unlock it.")


def check_password(email: str, password: str, client: Client) -> Operator:
    """The operator whose password this is; refuses throttled addresses, locked and deactivated accounts."""
    operator = find_operator(email)
    _check_allowed(operator, client)
    if operator is None or not operator.is_active:
        spend_verification_time(password)
        _refuse(operator, client, "unknown_account" if operator is None else "deactivated")
        raise SignInFailed(REFUSED)
    if not verify_password(operator.password_hash, password):
        _refuse(operator, client, "bad_password")
        if operator.is_locked:
            raise AccountLocked("This account is now locked after too many failed sign-ins. An admin can unlock it.")
        raise SignInFailed(REFUSED)
    if needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
    return operator


def check_second_factor(operator: Operator, code: str, client: Client) -> None:
    """Accept a valid, not yet used TOTP code for an operator whose password was right."""
    _check_allowed(operator, client)
    if not verify_code(operator, code):
        _refuse(operator, client, "bad_code")
        if operator.is_locked:
            raise AccountLocked("This account is now locked after too many failed sign-ins. An admin can unlock it.")
        raise SignInFailed(REFUSED)


def complete_sign_in(operator: Operator, client: Client) -> None:
    """Record a successful sign-in and clear the failure counter."""
    operator.failed_logins = 0
    operator.last_login_at = utcnow()
    record_hub_event("operator.login", operator_actor(operator), outcome="success",
                     metadata={"second_factor": operator.totp_enabled}, context=client.context())
    db.session.flush()
