"""``/v1/events``: ingest and read audit events."""

from __future__ import annotations

from flask import Response, g, stream_with_context
from flask_openapi3 import Tag
from sqlalchemy import select

from privacyhub.api import api_blueprint
from privacyhub.audit.export import CONTENT_TYPES, record_export, stream_export
from privacyhub.audit.ingest import ingest_events
from privacyhub.audit.proof_schemas import EventWithProofOut, ExportQuery
from privacyhub.audit.proofs import event_proof
from privacyhub.audit.query import EventFilter, event_to_dict, events_to_dicts, get_event, page_events
from privacyhub.audit.schemas import EventIngest, EventPage, EventPath, EventQuery, IngestResult
from privacyhub.auth.api_keys import require_scope
from privacyhub.errors import NotFound, ProblemError
from privacyhub.extensions import db
from privacyhub.models import PurgedAuditEvent

bp = api_blueprint("events")
TAG = [Tag(name="events", description="Audit events")]


class Gone(ProblemError):
    status, title = 410, "Gone"


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


@bp.get("/events/export", tags=TAG, security=[{"bearer": []}],
        responses={200: {"description": "CSV or Parquet file, streamed",
                         "content": {"text/csv": {}, "application/vnd.apache.parquet": {}}}})
@require_scope("events:read")
def export_events(query: ExportQuery):
    """The events matching the listing's filters as one CSV or Parquet file, streamed; the download is audited."""
    flt = EventFilter(action=query.action, actor_id=query.actor_id, target_id=query.target_id,
                      subject=query.subject, since=query.since, until=query.until)
    key = g.api_key
    record_export({"type": "api_key", "id": str(key.id), "name": key.name}, query.format, flt)
    db.session.commit()
    return Response(stream_with_context(stream_export(query.format, flt)), mimetype=CONTENT_TYPES[query.format],
                    headers={"Content-Disposition": f'attachment; filename="audit-events.{query.format}"'})


@bp.get("/events/<event_id>", tags=TAG, security=[{"bearer": []}], responses={200: EventWithProofOut})
@require_scope("events:read")
def show_event(path: EventPath):
    """One event by its id, with its inclusion proof against the latest checkpoint once sealed.

    410 for an event the retention purge removed (its leaf stays provable by index).
    """
    event = get_event(str(path.event_id))
    if event is None:
        purged = db.session.scalar(select(PurgedAuditEvent).where(PurgedAuditEvent.id == str(path.event_id)))
        if purged is not None:
            raise Gone("the event was purged by the retention policy; its leaf hash is kept",
                       leaf_index=purged.leaf_index, purged=True)
        raise NotFound("no event with this id")
    return {**event_to_dict(event), "proof": event_proof(event)}
