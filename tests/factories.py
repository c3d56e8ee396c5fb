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
