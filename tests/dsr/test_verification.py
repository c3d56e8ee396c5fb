"""E-mail verification: one-time tokens, 24-hour expiry, 5 attempts, expiry of unverified requests."""

from datetime import timedelta

from sqlalchemy import select

from privacyhub.dsr.actors import SUBJECT
from privacyhub.dsr.intake import RequestDraft, file_request
from privacyhub.dsr.verification import MAX_ATTEMPTS, Outcome, close_unverified, verify_request
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, VerificationToken
from privacyhub.models.types import utcnow


def _portal_request(email="grace@example.com", now=None):
    filed = file_request(RequestDraft(type="erasure", identities=[("email", email)]),
                         channel="portal", source="portal", actor=SUBJECT, now=now)
    db.session.commit()
    return filed.request, filed.verification_token


def test_only_the_hash_of_the_token_is_stored(app):
    request, token = _portal_request()
    row = db.session.scalars(select(VerificationToken)).one()
    lookup, secret = token.split(".")
    assert row.lookup == lookup and secret not in row.secret_hash and len(row.secret_hash) == 64
    assert request.status == "identity_unverified"


def test_valid_token_verifies_once(app):
    request, token = _portal_request()
    outcome, verified = verify_request(token)
    db.session.commit()
    assert outcome is Outcome.VERIFIED and verified.id == request.id
    assert request.status == "pending" and request.verified_by == "email_token"
    assert verify_request(token)[0] is Outcome.USED


def test_token_expires_after_24_hours(app):
    request, token = _portal_request()
    assert verify_request(token, now=utcnow() + timedelta(hours=24, minutes=1))[0] is Outcome.EXPIRED
    assert request.status == "identity_unverified"
    assert verify_request(token, now=utcnow() + timedelta(hours=23))[0] is Outcome.VERIFIED


def test_five_wrong_attempts_lock_the_token(app):
    request, token = _portal_request()
    lookup = token.split(".")[0]
    outcomes = []
    for attempt in range(MAX_ATTEMPTS):
        outcomes.append(verify_request(f"{lookup}.wrong-secret-{attempt}")[0])
        db.session.commit()
    assert outcomes == [Outcome.INVALID] * (MAX_ATTEMPTS - 1) + [Outcome.LOCKED]
    # Even the right secret no longer works.
    assert verify_request(token)[0] is Outcome.LOCKED
    assert request.status == "identity_unverified"
    assert db.session.scalars(select(VerificationToken)).one().failed_attempts == MAX_ATTEMPTS


def test_unknown_token_is_invalid(app):
    assert verify_request("nope.nope")[0] is Outcome.INVALID
    assert verify_request("")[0] is Outcome.INVALID


def test_unverified_requests_are_denied_after_the_configured_days(app):
    old, _ = _portal_request("old@example.com", now=utcnow() - timedelta(days=7, minutes=1))
    fresh, _ = _portal_request("fresh@example.com", now=utcnow() - timedelta(days=6))
    assert close_unverified() == 1
    db.session.commit()
    assert old.status == "denied" and old.denial_reason == "identity_not_verified"
    assert fresh.status == "identity_unverified"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_request.denied")).one()
    assert event.actor_type == "system"


def test_expiry_period_is_a_setting(app):
    app.extensions["privacyhub.settings"].unverified_expiry_days = 2
    request, _ = _portal_request(now=utcnow() - timedelta(days=3))
    assert close_unverified() == 1
    assert request.status == "denied"


def test_clock_can_start_at_verification(app):
    app.extensions["privacyhub.settings"].deadline_clock_start = "verification"
    request, token = _portal_request()
    assert request.due_at is None
    verify_request(token)
    assert request.due_at is not None and request.due_at.date() > request.verified_at.date()


def test_asserted_identity_skips_the_mail_and_is_recorded(app):
    filed = file_request(RequestDraft(type="access", identities=[("user_id", "cust-7")], identity_verified=True),
                         channel="api", source="shop", actor=SUBJECT)
    assert filed.verification_token is None
    assert filed.request.status == "pending" and filed.request.verified_by == "asserted by shop"
