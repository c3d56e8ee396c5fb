"""Reading the audit log back: filters, cursor paging and the public shape of an event."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.personal import OpeningKeys
from privacyhub.crypto import Keyring, keyring
from privacyhub.errors import BadRequest
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditEventTarget, SubjectKey


@dataclass
class EventFilter:
    """What a caller may narrow the log by; every field is optional."""

    action: str | None = None
    actor_id: str | None = None
    target_id: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def encode_cursor(seq: int) -> str:
    """An opaque cursor for the position after ``seq``."""
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The ``seq`` a cursor points after; 400 when it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("s"):
            raise ValueError(raw)
        return int(raw[1:])
    except ValueError as exc:
        raise BadRequest("the cursor is not valid; use next_cursor from a previous page") from exc


def filtered(flt: EventFilter, ring: Keyring) -> Select[AuditEvent]:
    """A SELECT of the events matching the filter, in log order."""
    stmt = select(AuditEvent)
    if flt.action:
        if flt.action.endswith(".*"):
            stmt = stmt.where(AuditEvent.action.startswith(flt.action[:-1], autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == flt.actor_id)
    if flt.target_id:
        stmt = stmt.where(AuditEvent.id.in_(
            select(AuditEventTarget.event_id).where(AuditEventTarget.target_id == flt.target_id)
        ))
    if flt.subject:
        # Only events under the subject's live key: once shredded, a subject's past events
        # can no longer be found by its identifier.
        pseudonym = ring.pseudonym(flt.subject)
        stmt = stmt.where(AuditEvent.subject_ref == pseudonym, AuditEvent.subject_key_id.in_(
            select(SubjectKey.id).where(SubjectKey.pseudonym == pseudonym, SubjectKey.shredded_at.is_(None))
        ))
    if flt.since:
        stmt = stmt.where(AuditEvent.occurred_at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.occurred_at < flt.until)
    return stmt.order_by(AuditEvent.seq)


def page_events(flt: EventFilter, limit: int, cursor: str | None) -> tuple[list[AuditEvent], str | None]:
    """One page of matching events and the cursor for the next page (None at the end)."""
    stmt = filtered(flt, keyring())
    if cursor:
        stmt = stmt.where(AuditEvent.seq > decode_cursor(cursor))
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].seq)
    return rows, None


def get_event(event_id: str) -> AuditEvent | None:
    """The stored event with this client id."""
    return db.session.scalar(select(AuditEvent).where(AuditEvent.id == event_id))


def event_to_dict(event: AuditEvent, ring: Keyring | None = None, keys: OpeningKeys | None = None) -> dict[str, Any]:
    """The public JSON shape of a stored event, personal fields opened when still readable."""
    keys = keys or OpeningKeys.for_events(ring or keyring(), [event])
    personal = keys.open(event.subject_key_id, event.id, event.sealed)
    return {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "received_at": event.received_at.isoformat(),
        "action": event.action,
        "actor": {"type": event.actor_type, "id": event.actor_id, "name": event.actor_name},
        "targets": event.targets,
        "subject": personal.get("subject"),
        "context": {"ip": personal.get("ip"), "user_agent": personal.get("user_agent"),
                    "location": event.location},
        "outcome": event.outcome,
        "metadata": event.event_metadata,
        "personal_data": personal.get("personal_data", {}),
        "source": event.source,
        "leaf_index": event.leaf_index,
    }


WITHHELD = "[withheld]"


def withhold_personal(event: dict[str, Any]) -> dict[str, Any]:
    """The public shape with its personal values replaced by ``WITHHELD`` (the keys of ``personal_data`` stay).

    The console lists events this way; an operator reveals one event's personal data on request,
    and that viewing is itself recorded (``record_personal_data_viewed``).
    """
    context = event["context"]
    return {
        **event,
        "subject": WITHHELD if event["subject"] is not None else None,
        "context": {**context, "ip": WITHHELD if context["ip"] else None,
                    "user_agent": WITHHELD if context["user_agent"] else None},
        "personal_data": dict.fromkeys(event["personal_data"], WITHHELD),
    }


def has_personal(event: dict[str, Any]) -> bool:
    """Whether the event holds personal values that are still readable (not shredded)."""
    context = event["context"]
    return bool(event["subject"] or event["personal_data"] or context["ip"] or context["user_agent"])


def record_personal_data_viewed(actor: dict[str, Any], event_id: str) -> None:
    """Record, in the caller's transaction, that ``actor`` was shown the personal data of an event."""
    record_hub_event("audit.personal_data_viewed", actor, [{"type": "audit_event", "id": event_id}])


def events_to_dicts(events: Sequence[AuditEvent]) -> list[dict[str, Any]]:
    """Public shapes for a page of events, loading the page's subject keys in one query."""
    keys = OpeningKeys.for_events(keyring(), events)
    return [event_to_dict(e, keys=keys) for e in events]
