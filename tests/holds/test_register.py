"""Placing, changing and releasing holds: checked, sealed, audited; owners reminded before expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.extensions import db
from privacyhub.holds.register import change_hold, release_hold, reveal_hold_identity
from privacyhub.holds.reminders import send_hold_reminders
from privacyhub.mail import open_message
from privacyhub.models import AuditEvent, LegalHold, OutboxMessage
from tests.console import hub_events
from tests.retention.shop import NOW
from tests.retention_support import OFFICER, place_hold


@pytest.fixture
def product_url(tmp_path):
    """The holds' rules need only one product backend."""
    from tests.retention_support import app_database

    yield from app_database("sqlite", tmp_path)


def test_subject_holds_keep_the_identity_sealed(product):
    hold = place_hold("subject", identity_type="email", identity_value=" Ada@Example.COM ")
    stored = db.session.get(LegalHold, hold.id)
    assert stored.identity_masked == "a***@example.com"
    assert b"ada@example.com" not in stored.identity_sealed
    assert reveal_hold_identity(stored, OFFICER) == "ada@example.com"   # normalised, as requests are
    placed = hub_events("legal_hold.placed")[0]
    assert placed["metadata"]["covers"] == "subject by email" and "ada" not in str(placed["metadata"])
    assert placed["subject"] == "ada@example.com"                       # sealed under the subject's key


@pytest.mark.parametrize(("options", "field"), [
    ({"scope": "collection", "system": "app", "collection": "nope"}, "collection"),
    ({"scope": "collection", "system": "app", "collection": "orders", "filter": {"colour": "red"}}, "filter.colour"),
    ({"scope": "collection", "collection": "orders"}, "collection"),
    ({"scope": "subject"}, "identity"),
    ({"scope": "subject", "identity_type": "email", "identity_value": "ada@example.com", "owner": "counsel"},
     "owner"),
    ({"scope": "subject", "identity_type": "email", "identity_value": "ada@example.com", "reason": " "}, "reason"),
    ({"scope": "subject", "identity_type": "email", "identity_value": "ada@example.com",
      "expires_at": NOW - timedelta(days=2)}, "expires_at"),
])
def test_holds_are_checked_before_they_are_placed(product, options, field):
    scope = options.pop("scope")
    with pytest.raises(ValidationFailed) as refused:
        place_hold(scope, **options)
    assert refused.value.errors[0]["field"] == field
    db.session.rollback()
    assert db.session.scalar(select(LegalHold)) is None


def test_changes_and_release_are_audited(product):
    hold = place_hold("collection", system="app", collection="orders", filter={"customer_id": [1, 2]})
    change_hold(hold, OFFICER, expires_at=NOW + timedelta(days=60), owner="lead@example.com")
    db.session.commit()
    assert hub_events("legal_hold.changed")[0]["metadata"]["changed"].keys() == {"owner", "expires_at"}
    release_hold(hold, OFFICER, "settled")
    db.session.commit()
    assert hold.released_at is not None and not hold.in_force(NOW)
    with pytest.raises(Conflict):
        release_hold(hold, OFFICER, "again")
    with pytest.raises(Conflict):
        change_hold(hold, OFFICER, reason="too late")
    assert [e["action"] for e in hub_events("legal_hold.*")] == [
        "legal_hold.placed", "legal_hold.changed", "legal_hold.released"]


def test_the_owner_is_reminded_once_per_mark_before_expiry(product):
    hold = place_hold("collection", system="app", collection="orders", expires_at=NOW + timedelta(days=20))
    assert send_hold_reminders(NOW, marks=[14, 3]) == 0                 # 20 days left
    assert send_hold_reminders(NOW + timedelta(days=7), marks=[14, 3]) == 1
    assert send_hold_reminders(NOW + timedelta(days=8), marks=[14, 3]) == 0  # the 14-day mark is done
    assert send_hold_reminders(NOW + timedelta(days=18), marks=[14, 3]) == 1
    assert send_hold_reminders(NOW + timedelta(days=21), marks=[14, 3]) == 0  # expired: nothing more
    db.session.commit()
    messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.template for m in messages] == ["hold_expiring", "hold_expiring"]
    recipient, text, _ = open_message(messages[0])
    assert recipient == "counsel@example.com"
    assert f"HOLD-{hold.id}" in text and "13 day(s) left" in text and "collection orders" in text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "legal_hold.expiry_reminder"))
    assert hold.reminders_sent == [3, 14]
