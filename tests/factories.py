"""Builders for the payloads tests send."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def event_payload(n: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid audit event; ``n`` varies the id, time and actor."""
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "occurred_at": (BASE_TIME + timedelta(seconds=n)).isoformat(),
        "action": "user.login",
        "actor": {"type": "user", "id": f"user-{n % 7}", "name": f"User {n % 7}"},
        "targets": [{"type": "account", "id": f"acct-{n % 3}"}],
        "subject": f"person{n % 5}@example.com",
        "context": {"ip": "192.0.2.10", "user_agent": "pytest", "location": "DE"},
        "outcome": "success",
        "metadata": {"n": n},
        "personal_data": {"email": f"person{n % 5}@example.com"},
    }
    payload.update(overrides)
    return payload


def event_batch(count: int, **overrides: Any) -> dict[str, Any]:
    """``{"events": [...]}`` with ``count`` distinct events."""
    return {"events": [event_payload(i, **overrides) for i in range(count)]}


OPERATOR_ACTOR = {"type": "operator", "id": "1", "name": "officer@example.com"}


def incident_fields(**overrides: Any) -> dict[str, Any]:
    """A complete incident record (domain field names, aware UTC datetimes)."""
    fields: dict[str, Any] = {
        "title": "Customer database exposed through a misconfigured backup bucket",
        "description": "A nightly backup was readable without authentication for nine days.",
        "nature": ["confidentiality"],
        "discovery": "A security researcher reported it by e-mail.",
        "occurred_from": BASE_TIME - timedelta(days=9),
        "occurred_to": BASE_TIME - timedelta(hours=2),
        "aware_at": BASE_TIME,
        "data_categories": ["user.contact.email", "user.name", "user.health_and_medical"],
        "subject_categories": ["customer"],
        "subjects_min": 1000,
        "subjects_max": 5000,
        "records_min": 12000,
        "records_max": 12000,
        "consequences": "Phishing aimed at the customers; disclosure of health information.",
        "measures_taken": "Bucket made private; access keys rotated.",
        "measures_proposed": "Customers told to watch for phishing; backup policy reviewed.",
        "contact_point": "Dana Schmidt, DPO, dpo@example.com, +49 30 1234567",
        "systems_affected": [],
        "risk": "high_risk",
        "risk_rationale": "Health data of many customers, publicly readable.",
        "owner": "officer@example.com",
    }
    fields.update(overrides)
    return fields
