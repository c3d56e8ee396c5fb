"""Operator passwords: argon2id hashes, one-time passwords and the strength rule."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from privacyhub.errors import BadRequest

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 copes with more; this only stops megabyte "passwords"

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory profile.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash (with its own salt and parameters) to store."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches the stored hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


@cache
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    """Do the work of one verification, so an unknown e-mail answers as slowly as a known one."""
    verify_password(_decoy_hash(), password)


def one_time_password() -> str:
    """A random password (120 bits) for a new or reset account; it must be changed at first use."""
    return secrets.token_urlsafe(15)


def check_new_password(password: str, email: str) -> None:
    """Refuse passwords too short, absurdly long or built from the operator's e-mail address."""
    if len(password) < MIN_LENGTH:
        raise BadRequest(f"the new password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise BadRequest(f"the new password may have at most {MAX_LENGTH} characters")
    if email.split("@")[0].lower() in password.lower() or len(set(password)) < 5:
        raise BadRequest("the new password is too easy to guess")
