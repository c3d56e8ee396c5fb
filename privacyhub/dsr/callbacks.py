"""Signed status callbacks to product services (``X-PrivacyHub-Signature``).

The signature is ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``, the
scheme Stripe popularised: the timestamp is signed with the body, so a receiver that
checks the window (``verify_signature``) rejects a captured callback replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import current_app

from privacyhub.crypto import derive_key
from privacyhub.dispatch import send_after_commit
from privacyhub.dsr.opengdpr import callback_body
from privacyhub.extensions import db
from privacyhub.keyfiles import load_secret_key
from privacyhub.models import CallbackDelivery, SubjectRequest
from privacyhub.models.types import utcnow

SIGNATURE_HEADER = "X-PrivacyHub-Signature"
REPLAY_WINDOW_SECONDS = 300
DELIVER_TASK = "tasks.requests.deliver_callback"


class InvalidSignature(ValueError):
    """The callback is not from the hub, was altered, or is outside the replay window."""


def callback_secret() -> bytes:
    """The shared secret receivers verify with: ``PRIVACYHUB_CALLBACK_SECRET`` or one derived from the hub's."""
    settings = current_app.extensions["privacyhub.settings"]
    if settings.callback_secret:
        return settings.callback_secret.encode()  # type: ignore[no-any-return]
    return derive_key(load_secret_key(settings).encode(), "privacyhub callbacks v1").hex().encode()


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: bytes, body: bytes, header: str, *,
                     tolerance: int = REPLAY_WINDOW_SECONDS, now: float | None = None) -> int:
    """Check a received callback; returns its timestamp or raises ``InvalidSignature``.

    For receivers: pass the raw body bytes, before parsing them. Any ``v1`` entry may
    match (several appear while a secret is being rotated).
    """
    parts = [item.strip().partition("=") for item in header.split(",")]
    timestamps = [value for key, _, value in parts if key == "t"]
    signatures = [value for key, _, value in parts if key == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise InvalidSignature("malformed signature header")
    timestamp = int(timestamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the replay window")
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("signature does not match")
    return timestamp


def status_payload(request: SubjectRequest, previous_status: str | None) -> dict[str, Any]:
    """What a product service learns on every change: no personal data, only the request's state."""
    return {
        "event": "subject_request.status_changed",
        "request": {
            "id": request.id,
            "type": request.type,
            "status": request.status,
            "previous_status": previous_status,
            "due_at": request.due_at.isoformat() if request.due_at else None,
            "extended_due_at": request.extended_due_at.isoformat() if request.extended_due_at else None,
            "denial_reason": request.denial_reason,
            "results_url": request.results_url,
        },
        "sent_for": utcnow().isoformat(),
    }


def queue_callbacks(request: SubjectRequest, previous_status: str | None) -> list[CallbackDelivery]:
    """One delivery per registered URL, sent once the caller commits (and retried until delivered)."""
    deliveries = []
    if request.callback_url:
        deliveries.append(CallbackDelivery(request_seq=request.seq, scheme="privacyhub", url=request.callback_url,
                                           payload=status_payload(request, previous_status)))
    for url in request.opengdpr_callback_urls or []:
        deliveries.append(CallbackDelivery(request_seq=request.seq, scheme="opengdpr", url=url,
                                           payload=callback_body(request, url)))
    for delivery in deliveries:
        db.session.add(delivery)
    if deliveries:
        db.session.flush()
        for delivery in deliveries:
            send_after_commit(DELIVER_TASK, delivery.id)
    return deliveries
