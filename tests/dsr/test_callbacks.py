"""Signed status callbacks: the documented scheme, the replay window, real delivery with retries."""

import hashlib
import hmac
import json
import time

import pytest

from privacyhub.dsr.actors import Actor
from privacyhub.dsr.callbacks import (
    SIGNATURE_HEADER,
    InvalidSignature,
    callback_secret,
    sign,
    verify_signature,
)
from privacyhub.dsr.lifecycle import transition
from privacyhub.extensions import db
from privacyhub.models import CallbackDelivery

SECRET = b"whsec-test"
BODY = b'{"event":"subject_request.status_changed"}'


def test_signature_follows_the_documented_scheme():
    # t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>, as docs/requests.md says.
    header = sign(SECRET, BODY, 1_700_000_000)
    expected = hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify_signature(SECRET, BODY, header, now=1_700_000_010) == 1_700_000_000


def test_replayed_callback_outside_the_window_is_rejected():
    header = sign(SECRET, BODY, 1_700_000_000)
    with pytest.raises(InvalidSignature, match="replay window"):
        verify_signature(SECRET, BODY, header, now=1_700_000_000 + 301)
    with pytest.raises(InvalidSignature, match="replay window"):
        verify_signature(SECRET, BODY, header, now=1_700_000_000 - 301)


@pytest.mark.parametrize("tamper", [
    lambda h, b: (h, b + b" "),                                     # body changed
    lambda h, b: (h.replace("t=1700000000", "t=1700000001"), b),    # timestamp changed
    lambda h, b: ("t=1700000000", b),                               # no signature
    lambda h, b: ("garbage", b),
])
def test_altered_callbacks_are_rejected(tamper):
    header, body = tamper(sign(SECRET, BODY, 1_700_000_000), BODY)
    with pytest.raises(InvalidSignature):
        verify_signature(SECRET, body, header, now=1_700_000_000)


def test_wrong_secret_is_rejected():
    with pytest.raises(InvalidSignature):
        verify_signature(b"other", BODY, sign(SECRET, BODY, int(time.time())))


def test_any_v1_may_match_during_rotation():
    good = sign(SECRET, BODY, 1_700_000_000).split("v1=")[1]
    assert verify_signature(SECRET, BODY, f"t=1700000000,v1=deadbeef,v1={good}", now=1_700_000_000)


def _deliver_all():
    from tasks.requests import deliver_callback

    for delivery in db.session.query(CallbackDelivery).order_by(CallbackDelivery.id):
        deliver_callback.apply(args=[delivery.id])


def test_every_transition_posts_a_verifiable_callback(app, make_request, callback_receiver):
    secret = callback_secret()
    callback_receiver.check = lambda item: 200 if verify_signature(
        secret, item.body, item.headers[SIGNATURE_HEADER]) else 400
    request = make_request("pending", callback_url=callback_receiver.url)
    transition(request, "in_progress", Actor.operator("olga"))
    db.session.commit()
    transition(request, "completed", Actor.operator("olga"))
    db.session.commit()
    _deliver_all()
    bodies = [item.json() for item in callback_receiver.received]
    assert [(b["request"]["previous_status"], b["request"]["status"]) for b in bodies] == [
        (None, "pending"), ("pending", "in_progress"), ("in_progress", "completed")]
    assert all(b["request"]["id"] == request.id for b in bodies)
    assert "ada@example.com" not in json.dumps(bodies)  # no personal data in callbacks
    assert all(d.delivered_at for d in db.session.query(CallbackDelivery))


def test_failed_callbacks_are_retried_until_delivered(app, make_request, callback_receiver):
    callback_receiver.answers = [500, 503]
    make_request("pending", callback_url=callback_receiver.url)
    _deliver_all()
    delivery = db.session.query(CallbackDelivery).one()
    db.session.refresh(delivery)
    assert len(callback_receiver.received) == 3
    assert delivery.attempts == 3 and delivery.delivered_at is not None and delivery.last_status_code == 200
    # Each attempt is signed afresh over the same body.
    assert len({item.body for item in callback_receiver.received}) == 1


def test_callbacks_are_abandoned_after_the_last_attempt(app, make_request, callback_receiver):
    from privacyhub.dsr.delivery import MAX_ATTEMPTS

    callback_receiver.answers = [500] * 20
    make_request("pending", callback_url=callback_receiver.url)
    _deliver_all()
    delivery = db.session.query(CallbackDelivery).one()
    db.session.refresh(delivery)
    assert delivery.attempts == MAX_ATTEMPTS and delivery.abandoned_at is not None and delivery.delivered_at is None


def test_backoff_grows_and_is_capped():
    from tasks.requests import BACKOFF_CAP_SECONDS, backoff

    waits = [backoff(n) for n in range(10)]
    assert waits[0] < waits[1] < waits[2] < waits[3]
    assert max(waits) <= BACKOFF_CAP_SECONDS + 10


def test_worked_example_in_the_docs():
    body = b'{"event":"subject_request.status_changed"}'
    assert sign(b"example-secret", body, 1768478400) == \
        "t=1768478400,v1=faecca3c9510d9a349cef9aec422d30cd2842ae4d10373994cd8a3f0a2638f12"
