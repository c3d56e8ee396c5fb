"""Deadline reminders at the configured marks, the overdue flag, and the beat schedule."""

from datetime import timedelta

from sqlalchemy import select

from privacyhub.dsr.reminders import flag_overdue, send_deadline_reminders
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, OutboxMessage


def _reminders():
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "reminder")).all()


def test_owner_is_reminded_once_per_mark(app, make_request):
    from privacyhub.mail import open_message

    request = make_request("in_progress")
    request.owner = "olga@example.com"
    db.session.commit()
    due = request.due_at
    assert send_deadline_reminders(due - timedelta(days=10)) == 0
    assert send_deadline_reminders(due - timedelta(days=6)) == 1     # the 7-day mark
    assert send_deadline_reminders(due - timedelta(days=5)) == 0     # same mark, no repeat
    assert send_deadline_reminders(due - timedelta(hours=20)) == 1   # 3- and 1-day marks at once: one mail
    db.session.commit()
    messages = _reminders()
    assert len(messages) == 2
    recipient, text, _ = open_message(messages[0])
    assert recipient == "olga@example.com" and request.id in text
    assert request.reminders_sent == [1, 3, 7]


def test_reminders_without_an_owner_go_to_the_compliance_mailbox_if_any(app, make_request):
    request = make_request("pending")
    assert send_deadline_reminders(request.due_at - timedelta(days=2)) == 1
    assert _reminders() == []  # audited, but nobody to mail
    app.extensions["privacyhub.settings"].compliance_email = "dpo@example.com"
    other = make_request("pending", email="b@example.com")
    send_deadline_reminders(other.due_at - timedelta(days=2))
    assert len(_reminders()) == 1


def test_marks_are_a_setting(app, make_request):
    app.extensions["privacyhub.settings"].reminder_days = [14]
    request = make_request("pending")
    assert send_deadline_reminders(request.due_at - timedelta(days=13)) == 1
    assert send_deadline_reminders(request.due_at - timedelta(days=1)) == 0


def test_overdue_requests_are_flagged_and_audited_once(app, make_request):
    late = make_request("in_progress")
    done = make_request("completed", email="c@example.com")
    after = late.due_at + timedelta(minutes=1)
    assert flag_overdue(after) == 1
    assert flag_overdue(after) == 0
    db.session.commit()
    assert late.overdue and not done.overdue
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_request.overdue")).one()


def test_sweep_task_runs_every_job(app, make_request):
    from tasks.requests import sweep_subject_requests

    assert sweep_subject_requests.apply().get() == {"closed_unverified": 0, "overdue": 0, "reminded": 0}


def test_beat_schedules_the_sweeps(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    tasks = {entry["task"] for entry in schedule.values()}
    assert {"tasks.requests.sweep_subject_requests", "tasks.requests.sweep_deliveries"} <= tasks
