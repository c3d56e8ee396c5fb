"""Notification drafts, required elements, the late-notification reason, phases, documents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.extensions import db
from privacyhub.incidents import drafts
from privacyhub.incidents.documents import notification_html, notification_pdf, notification_text
from privacyhub.incidents.notifications import draft_notification, edit_notification, mark_sent
from privacyhub.incidents.record import open_incident, update_incident
from tests.factories import BASE_TIME, OPERATOR_ACTOR, incident_fields

ON_TIME = BASE_TIME + timedelta(hours=30)
LATE = BASE_TIME + timedelta(hours=80)


@pytest.fixture
def backend():
    return "sqlite"


def _incident(**overrides):
    incident = open_incident(incident_fields(**overrides), OPERATOR_ACTOR, now=BASE_TIME)
    update_incident(incident, {"authority_decision": "notify", "subjects_decision": "notify"}, OPERATOR_ACTOR,
                    now=BASE_TIME)
    db.session.commit()
    return incident


def _send(notification, at=ON_TIME, **kwargs):
    kwargs.setdefault("channel", "authority web form")
    kwargs.setdefault("reference", "DPA-2026-0042")
    mark_sent(notification, OPERATOR_ACTOR, sent_at=at, now=max(at, ON_TIME), **kwargs)


def test_authority_draft_has_every_art_33_3_element_from_the_record(app):
    record = incident_fields()
    notification = draft_notification(_incident(), "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    elements = notification.elements
    assert drafts.missing_elements("authority", elements, late=False) == []
    # (a) nature, categories and approximate numbers of subjects and records
    for text in (record["title"], record["description"], record["discovery"], "confidentiality breach",
                 "2026-01-15 12:00 UTC"):
        assert text in elements["nature"]
    assert elements["subjects_concerned"] == ("Categories of data subjects: Customer. "
                                              "Approximate number of data subjects: between 1,000 and 5,000.")
    for text in ("User Contact Email", "Name", "Health and Medical Data", "special categories of personal data "
                 "(Art. 9): Health and Medical Data", "Approximate number of personal data records: about 12,000"):
        assert text in elements["records_concerned"]
    # (b) contact point, (c) likely consequences, (d) measures taken and proposed
    assert elements["contact_point"] == record["contact_point"]
    assert elements["consequences"] == record["consequences"]
    assert record["measures_taken"] in elements["measures"] and record["measures_proposed"] in elements["measures"]
    assert notification.recipient == "the competent supervisory authority"


def test_subjects_draft_has_the_art_34_2_content(app):
    record = incident_fields()
    notification = draft_notification(_incident(), "subjects", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    elements = notification.elements
    assert drafts.missing_elements("subjects", elements, late=False) == []
    assert record["title"] in elements["nature"] and "We learned of it" in elements["nature"]
    assert elements["contact_point"] == record["contact_point"]
    assert elements["consequences"] == record["consequences"]
    assert record["measures_taken"] in elements["measures"]
    assert notification.recipient == "the affected data subjects"


def test_cannot_be_marked_sent_while_a_required_element_is_empty(app):
    incident = _incident(contact_point="", consequences="")
    notification = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    with pytest.raises(ValidationFailed, match="Name and contact details") as refused:
        _send(notification)
    assert refused.value.extra["missing"] == ["contact_point", "consequences"]
    assert not notification.is_sent
    edit_notification(notification, OPERATOR_ACTOR, elements={"contact_point": "DPO, dpo@example.com"})
    with pytest.raises(ValidationFailed, match="Likely consequences"):
        _send(notification)
    edit_notification(notification, OPERATOR_ACTOR, elements={"consequences": "   "})
    with pytest.raises(ValidationFailed):
        _send(notification)
    edit_notification(notification, OPERATOR_ACTOR, elements={"consequences": "Identity fraud."})
    _send(notification)
    assert notification.is_sent and incident.status == "notified"


def test_a_late_notification_requires_the_reason_for_delay(app):
    incident = _incident()
    notification = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR, now=LATE)
    with pytest.raises(ValidationFailed, match="Reasons for the delay") as refused:
        _send(notification, at=LATE)
    assert refused.value.extra["missing"] == ["delay_reason"]
    with pytest.raises(ValidationFailed):
        _send(notification, at=LATE, delay_reason="  ")
    _send(notification, at=LATE, delay_reason="The scope was only established by forensics on day 3.")
    assert notification.delay_reason == notification.elements["delay_reason"]
    assert "forensics" in notification_text(notification)
    assert incident.timeline[-2].details["late"] is True


def test_an_on_time_notification_needs_no_reason(app):
    notification = draft_notification(_incident(), "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    _send(notification, at=BASE_TIME + timedelta(hours=71, minutes=59))
    assert notification.delay_reason is None


def test_sending_needs_channel_reference_and_a_plausible_time(app):
    notification = draft_notification(_incident(), "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    with pytest.raises(ValidationFailed, match="how"):
        _send(notification, channel=" ")
    with pytest.raises(ValidationFailed, match="reference"):
        _send(notification, reference="")
    with pytest.raises(ValidationFailed, match="between awareness and now"):
        _send(notification, at=BASE_TIME - timedelta(hours=1))
    with pytest.raises(ValidationFailed, match="between awareness and now"):
        mark_sent(notification, OPERATOR_ACTOR, sent_at=ON_TIME + timedelta(days=1), channel="x", reference="y",
                  now=ON_TIME)


def test_phases_keep_what_was_known_and_sent_ones_stay_as_sent(app):
    incident = _incident()
    follow_up = draft_notification(incident, "authority", "follow_up", OPERATOR_ACTOR, now=BASE_TIME)
    with pytest.raises(Conflict, match="initial"):
        _send(follow_up)
    initial = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    _send(initial)
    update_incident(incident, {"subjects_min": 4200, "subjects_max": 4200}, OPERATOR_ACTOR, now=ON_TIME)
    edit_notification(follow_up, OPERATOR_ACTOR, regenerate=True, now=ON_TIME)
    assert "about 4,200" in follow_up.elements["subjects_concerned"]
    _send(follow_up, at=ON_TIME + timedelta(hours=1))
    assert initial.snapshot["subjects_max"] == 5000 and follow_up.snapshot["subjects_max"] == 4200
    with pytest.raises(Conflict, match="kept as it was sent"):
        edit_notification(initial, OPERATOR_ACTOR, elements={"nature": "rewritten"})
    with pytest.raises(Conflict):
        _send(initial)
    with pytest.raises(ValidationFailed, match="unknown elements"):
        edit_notification(draft_notification(incident, "authority", "final", OPERATOR_ACTOR), OPERATOR_ACTOR,
                          elements={"postscript": "x"})
    db.session.commit()
    assert len(incident.notifications) == 3


def test_documents_show_every_element_escaped(app):
    incident = _incident(description="<script>alert(1)</script> Bucket ACL was public.")
    notification = draft_notification(incident, "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    html = notification_html(notification)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "DRAFT" in html and incident.reference in html
    for element in drafts.AUTHORITY_ELEMENTS:
        if element.required:
            assert element.title in html and element.article in html
    pdf = notification_pdf(notification)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    _send(notification)
    html = notification_html(notification)
    assert "DRAFT" not in html and "DPA-2026-0042" in html and "authority web form" in html
