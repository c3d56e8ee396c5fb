"""Making a queued callback's HTTP POST, signed at send time, and recording the outcome."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from sqlalchemy import select

from privacyhub.dsr.callbacks import SIGNATURE_HEADER, callback_secret, sign
from privacyhub.dsr.opengdpr_signing import signature_headers
from privacyhub.extensions import db
from privacyhub.models import CallbackDelivery
from privacyhub.models.types import utcnow

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8


def signed_request(delivery: CallbackDelivery) -> urllib.request.Request:
    """The POST for one delivery, with the signature of its scheme over the exact body bytes."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "PrivacyHub-Callbacks/1"}
    if delivery.scheme == "opengdpr":
        headers.update(signature_headers(body))
    else:
        headers[SIGNATURE_HEADER] = sign(callback_secret(), body, int(time.time()))
    return urllib.request.Request(delivery.url, data=body, headers=headers, method="POST")  # noqa: S310


def deliver_callback(delivery_id: int) -> bool:
    """POST one callback (the caller commits); True once the receiver answered 2xx.

    Failures are recorded, not raised, so the task can retry with back-off; after
    ``MAX_ATTEMPTS`` the delivery is marked abandoned and shows in the console.
    """
    delivery = db.session.get(CallbackDelivery, delivery_id)
    if delivery is None or delivery.delivered_at or delivery.abandoned_at:
        return delivery is not None and delivery.delivered_at is not None
    if not delivery.url.startswith(("https://", "http://")):
        delivery.abandoned_at, delivery.last_error = utcnow(), "only http(s) callback URLs are allowed"
        return False
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    try:
        with urllib.request.urlopen(signed_request(delivery), timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            delivery.last_status_code = response.status
    except urllib.error.HTTPError as exc:
        delivery.last_status_code, delivery.last_error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    else:
        delivery.delivered_at, delivery.last_error = utcnow(), None
        return True
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.abandoned_at = utcnow()
    return False


def unsent_callback_ids(older_than: timedelta = timedelta(minutes=10), limit: int = 100) -> list[int]:
    """Deliveries never attempted although queued a while ago: their task was lost on the way."""
    return list(db.session.scalars(
        select(CallbackDelivery.id).where(
            CallbackDelivery.attempts == 0, CallbackDelivery.delivered_at.is_(None),
            CallbackDelivery.abandoned_at.is_(None), CallbackDelivery.created_at < utcnow() - older_than,
        ).order_by(CallbackDelivery.id).limit(limit)
    ))
