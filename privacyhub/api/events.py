"""``/v1/events``: ingest and read audit events."""

from __future__ import annotations

from flask import g
from flask_openapi3 import Tag

from privacyhub.api import api_blueprint
from privacyhub.audit.ingest import ingest_events
from privacyhub.audit.query import EventFilter, event_to_dict, events_to_dicts, get_event, page_events
from privacyhub.audit.schemas import EventIngest, EventOut, EventPage, EventPath, EventQuery, IngestResult
from privacyhub.auth.api_keys import require_scope
from privacyhub.errors import NotFound

bp = api_blueprint("events")
TAG = [Tag(name="events", description="Audit events")]


@bp.post("/events", tags=TAG, security=[{"bearer": []}], responses={201: IngestResult, 200: IngestResult})
@require_scope("events:write")
def post_events(body: EventIngest):
    """Store one event, or a batch of up to 1,000; answers only once they are committed.

    201 when anything new was stored, 200 when every event was an identical repeat.
    """
    outcome = ingest_events(body.events(), source=g.api_key.name)
    status = 201 if outcome.accepted else 200
    return {"accepted": outcome.accepted, "duplicates": outcome.duplicates}, status


@bp.get("/events", tags=TAG, security=[{"bearer": []}], responses={200: EventPage})
@require_scope("events:read")
def list_events(query: EventQuery):
    """Events matching the filters, oldest first, in pages of ``limit`` with a cursor."""
    flt = EventFilter(action=query.action, actor_id=query.actor_id, target_id=query.target_id,
                      subject=query.subject, since=query.since, until=query.until)
    events, next_cursor = page_events(flt, query.limit, query.cursor)
    return {"events": events_to_dicts(events), "next_cursor": next_cursor}


@bp.get("/events/<event_id>", tags=TAG, security=[{"bearer": []}], responses={200: EventOut})
@require_scope("events:read")
def show_event(path: EventPath):
    """One event by its id."""
    event = get_event(str(path.event_id))
    if event is None:
        raise NotFound("no event with this id")
    return event_to_dict(event)
