"""Operator passwords: argon2id with RFC 9106 parameters, one-time passwords, the strength rule."""

from __future__ import annotations

import pytest

from privacyhub.auth.passwords import check_new_password, hash_password, one_time_password, verify_password
from privacyhub.errors import BadRequest


@pytest.fixture
def backend():
    return "sqlite"


def test_hashes_are_argon2id_with_the_rfc_9106_low_memory_profile(app):
    stored = hash_password("a long and sound passphrase")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert stored != hash_password("a long and sound passphrase")  # salted
    assert verify_password(stored, "a long and sound passphrase")
    assert not verify_password(stored, "a long and sound passphrasE")
    assert not verify_password("not a hash", "anything")


def test_one_time_passwords_are_long_and_random():
    passwords = {one_time_password() for _ in range(50)}
    assert len(passwords) == 50 and all(len(p) >= 20 for p in passwords)


@pytest.mark.parametrize("password", ["short", "x" * 1025, "ada.lovelace-2026!", "aaaaaaaaaaaaaaaa"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(BadRequest):
        check_new_password(password, "ada.lovelace@example.com")


def test_a_sound_password_passes():
    check_new_password("correct horse battery staple", "ada@example.com")
