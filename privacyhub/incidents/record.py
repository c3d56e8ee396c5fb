"""The incident record: opening, editing and checking it against Art. 33/34.

Every function adds to the session and records a timeline entry and an audit event; the
caller commits once, so the change and its audit record land together.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.errors import NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.incidents import taxonomy
from privacyhub.models import AuditEvent, DataSystem, Incident, IncidentTimelineEntry, SubjectRequest
from privacyhub.models.incident import ART_34_3_EXCEPTIONS, AUTHORITY_DECISIONS, NATURES, RISK_LEVELS, SUBJECT_DECISIONS
from privacyhub.models.types import utcnow

Actor = dict[str, Any]
TEXT_FIELDS = ("title", "description", "discovery", "consequences", "measures_taken", "measures_proposed",
               "contact_point", "risk_rationale", "authority_decision_reason", "subjects_decision_reason")
EDITABLE_FIELDS = TEXT_FIELDS + (
    "nature", "occurred_from", "occurred_to", "aware_at", "data_categories", "subject_categories",
    "subjects_min", "subjects_max", "records_min", "records_max", "systems_affected", "risk",
    "authority_decision", "subjects_decision", "subjects_exception", "owner",
)
LIST_FIELDS = ("nature", "data_categories", "subject_categories", "systems_affected")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
CLOCK_SKEW = timedelta(minutes=5)


def actor_label(actor: Actor) -> str:
    """How an actor appears in the timeline."""
    return str(actor.get("name") or actor.get("id") or actor.get("type"))


def incident_target(incident: Incident) -> dict[str, Any]:
    """The incident as the target of an audit event."""
    return {"type": "incident", "id": incident.id, "name": incident.reference}


def add_timeline(incident: Incident, actor: Actor, kind: str, summary: str,
                 details: dict[str, Any] | None = None, at: datetime | None = None) -> IncidentTimelineEntry:
    """Append one "who did what when" entry to the incident's timeline."""
    entry = IncidentTimelineEntry(actor=actor_label(actor), kind=kind, summary=summary,
                                  details=details or {}, at=at or utcnow())
    incident.timeline.append(entry)
    return entry


def registered_systems() -> list[str]:
    """Names of the registered data systems, the choices for "systems affected"."""
    return list(db.session.scalars(select(DataSystem.name).order_by(DataSystem.name)))


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Strip text, de-duplicate and check list vocabularies; unknown fields are refused."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"these fields cannot be set: {', '.join(sorted(unknown))}")
    cleaned = dict(changes)
    for name in TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "nature" in cleaned:
        cleaned["nature"] = taxonomy.check_keys(cleaned["nature"] or [], dict.fromkeys(NATURES, ""), "nature")
    if "data_categories" in cleaned:
        cleaned["data_categories"] = taxonomy.check_keys(
            cleaned["data_categories"] or [], taxonomy.data_categories(), "data categories")
    if "subject_categories" in cleaned:
        cleaned["subject_categories"] = taxonomy.check_keys(
            cleaned["subject_categories"] or [], taxonomy.subject_categories(), "subject categories")
    if "systems_affected" in cleaned:
        names = list(dict.fromkeys(s.strip() for s in cleaned["systems_affected"] or [] if s and s.strip()))
        if missing := sorted(set(names) - set(registered_systems())):
            raise ValidationFailed(f"no registered data system named {', '.join(missing)}", field="systems_affected")
        cleaned["systems_affected"] = names
    if cleaned.get("owner"):
        owner = cleaned["owner"].strip().lower()
        if not EMAIL.match(owner):
            raise ValidationFailed("the owner must be an e-mail address", field="owner")
        cleaned["owner"] = owner
    elif "owner" in cleaned:
        cleaned["owner"] = None
    return cleaned


