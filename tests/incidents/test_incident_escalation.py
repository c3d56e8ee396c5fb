"""Beat escalations of the 72-hour clock: each mark exactly once, with a controllable clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from privacyhub.auth.operators import create_operator
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.extensions import db
from privacyhub.incidents.escalation import escalate_incident, escalate_incident_deadlines
from privacyhub.incidents.notifications import draft_notification, mark_sent
from privacyhub.incidents.record import open_incident, update_incident
from privacyhub.mail import open_message
from privacyhub.models import AuditEvent, IncidentEscalation, IncidentTimelineEntry, OutboxMessage
from privacyhub.models.types import utcnow
from tasks.requests import deliver_mail
from tests.factories import BASE_TIME, OPERATOR_ACTOR, incident_fields


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _sweep(at):
    escalated = escalate_incident_deadlines(now=at)
    db.session.commit()
    return escalated


def test_each_mark_fires_exactly_once(app):
    incident = open_incident(incident_fields(), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()
    ref, aware = incident.reference, incident.aware_at
    steps = [
        (timedelta(hours=1), {}),
        (timedelta(hours=23, minutes=59), {}),
        (timedelta(hours=24), {ref: [48]}),
        (timedelta(hours=24, minutes=1), {}),
        (timedelta(hours=47, minutes=59), {}),
        (timedelta(hours=48), {ref: [24]}),
        (timedelta(hours=60), {}),
        (timedelta(hours=66), {ref: [6]}),
        (timedelta(hours=71, minutes=59), {}),
        (timedelta(hours=72), {ref: [0]}),
        (timedelta(hours=73), {}),
        (timedelta(days=10), {}),
    ]
    for offset, expected in steps:
        assert _sweep(aware + offset) == expected, offset
    assert sorted(db.session.scalars(select(IncidentEscalation.mark_hours))) == [0, 6, 24, 48]
    assert _count(IncidentTimelineEntry, IncidentTimelineEntry.kind == "escalation") == 4
    assert _count(AuditEvent, AuditEvent.action == "incident.deadline_escalated") == 4


def test_a_mark_recorded_by_a_racing_sweep_is_not_announced_again(app):
    incident = open_incident(incident_fields(), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()
    assert incident.escalations == []  # loaded before the other sweep writes
    with db.engine.begin() as other_sweep:
        other_sweep.execute(insert(IncidentEscalation).values(
            incident_seq=incident.seq, mark_hours=48, at=BASE_TIME + timedelta(hours=24), recipients=[]))
    with pytest.raises(IntegrityError):
        escalate_incident(incident, [48, 24, 6], BASE_TIME + timedelta(hours=25))
        db.session.commit()
    db.session.rollback()
    assert _count(IncidentEscalation) == 1
    assert _count(IncidentTimelineEntry, IncidentTimelineEntry.kind == "escalation") == 0
    assert _count(OutboxMessage) == 0
    assert _sweep(BASE_TIME + timedelta(hours=25)) == {}


def test_configured_marks(app):
    incident = open_incident(incident_fields(), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()
    assert escalate_incident_deadlines(now=incident.aware_at + timedelta(hours=60), marks=[12]) == {
        incident.reference: [12]}


def test_marks_missed_while_beat_was_down_are_recorded_once_with_one_message(app):
    incident = open_incident(incident_fields(), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()
    assert _sweep(incident.aware_at + timedelta(hours=70)) == {incident.reference: [48, 24, 6]}
    assert _count(IncidentTimelineEntry, IncidentTimelineEntry.kind == "escalation") == 1
    assert _sweep(incident.aware_at + timedelta(hours=70, minutes=1)) == {}


def test_recipients_are_the_owner_and_every_compliance_operator(app):
    create_operator("c1@example.com", "compliance", CLI_ACTOR)
    create_operator("c2@example.com", "compliance", CLI_ACTOR)
    create_operator("auditor@example.com", "auditor", CLI_ACTOR)
    incident = open_incident(incident_fields(owner="owner@example.com"), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()
    _sweep(incident.aware_at + timedelta(hours=25))
    escalation = db.session.scalar(select(IncidentEscalation))
    assert escalation.recipients == ["c1@example.com", "c2@example.com", "owner@example.com"]


def test_clock_stops_once_the_authority_is_notified(app):
    incident = open_incident(incident_fields(), OPERATOR_ACTOR, now=BASE_TIME)
    update_incident(incident, {"authority_decision": "notify"}, OPERATOR_ACTOR, now=BASE_TIME)
    notification = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    sent = BASE_TIME + timedelta(hours=30)
    mark_sent(notification, OPERATOR_ACTOR, sent_at=sent, channel="web form", reference="DPA-1", now=sent)
    db.session.commit()
    assert _sweep(BASE_TIME + timedelta(hours=100)) == {}


def test_no_escalation_once_not_notifying_is_decided(app):
    incident = open_incident(incident_fields(risk="no_risk", risk_rationale="Encrypted laptop, key safe."),
                             OPERATOR_ACTOR, now=BASE_TIME)
    update_incident(incident, {"authority_decision": "not_notify", "authority_decision_reason": "Encrypted."},
                    OPERATOR_ACTOR, now=BASE_TIME + timedelta(hours=1))
    db.session.commit()
    assert _sweep(BASE_TIME + timedelta(hours=80)) == {}


def test_the_beat_task_commits_its_escalations(app):
    now = utcnow()
    incident = open_incident(incident_fields(aware_at=now - timedelta(hours=25), occurred_from=None,
                                             occurred_to=None), OPERATOR_ACTOR, now=now)
    db.session.commit()
    app.extensions["celery"].loader.import_default_modules()
    task = app.extensions["celery"].tasks["tasks.incidents.escalate_incident_deadlines"]
    assert task.apply().get() == {incident.reference: [48]}
    db.session.rollback()
    assert _count(IncidentEscalation) == 1
    assert "tasks.incidents.escalate_incident_deadlines" in {
        entry["task"] for entry in app.config["CELERY_BEAT_SCHEDULE"].values()}


def test_escalations_are_held_in_the_outbox_without_smtp(app):
    incident = open_incident(incident_fields(owner="owner@example.com"), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()
    _sweep(incident.aware_at + timedelta(hours=73))
    [message] = db.session.scalars(select(OutboxMessage))
    recipient, text, html = open_message(message)
    assert message.status == "held" and message.template == "incident_escalation"
    assert recipient == "owner@example.com"
    assert "has passed" in text and "Art. 33(1)" in text and incident.reference in html


class TestMailedEscalation:
    """Escalations reach the owner and compliance officers through a real SMTP server."""

    @pytest.fixture
    def app_config(self, app_config, smtp_server):
        return {**app_config, "PRIVACYHUB_SMTP_URL": smtp_server.url, "PRIVACYHUB_BASE_URL": "https://hub.example"}

    def test_mail_per_recipient_with_the_clock(self, app, smtp_server):
        create_operator("officer@example.com", "compliance", CLI_ACTOR)
        incident = open_incident(incident_fields(owner="owner@example.com"), OPERATOR_ACTOR, now=BASE_TIME)
        db.session.commit()
        _sweep(incident.aware_at + timedelta(hours=48, minutes=30))
        for message_id in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")):
            deliver_mail.apply(args=[message_id])
        assert sorted(m["To"] for m in smtp_server.messages) == ["officer@example.com", "owner@example.com"]
        message = smtp_server.messages[0]
        assert message["Subject"] == "Personal data breach: 72-hour notification deadline"
        body = message.get_body(("plain",)).get_content()
        assert "23 h 30 min left (24 hours left mark)" in body
        assert f"https://hub.example/admin/incidents/{incident.id}" in body
