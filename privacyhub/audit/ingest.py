"""Storing audit events: validated, de-duplicated by id, all or nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.exc import IntegrityError

from privacyhub.audit import HUB_SOURCE
from privacyhub.audit.batch_sql import bulk_insert, one_of
from privacyhub.audit.personal import SealingKeys, key_owner
from privacyhub.audit.record import STORED_ORDER, CanonicalText, canonical_json, leaf_hash_from_stored
from privacyhub.audit.schemas import EventIn
from privacyhub.crypto import Keyring, keyring
from privacyhub.errors import Conflict
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditEventTarget, AuditLeaf, PurgedAuditEvent
from privacyhub.models.types import utcnow


@dataclass
class IngestOutcome:
    accepted: int
    duplicates: int


def content_digest(ring: Keyring, event: EventIn) -> str:
    """Keyed digest of the event exactly as submitted, to tell duplicates from conflicts."""
    submitted = event.model_dump(mode="json")
    return ring.digest(canonical_json(submitted, free_form=(submitted["metadata"], submitted["personal_data"])))


def personal_fields(event: EventIn) -> dict[str, Any]:
    """The parts of an event that are sealed besides its subject."""
    return {
        "personal_data": event.personal_data,
        "ip": event.context.ip,
        "user_agent": event.context.user_agent,
    }


def event_key_owner(event: EventIn) -> str | None:
    """Whose data key seals this event's personal fields."""
    return key_owner(event.subject, event.actor.type, event.actor.id, personal_fields(event))


def build_row(ring: Keyring, event: EventIn, source: str, received_at: datetime, digest: str,
              keys: SealingKeys | None = None) -> dict[str, Any]:
    """The ``audit_events`` row for one event: personal fields sealed, leaf hash computed.

    ``keys`` holds the batch's subject keys; without it the event's key is looked up alone.
    """
    owner = event_key_owner(event)
    if keys is None:
        keys = SealingKeys(ring, [owner] if owner else [])
    event_id = str(event.id)
    key_id, sealed = keys.seal(owner, event_id, event.subject, personal_fields(event))
    row = {
        "id": event_id,
        "occurred_at": event.occurred_at or received_at,
        "received_at": received_at,
        "action": event.action,
        "actor_type": event.actor.type,
        "actor_id": event.actor.id,
        "actor_name": event.actor.name,
        "targets": CanonicalText.of([t.model_dump() for t in event.targets], free_form=()),
        "outcome": event.outcome,
        "location": event.context.location,
        "event_metadata": CanonicalText.of(event.metadata),
        "source": source,
        "subject_ref": ring.pseudonym(event.subject) if event.subject else None,
        "subject_key_id": key_id,
        "sealed": sealed,
        "content_digest": digest,
    }
    row["leaf_hash"] = leaf_hash_from_stored(tuple(row[name] for name in STORED_ORDER))
    return row


def _split_new(digests: dict[str, str]) -> tuple[set[str], int]:
    """Ids not stored yet, and how many submitted ones are stored with identical content.

    An id the retention purge removed counts as stored: its content can no longer be
    compared, and storing it again would log it twice.
    """
    stored: dict[str, str | None] = {}
    ids = list(digests)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stored.update(db.session.execute(
            select(AuditEvent.id, AuditEvent.content_digest).where(one_of(AuditEvent.id, chunk)).union_all(
                select(PurgedAuditEvent.id, literal(None)).where(one_of(PurgedAuditEvent.id, chunk)))
        ).all())
    conflicts = [i for i, d in stored.items() if d is not None and digests[i] != d]
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
    fresh = [e for e in events if str(e.id) in new_ids]
    keys = SealingKeys(ring, {owner for owner in map(event_key_owner, fresh) if owner})
    rows: list[dict[str, Any]] = []
    target_rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for event in fresh:
        event_id = str(event.id)
        if event_id in seen:
            continue
        seen.add(event_id)
        rows.append(build_row(ring, event, source, received_at, digests[event_id], keys))
        target_rows.extend({"event_id": event_id, "target_type": t.type, "target_id": t.id} for t in event.targets)
    if rows:
        bulk_insert(AuditEvent, rows)
        # Queue the new events for the sealer: their rows in audit_leaves, no leaf index yet.
        db.session.execute(insert(AuditLeaf).from_select(
            ["seq"], select(AuditEvent.seq).where(one_of(AuditEvent.id, [row["id"] for row in rows]))))
    bulk_insert(AuditEventTarget, target_rows)
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
