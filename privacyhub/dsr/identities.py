"""The subject's identifiers: normalised, sealed at rest, found again by keyed HMAC."""

from __future__ import annotations

import re

from sqlalchemy import select

from privacyhub.crypto import decrypt_field, encrypt_field, keyring
from privacyhub.errors import ValidationFailed
from privacyhub.extensions import db
from privacyhub.models import RequestIdentity, SubjectRequest

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9]{6,15}$")
AAD = b"subject_request_identity"
# The identity an audit event and an e-mail use when a request carries several.
PREFERENCE = ("email", "user_id", "phone")


def normalise(identity_type: str, value: str) -> str:
    """The canonical form, so the same person always hashes the same way."""
    value = value.strip()
    if identity_type == "email":
        value = value.lower()
        if not EMAIL.match(value) or len(value) > 320:
            raise ValidationFailed("the e-mail address is not valid")
    elif identity_type == "phone":
        value = re.sub(r"[\s\-().]", "", value)
        if not PHONE.match(value):
            raise ValidationFailed("the phone number must be digits, optionally with a leading +")
    elif identity_type == "user_id":
        if not value or len(value) > 200:
            raise ValidationFailed("the user id must be 1-200 characters")
    else:
        raise ValidationFailed(f"unknown identity type '{identity_type}'")
    return value


def identity_hmac(identity_type: str, value: str) -> str:
    """The searchable keyed HMAC of a normalised identity."""
    return keyring().pseudonym(f"identity:{identity_type}:{value}")


def mask(identity_type: str, value: str) -> str:
    """A hint an operator can work with before revealing the value (``j***@example.com``)."""
    if identity_type == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return value[:2] + "***" + value[-2:] if len(value) > 6 else "***"


def add_identity(request: SubjectRequest, identity_type: str, value: str) -> RequestIdentity:
    """Attach an identity to the request, sealed; duplicates are ignored."""
    value = normalise(identity_type, value)
    digest = identity_hmac(identity_type, value)
    for existing in request.identities:
        if existing.value_hmac == digest:
            return existing
    identity = RequestIdentity(identity_type=identity_type, value_hmac=digest, masked=mask(identity_type, value),
                               value_sealed=encrypt_field(value.encode(), aad=AAD))
    request.identities.append(identity)
    return identity


def reveal(identity: RequestIdentity) -> str:
    """The identity's clear value (callers audit who looked)."""
    return decrypt_field(identity.value_sealed, aad=AAD).decode()


def identity_value(request: SubjectRequest, identity_type: str) -> str | None:
    """The clear value of the request's first identity of this type."""
    for identity in request.identities:
        if identity.identity_type == identity_type:
            return reveal(identity)
    return None


def audit_subject(request: SubjectRequest) -> str | None:
    """The identifier audit events about this request are filed under."""
    for identity_type in PREFERENCE:
        value = identity_value(request, identity_type)
        if value:
            return value
    return None


def requests_for_identity(identity_type: str, value: str) -> list[SubjectRequest]:
    """Every request that names this identity, newest first."""
    digest = identity_hmac(identity_type, normalise(identity_type, value))
    return list(db.session.scalars(
        select(SubjectRequest).join(RequestIdentity)
        .where(RequestIdentity.value_hmac == digest).order_by(SubjectRequest.seq.desc())
    ))
