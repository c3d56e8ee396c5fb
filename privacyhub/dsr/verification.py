"""Proving the subject owns the e-mail address: one-time link tokens, expiring, attempt-limited.

A token is ``<lookup>.<secret>``: the lookup part finds the row, only the SHA-256 of the
secret is stored. A wrong secret for a known lookup counts as a failed attempt; after
``MAX_ATTEMPTS`` the token is dead and the subject has to file again.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from privacyhub.dsr.actors import SUBJECT, SYSTEM
from privacyhub.dsr.deadlines import statutory_due_at
from privacyhub.dsr.lifecycle import admit, deny
from privacyhub.extensions import db
from privacyhub.models import SubjectRequest, VerificationToken
from privacyhub.models.types import utcnow

TOKEN_TTL = timedelta(hours=24)
MAX_ATTEMPTS = 5


class Outcome(enum.Enum):
    VERIFIED = "verified"
    INVALID = "invalid"
    EXPIRED = "expired"
    LOCKED = "locked"
    USED = "used"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(request: SubjectRequest, now: datetime | None = None) -> str:
    """A new token for the request; the returned string is the only copy of the secret."""
    lookup, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
    now = now or utcnow()
    db.session.add(VerificationToken(request_seq=request.seq, lookup=lookup, secret_hash=_hash(secret),
                                     created_at=now, expires_at=now + TOKEN_TTL))
    return f"{lookup}.{secret}"


def find_token(token: str) -> VerificationToken | None:
    """The row a token string names (by its lookup part), whether or not the secret is right."""
    lookup = token.partition(".")[0]
    if not lookup or len(lookup) > 32:
        return None
    return db.session.scalar(select(VerificationToken).where(VerificationToken.lookup == lookup))


def check_token(token: str, now: datetime | None = None) -> tuple[Outcome, VerificationToken | None]:
    """Judge a token without using it up; a wrong secret counts as a failed attempt (not committed)."""
    now = now or utcnow()
    row = find_token(token)
    if row is None:
        return Outcome.INVALID, None
    if row.used_at is not None:
        return Outcome.USED, row
    if row.failed_attempts >= MAX_ATTEMPTS:
        return Outcome.LOCKED, row
    if not hmac.compare_digest(row.secret_hash, _hash(token.partition(".")[2])):
        row.failed_attempts += 1
        return (Outcome.LOCKED if row.failed_attempts >= MAX_ATTEMPTS else Outcome.INVALID), row
    if now > row.expires_at:
        return Outcome.EXPIRED, row
    return Outcome.VERIFIED, row


def verify_request(token: str, now: datetime | None = None) -> tuple[Outcome, SubjectRequest | None]:
    """Use a token: on success the request is verified and joins the queue (the caller commits)."""
    now = now or utcnow()
    outcome, row = check_token(token, now)
    if outcome is not Outcome.VERIFIED or row is None:
        return outcome, None
    request = db.session.get(SubjectRequest, row.request_seq)
    row.used_at = now
    if request is None or request.status != "identity_unverified":
        return Outcome.USED, request
    mark_verified(request, "email_token", now)
    admit(request, SUBJECT)
    return Outcome.VERIFIED, request


def mark_verified(request: SubjectRequest, method: str, now: datetime) -> None:
    """Record how the identity was established; starts the clock when it runs from verification."""
    request.verified_at, request.verified_by = now, method
    if request.due_at is None and current_app.extensions["privacyhub.settings"].deadline_clock_start == "verification":
        request.due_at = statutory_due_at(now)


def close_unverified(now: datetime | None = None) -> int:
    """Deny requests whose identity was not confirmed within the configured period."""
    now = now or utcnow()
    days = current_app.extensions["privacyhub.settings"].unverified_expiry_days
    stale = list(db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.status == "identity_unverified", SubjectRequest.received_at < now - timedelta(days=days),
    )))
    for request in stale:
        deny(request, SYSTEM, "identity_not_verified",
             f"The request was not confirmed from the e-mail address within {days} days.")
    return len(stale)
