"""The TOTP second factor (RFC 6238): enrolment with a QR code, verification without replay.

The shared secret is stored sealed with the hub's field encryption, bound to the
operator's row, and only opened to check a code or to show it during enrolment.
"""

from __future__ import annotations

import hmac
from typing import Any

import pyotp
import segno
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth.operators import Actor, operator_actor, operator_target
from privacyhub.crypto import decrypt_field, encrypt_field
from privacyhub.extensions import db
from privacyhub.models import Operator
from privacyhub.models.types import utcnow

ISSUER = "PrivacyHub"
DRIFT_STEPS = 1  # accept the previous and next 30-second step for clock drift


def secret_aad(operator_id: int) -> bytes:
    """Binds a sealed TOTP secret to its operator's row."""
    return f"operators.totp_secret:{operator_id}".encode()


def _secret(operator: Operator) -> str | None:
    if operator.totp_secret_sealed is None:
        return None
    return decrypt_field(operator.totp_secret_sealed, aad=secret_aad(operator.id)).decode()


def enrolment_secret(operator: Operator) -> str:
    """The secret to show while enrolling, created on first use; not active until confirmed."""
    if operator.totp_enabled:
        raise ValueError("two-factor authentication is already on")
    secret = _secret(operator)
    if secret is None:
        secret = pyotp.random_base32()
        operator.totp_secret_sealed = encrypt_field(secret.encode(), aad=secret_aad(operator.id))
    return secret


def provisioning_uri(operator: Operator, secret: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=operator.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The URI as an SVG QR code in a ``data:`` URI (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def verify_code(operator: Operator, code: str) -> bool:
    """Check a code against the operator's secret; each time step is accepted only once."""
    secret = _secret(operator)
    code = "".join(code.split())
    if secret is None or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(utcnow())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if operator.totp_last_step is not None and step <= operator.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return _claim_step(operator, step)
    return False


def _claim_step(operator: Operator, step: int) -> bool:
    """Record ``step`` as used, atomically: of two requests racing with one code, only one wins."""
    claimed = db.session.execute(
        update(Operator)
        .where(Operator.id == operator.id,
               or_(Operator.totp_last_step.is_(None), Operator.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(operator, "totp_last_step", step)
    return True


def confirm_enrolment(operator: Operator, code: str, context: dict[str, Any] | None = None) -> bool:
    """Switch the second factor on when ``code`` matches the enrolment secret."""
    if operator.totp_enabled or not verify_code(operator, code):
        return False
    operator.totp_enabled_at = utcnow()
    record_hub_event("operator.totp_enabled", operator_actor(operator), [operator_target(operator)],
                     context=context)
    return True


def reset_second_factor(operator: Operator, actor: Actor) -> None:
    """Remove the operator's authenticator (lost phone); admins must enrol again at next sign-in."""
    operator.totp_secret_sealed = None
    operator.totp_enabled_at = None
    operator.totp_last_step = None
    record_hub_event("operator.totp_reset", actor, [operator_target(operator)])
