"""Throttling of failed console sign-ins per client address.

After ``FAILURE_LIMIT`` failures within ``WINDOW`` an address may not try again until
the oldest of them leaves the window. Counted in the database, so it holds across web
processes and restarts.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import LoginFailure
from privacyhub.models.types import utcnow

FAILURE_LIMIT = 5
WINDOW = timedelta(hours=1)


def client_ref(ip: str | None) -> str:
    """The keyed pseudonym an address is counted under (the address itself is not stored)."""
    return keyring().pseudonym(f"console-client:{ip or 'unknown'}")


def retry_after(ip: str | None) -> int | None:
    """Seconds this address must wait before it may try again, or None when it may try now."""
    now = utcnow()
    recent = list(db.session.scalars(
        select(LoginFailure.failed_at)
        .where(LoginFailure.client_ref == client_ref(ip), LoginFailure.failed_at > now - WINDOW)
        .order_by(LoginFailure.failed_at.desc())
        .limit(FAILURE_LIMIT)
    ))
    if len(recent) < FAILURE_LIMIT:
        return None
    return max(1, int((recent[-1] + WINDOW - now).total_seconds()) + 1)


def record_failure(ip: str | None) -> None:
    """Count one failure for the address, and forget failures that have left the window."""
    now = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - WINDOW))
    db.session.add(LoginFailure(client_ref=client_ref(ip), failed_at=now))
