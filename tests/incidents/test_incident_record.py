"""The incident record: validation, taxonomy, links to events and requests, status, audit trail."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from privacyhub.audit.ingest import ingest_events
from privacyhub.audit.schemas import EventIn
from privacyhub.errors import Conflict, NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.incidents import taxonomy
from privacyhub.incidents.lifecycle import change_status, close_blockers
from privacyhub.incidents.notifications import draft_notification, mark_sent
from privacyhub.incidents.record import add_note, get_incident, open_incident, update_incident
from privacyhub.models import AuditEvent
from tests.factories import BASE_TIME, OPERATOR_ACTOR, event_payload, incident_fields

NOW = BASE_TIME + timedelta(hours=2)


def _open(**overrides):
    incident = open_incident(incident_fields(**overrides), OPERATOR_ACTOR, now=NOW)
    db.session.commit()
    return incident


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.source == "privacyhub")
                                   .order_by(AuditEvent.received_at)))


def test_open_records_timeline_and_audit_event(app):
    incident = _open()
    assert incident.reference == f"INC-{incident.seq:05d}" and incident.status == "open"
    assert [e.kind for e in incident.timeline] == ["opened"]
    assert incident.timeline[0].actor == "officer@example.com"
    assert _actions() == ["incident.opened"]
    assert get_incident(incident.id) is incident and get_incident(incident.reference) is incident
    with pytest.raises(NotFound):
        get_incident(str(uuid.uuid4()))


def test_special_and_criminal_categories_are_flagged(app):
    keys = ["user.contact.email", "user.health_and_medical.genetic", "user.demographic.trade_union_membership",
            "user.criminal_history"]
    incident = _open(data_categories=keys)
    assert taxonomy.special_categories(incident.data_categories) == keys[1:3]
    assert taxonomy.criminal_categories(incident.data_categories) == ["user.criminal_history"]
    with pytest.raises(ValidationFailed, match="user.made_up"):
        _open(data_categories=["user.made_up"])
    with pytest.raises(ValidationFailed, match="martians"):
        _open(subject_categories=["customer", "martians"])


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": "  "}, "title"),
    ({"nature": ["secrecy"]}, "nature"),
    ({"aware_at": NOW + timedelta(days=1)}, "future"),
    ({"occurred_from": BASE_TIME + timedelta(hours=1), "occurred_to": None}, "precede"),
    ({"occurred_to": BASE_TIME - timedelta(days=20)}, "end before"),
    ({"subjects_min": 10, "subjects_max": 5}, "reversed"),
    ({"records_min": -1}, "negative"),
    ({"risk": "risk", "authority_decision": "not_notify", "authority_decision_reason": "x"}, "no_risk"),
    ({"risk": "no_risk", "authority_decision": "not_notify"}, "Art. 33\\(5\\)"),
    ({"risk": "high_risk", "subjects_decision": "not_required"}, "Art. 34"),
    ({"subjects_decision": "exception", "subjects_exception": "d"}, "a, b or c"),
    ({"subjects_decision": "exception", "subjects_exception": "a"}, "justify"),
    ({"owner": "not an address"}, "e-mail"),
])
def test_inconsistent_records_are_refused(app, overrides, message):
    with pytest.raises(ValidationFailed, match=message):
        _open(**overrides)


def test_numbers_may_be_unknown_or_ranges(app):
    incident = _open(subjects_min=None, subjects_max=None, records_min=300, records_max=None)
    assert incident.subjects_min is None and incident.records_min == 300


def test_opened_from_an_audit_event_and_a_request(app):
    event = EventIn.model_validate(event_payload(action="storage.bucket_acl_changed"))
    ingest_events([event], "shop")
    incident = open_incident(incident_fields(), OPERATOR_ACTOR, audit_event_id=str(event.id), now=NOW)
    db.session.commit()
    assert incident.audit_event_id == str(event.id)
    assert incident.timeline[0].details == {"audit_event": str(event.id)}
    opened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.opened"))
    assert {"type": "audit_event", "id": str(event.id), "name": None} in opened.targets
    with pytest.raises(NotFound, match="audit event"):
        open_incident(incident_fields(), OPERATOR_ACTOR, audit_event_id=str(uuid.uuid4()), now=NOW)
    with pytest.raises(NotFound, match="request"):
        open_incident(incident_fields(), OPERATOR_ACTOR, request_id=str(uuid.uuid4()), now=NOW)


def test_updates_record_only_what_changed(app):
    incident = _open()
    assert update_incident(incident, {"title": incident.title, "consequences": "Fraud."}, OPERATOR_ACTOR) == [
        "consequences"]
    assert update_incident(incident, {"consequences": "Fraud."}, OPERATOR_ACTOR) == []
    with pytest.raises(ValidationFailed, match="cannot be set"):
        update_incident(incident, {"status": "closed"}, OPERATOR_ACTOR)
    add_note(incident, "Forensics report attached: sha256 abc…", OPERATOR_ACTOR)
    db.session.commit()
    assert [e.kind for e in incident.timeline] == ["opened", "updated", "note"]
    assert _actions() == ["incident.opened", "incident.updated", "incident.note_added"]


def test_status_moves_and_closing_requires_the_duties_done(app):
    incident = _open()
    assert change_status(incident, "contained", OPERATOR_ACTOR)
    assert incident.contained_at is not None
    with pytest.raises(Conflict, match="notified"):
        change_status(incident, "notified", OPERATOR_ACTOR)
    with pytest.raises(Conflict) as refused:
        change_status(incident, "closed", OPERATOR_ACTOR)
    assert refused.value.extra["blockers"] == close_blockers(incident)
    assert any("supervisory authority" in b for b in close_blockers(incident))
    assert any("Art. 34(3)" in b for b in close_blockers(incident))

    update_incident(incident, {"authority_decision": "notify", "subjects_decision": "exception",
                               "subjects_exception": "a",
                               "subjects_decision_reason": "Stolen data was AES-256 encrypted."}, OPERATOR_ACTOR)
    notification = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR, now=NOW)
    mark_sent(notification, OPERATOR_ACTOR, sent_at=NOW, channel="web form", reference="DPA-7", now=NOW)
    assert incident.status == "notified"
    assert close_blockers(incident) == []
    assert change_status(incident, "closed", OPERATOR_ACTOR)
    assert incident.closed_at is not None
    assert change_status(incident, "open", OPERATOR_ACTOR) and incident.closed_at is None
    db.session.commit()
    assert [e.kind for e in incident.timeline].count("status") == 4


def test_not_notifying_is_documented_and_allows_closing(app):
    incident = _open(risk="no_risk", risk_rationale="Only encrypted data, key not compromised.")
    update_incident(incident, {"authority_decision": "not_notify",
                               "authority_decision_reason": "Unlikely to result in a risk: data encrypted."},
                    OPERATOR_ACTOR, now=NOW)
    assert incident.authority_decided_at == NOW
    assert close_blockers(incident) == []
    with pytest.raises(Conflict, match="not to notify"):
        draft_notification(incident, "authority", "initial", OPERATOR_ACTOR)


def test_systems_affected_are_registered_data_systems(app):
    from privacyhub.models import DataSystem

    db.session.add(DataSystem(name="shop-db", kind="sql", location="sqlite:///shop.sqlite", config_sealed=b"x"))
    db.session.commit()
    assert _open(systems_affected=["shop-db", "shop-db"]).systems_affected == ["shop-db"]
    with pytest.raises(ValidationFailed, match="crm"):
        _open(systems_affected=["shop-db", "crm"])