def _require(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise ValidationFailed(message, field=field)


def check_record(state: dict[str, Any], now: datetime) -> None:
    """The whole record is consistent: times in order, ranges, and decisions that fit the risk."""
    _require(bool(state["title"]), "an incident needs a title", "title")
    aware_at, start, end = state["aware_at"], state["occurred_from"], state["occurred_to"]
    _require(aware_at is not None, "say when the controller became aware", "aware_at")
    _require(aware_at <= now + CLOCK_SKEW, "the awareness time lies in the future", "aware_at")
    _require(start is None or end is None or start <= end, "the breach cannot end before it began", "occurred_to")
    _require(start is None or start <= aware_at, "awareness cannot precede the breach", "aware_at")
    for kind in ("subjects", "records"):
        low, high = state[f"{kind}_min"], state[f"{kind}_max"]
        _require(all(v is None or v >= 0 for v in (low, high)), f"numbers of {kind} cannot be negative", kind)
        _require(low is None or high is None or low <= high, f"the {kind} range is reversed", kind)
    risk = state["risk"]
    _require(risk is None or risk in RISK_LEVELS, f"risk is one of {', '.join(RISK_LEVELS)}", "risk")
    decision = state["authority_decision"]
    _require(decision is None or decision in AUTHORITY_DECISIONS,
             f"the authority decision is one of {', '.join(AUTHORITY_DECISIONS)}", "authority_decision")
    if decision == "not_notify":
        _require(risk == "no_risk", "not notifying the authority is only open when the breach is unlikely to "
                 "result in a risk (Art. 33(1)): assess the risk as no_risk first", "authority_decision")
        _require(bool(state["authority_decision_reason"]),
                 "record why the authority is not notified (Art. 33(5))", "authority_decision_reason")
    subjects = state["subjects_decision"]
    _require(subjects is None or subjects in SUBJECT_DECISIONS,
             f"the subjects decision is one of {', '.join(SUBJECT_DECISIONS)}", "subjects_decision")
    if subjects == "not_required":
        _require(risk != "high_risk", "a high risk requires telling the subjects (Art. 34(1)) "
                 "or an Art. 34(3) exception", "subjects_decision")
    if subjects == "exception":
        _require(state["subjects_exception"] in ART_34_3_EXCEPTIONS,
                 "choose the Art. 34(3) exception: a, b or c", "subjects_exception")
        _require(bool(state["subjects_decision_reason"]), "justify the Art. 34(3) exception",
                 "subjects_decision_reason")


def _state(incident: Incident | None, changes: dict[str, Any]) -> dict[str, Any]:
    current = {name: getattr(incident, name) for name in EDITABLE_FIELDS} if incident else {
        name: ("" if name in TEXT_FIELDS else [] if name in LIST_FIELDS else None) for name in EDITABLE_FIELDS}
    return current | changes


def _check_link(model: type[Any], key: Any, value: str | None, what: str) -> None:
    if value is not None and db.session.scalar(select(model).where(key == value)) is None:
        raise NotFound(f"no {what} with id {value}")


def open_incident(fields: dict[str, Any], actor: Actor, *, audit_event_id: str | None = None,
                  request_id: str | None = None, now: datetime | None = None) -> Incident:
    """Record a new incident, optionally opened from an audit event or a data-subject request."""
    now = now or utcnow()
    changes = _clean(fields)
    state = _state(None, changes)
    check_record(state, now)
    _check_link(AuditEvent, AuditEvent.id, audit_event_id, "audit event")
    _check_link(SubjectRequest, SubjectRequest.id, request_id, "request")
    incident = Incident(id=str(uuid.uuid4()), status="open", created_by=actor_label(actor), created_at=now,
                        updated_at=now, audit_event_id=audit_event_id, request_id=request_id, **state)
    if incident.authority_decision:
        incident.authority_decided_at = now
    db.session.add(incident)
    db.session.flush()
    links = {k: v for k, v in (("audit_event", audit_event_id), ("subject_request", request_id)) if v}
    add_timeline(incident, actor, "opened", f"Incident opened: {incident.title}", links, at=now)
    targets = [incident_target(incident)] + [{"type": k, "id": v} for k, v in links.items()]
    record_hub_event("incident.opened", actor, targets, metadata={"fields": sorted(changes), **links})
    return incident


def update_incident(incident: Incident, fields: dict[str, Any], actor: Actor,
                    now: datetime | None = None) -> list[str]:
    """Apply the changed fields of the record; returns their names (none changed: nothing recorded)."""
    now = now or utcnow()
    changes = {k: v for k, v in _clean(fields).items() if getattr(incident, k) != v}
    if not changes:
        return []
    check_record(_state(incident, changes), now)
    if "authority_decision" in changes:
        incident.authority_decided_at = now if changes["authority_decision"] else None
    for name, value in changes.items():
        setattr(incident, name, value)
    incident.updated_at = now
    changed = sorted(changes)
    add_timeline(incident, actor, "updated", "Record updated: " + ", ".join(changed), {"fields": changed}, at=now)
    record_hub_event("incident.updated", actor, [incident_target(incident)], metadata={"fields": changed})
    return changed


def get_incident(incident_id: str) -> Incident:
    """The incident with this public id (or ``INC-00042`` reference), or 404."""
    incident = None
    if match := re.fullmatch(r"INC-(\d{1,12})", incident_id.strip(), re.IGNORECASE):
        incident = db.session.get(Incident, int(match.group(1)))
    elif len(incident_id) <= 36:
        incident = db.session.scalar(select(Incident).where(Incident.id == incident_id))
    if incident is None:
        raise NotFound("no incident with this id")
    return incident


def add_note(incident: Incident, body: str, actor: Actor, now: datetime | None = None) -> IncidentTimelineEntry:
    """A working note or an attachment's text, kept in the timeline."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("a note needs some text", field="body")
    entry = add_timeline(incident, actor, "note", body, at=now)
    record_hub_event("incident.note_added", actor, [incident_target(incident)])
    return entry
