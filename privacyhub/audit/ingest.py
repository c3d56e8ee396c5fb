"""Storing audit events: validated, de-duplicated by id, all or nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rfc8785
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from privacyhub.audit.personal import seal_personal
from privacyhub.audit.schemas import EventIn
from privacyhub.crypto import Keyring, keyring
from privacyhub.errors import Conflict
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditEventTarget
from privacyhub.models.types import utcnow

HUB_SOURCE = "privacyhub"


@dataclass
class IngestOutcome:
    accepted: int
    duplicates: int


def content_digest(ring: Keyring, event: EventIn) -> str:
    """Keyed digest of the event exactly as submitted, to tell duplicates from conflicts."""
    return ring.digest(rfc8785.dumps(event.model_dump(mode="json")))


def build_row(ring: Keyring, event: EventIn, source: str, received_at: datetime, digest: str) -> dict[str, Any]:
    """The ``audit_events`` row for one event."""
    key_id, sealed = seal_personal(ring, event.subject, {
        "personal_data": event.personal_data,
        "ip": str(event.context.ip) if event.context.ip else None,
        "user_agent": event.context.user_agent,
    })
    return {
        "id": str(event.id),
        "occurred_at": event.occurred_at or received_at,
        "received_at": received_at,
        "action": event.action,
        "actor_type": event.actor.type,
        "actor_id": event.actor.id,
        "actor_name": event.actor.name,
        "targets": [t.model_dump() for t in event.targets],
        "outcome": event.outcome,
        "location": event.context.location,
        "event_metadata": event.metadata,
        "source": source,
        "subject_ref": ring.pseudonym(event.subject) if event.subject else None,
        "subject_key_id": key_id,
        "sealed": sealed,
        "content_digest": digest,
    }


def _split_new(digests: dict[str, str]) -> tuple[set[str], int]:
    """Ids not stored yet, and how many submitted ones are stored with identical content."""
    stored: dict[str, str] = {}
    ids = list(digests)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stored.update(db.session.execute(
            select(AuditEvent.id, AuditEvent.content_digest).where(AuditEvent.id.in_(chunk))
        ).all())
    conflicts = [i for i, d in stored.items() if digests[i] != d]
    if conflicts:
        raise Conflict("events with these ids already exist with different content",
                       conflicting_ids=sorted(conflicts))
    return set(ids) - set(stored), len(stored)


def add_events(events: list[EventIn], source: str) -> IngestOutcome:
    """Add events to the session (not committed): new ones inserted, identical repeats skipped."""
    ring = keyring()
    digests: dict[str, str] = {}
    in_batch_duplicates = 0
    for event in events:
        event_id, digest = str(event.id), content_digest(ring, event)
        if event_id in digests:
            if digests[event_id] != digest:
                raise Conflict("the batch holds one id twice with different content", conflicting_ids=[event_id])
            in_batch_duplicates += 1
        digests[event_id] = digest
    new_ids, stored_duplicates = _split_new(digests)
    received_at = utcnow()
    rows, target_rows, seen = [], [], set()
    for event in events:
        event_id = str(event.id)
        if event_id not in new_ids or event_id in seen:
            continue
        seen.add(event_id)
        rows.append(build_row(ring, event, source, received_at, digests[event_id]))
        target_rows.extend({"event_id": event_id, "target_type": t.type, "target_id": t.id} for t in event.targets)
    if rows:
        db.session.execute(insert(AuditEvent), rows)
    if target_rows:
        db.session.execute(insert(AuditEventTarget), target_rows)
    return IngestOutcome(accepted=len(rows), duplicates=in_batch_duplicates + stored_duplicates)


def ingest_events(events: list[EventIn], source: str) -> IngestOutcome:
    """Store a batch durably and return the counts; a concurrent insert of the same id is retried once."""
    for attempt in range(2):
        try:
            outcome = add_events(events, source)
            db.session.commit()
            return outcome
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def record_hub_event(action: str, actor: dict[str, Any], targets: list[dict[str, Any]] | None = None,
                     outcome: str = "success", metadata: dict[str, Any] | None = None,
                     subject: str | None = None, context: dict[str, Any] | None = None) -> None:
    """Write one of the hub's own events into the current transaction (the caller commits).

    Everything PrivacyHub does to itself (console actions, logins, key changes) goes
    through here, so the record commits or rolls back together with the change.
    """
    event = EventIn.model_validate({
        "id": uuid.uuid4(), "occurred_at": utcnow(), "action": action, "actor": actor,
        "targets": targets or [], "outcome": outcome, "metadata": metadata or {},
        "subject": subject, "context": context or {},
    })
    add_events([event], HUB_SOURCE)
