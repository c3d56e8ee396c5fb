"""Operator passwords: argon2id hashes, one-time passwords and the strength rule."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from privacyhub.errors import BadRequest

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 copes with more; this only stops megabyte "passwords"

# argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes).
_HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# Only for test apps (config PASSWORD_HASH_PROFILE="cheapest", never read from the environment),
# so suites that sign in hundreds of times stay fast; still argon2id.
_TEST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.testing and current_app.config.get("PASSWORD_HASH_PROFILE") == "cheapest":
        return _TEST_HASHER
    return _HASHER


def hash_password(password: str) -> str:
    """The argon2id hash (with its own salt and parameters) to store."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches the stored hash."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)


@cache
def _decoy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    """Do the work of one verification, so an unknown e-mail answers as slowly as a known one."""
    verify_password(_decoy_hash(_hasher()), password)


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
