"""TOTP: codes within one step of drift are accepted once each; the secret is stored sealed."""

from __future__ import annotations

import time

import pyotp
import pytest
from cryptography.exceptions import InvalidTag

from privacyhub.auth.operators import create_operator
from privacyhub.auth.totp import confirm_enrolment, enrolment_secret, provisioning_uri, verify_code
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.extensions import db
from privacyhub.models import Operator


@pytest.fixture
def enrolled(app):
    operator, _ = create_operator("totp@example.com", "admin", CLI_ACTOR)
    secret = enrolment_secret(operator)
    assert not operator.totp_enabled
    assert not confirm_enrolment(operator, "000000")
    assert confirm_enrolment(operator, pyotp.TOTP(secret).at(time.time() - 30))
    db.session.commit()
    return operator, pyotp.TOTP(secret)


def test_codes_within_one_step_are_accepted_once(enrolled):
    operator, totp = enrolled
    now = time.time()
    assert not verify_code(operator, totp.at(now - 30))  # used for the enrolment
    assert not verify_code(operator, totp.at(now - 90))  # too old
    assert not verify_code(operator, totp.at(now + 90))  # too far ahead
    code = totp.at(now)
    assert verify_code(operator, f" {code[:3]} {code[3:]} ")  # spaces as apps show them are fine
    assert not verify_code(operator, code)  # replayed
    assert not verify_code(operator, "12345a")


def test_the_secret_is_sealed_at_rest_and_bound_to_its_operator(enrolled):
    operator, totp = enrolled
    stored = db.session.get(Operator, operator.id).totp_secret_sealed
    assert totp.secret.encode() not in stored
    other, _ = create_operator("other@example.com", "auditor", CLI_ACTOR)
    other.totp_secret_sealed = stored  # copied to another row, it does not open
    with pytest.raises(InvalidTag):
        verify_code(other, totp.now())


def test_the_provisioning_uri_names_the_hub_and_the_operator(enrolled):
    operator, totp = enrolled
    uri = provisioning_uri(operator, totp.secret)
    assert uri.startswith("otpauth://totp/PrivacyHub:totp%40example.com?secret=") and "issuer=PrivacyHub" in uri
