"""``/v1/incidents``: a SIEM or an on-call tool opens and updates incidents (scope ``admin``)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_openapi3 import Tag
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from privacyhub.api import BEARER, api_blueprint
from privacyhub.audit.query import decode_cursor, encode_cursor
from privacyhub.auth.api_keys import require_scope
from privacyhub.extensions import db
from privacyhub.incidents.lifecycle import change_status
from privacyhub.incidents.record import get_incident, open_incident, update_incident
from privacyhub.incidents.schemas import (
    IncidentCreate,
    IncidentOut,
    IncidentPage,
    IncidentPatch,
    IncidentPath,
    IncidentQuery,
    incident_out,
)
from privacyhub.models import Incident
from privacyhub.models.types import utcnow

bp = api_blueprint("incident_api")  # "incidents" is the console view's endpoint
TAG = [Tag(name="incidents", description="Security incidents and the 72-hour breach-notification clock")]


def _actor() -> dict[str, Any]:
    return {"type": "api_key", "id": str(g.api_key.id), "name": g.api_key.name}


@bp.post("/incidents", tags=TAG, security=BEARER, responses={201: IncidentOut})
@require_scope("admin")
def create_incident(body: IncidentCreate):
    """Open an incident; its 72-hour clock runs from `aware_at`."""
    fields = body.model_dump(exclude={"audit_event_id", "request_id"})
    incident = open_incident(
        fields, _actor(),
        audit_event_id=str(body.audit_event_id) if body.audit_event_id else None,
        request_id=str(body.request_id) if body.request_id else None,
    )
    db.session.commit()
    return incident_out(incident, utcnow()), 201, {"Location": f"/v1/incidents/{incident.id}"}


@bp.get("/incidents", tags=TAG, security=BEARER, responses={200: IncidentPage})
@require_scope("admin")
def list_incidents(query: IncidentQuery):
    """Incidents, oldest first, in pages of `limit` with a cursor; filter by `status`."""
    stmt = select(Incident).options(selectinload(Incident.notifications), selectinload(Incident.escalations),
                                    selectinload(Incident.timeline)).order_by(Incident.seq).limit(query.limit + 1)
    if query.status:
        stmt = stmt.where(Incident.status == query.status)
    if query.cursor:
        stmt = stmt.where(Incident.seq > decode_cursor(query.cursor))
    rows = list(db.session.scalars(stmt))
    now = utcnow()
    next_cursor = encode_cursor(rows[query.limit - 1].seq) if len(rows) > query.limit else None
    return {"incidents": [incident_out(i, now) for i in rows[:query.limit]], "next_cursor": next_cursor}


@bp.get("/incidents/<incident_id>", tags=TAG, security=BEARER, responses={200: IncidentOut})
@require_scope("admin")
def show_incident(path: IncidentPath):
    """One incident with its clock, notifications and timeline."""
    return incident_out(get_incident(path.incident_id), utcnow())


@bp.patch("/incidents/<incident_id>", tags=TAG, security=BEARER, responses={200: IncidentOut})
@require_scope("admin")
def patch_incident(path: IncidentPath, body: IncidentPatch):  # type: ignore[valid-type]
    """Change the fields sent (null clears one); `status` moves the incident (closing checks Art. 33/34)."""
    incident = get_incident(path.incident_id)
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    status = changes.pop("status", None)
    actor = _actor()
    update_incident(incident, changes, actor)
    if status:
        change_status(incident, status, actor)
    db.session.commit()
    return incident_out(incident, utcnow())
