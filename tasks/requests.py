"""Data-subject request jobs: signed callbacks, outgoing mail, and the periodic deadline sweep.

Tasks take ids, commit their own work, and retry with exponential back-off.
"""

from __future__ import annotations

import random

from celery import Task, shared_task

from privacyhub.dispatch import send_after_commit
from privacyhub.dsr.delivery import MAX_ATTEMPTS, unsent_callback_ids
from privacyhub.dsr.delivery import deliver_callback as deliver_callback_once
from privacyhub.dsr.reminders import flag_overdue, send_deadline_reminders
from privacyhub.dsr.verification import close_unverified
from privacyhub.extensions import db
from privacyhub.mail.smtp import deliver_message, unsent_message_ids
from privacyhub.models import CallbackDelivery, OutboxMessage

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 1800


def backoff(retries: int) -> int:
    """30 s, 1 min, 2 min, ... capped at 30 min, with jitter so receivers are not hit in lockstep."""
    return min(BACKOFF_BASE_SECONDS * 2 ** retries, BACKOFF_CAP_SECONDS) + random.randint(0, 10)  # noqa: S311


@shared_task(bind=True, max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver_callback(self: Task, delivery_id: int) -> bool:
    """POST one status callback; retried with back-off until delivered or abandoned."""
    delivered = deliver_callback_once(delivery_id)
    db.session.commit()
    delivery = db.session.get(CallbackDelivery, delivery_id)
    if not delivered and delivery is not None and delivery.abandoned_at is None:
        raise self.retry(countdown=backoff(self.request.retries))
    return delivered


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_mail(self: Task, message_id: int) -> bool:
    """Hand one outbox message to the SMTP server; retried with back-off."""
    sent = deliver_message(message_id)
    db.session.commit()
    message = db.session.get(OutboxMessage, message_id)
    if not sent and message is not None and message.status == "queued":
        raise self.retry(countdown=backoff(self.request.retries))
    return sent


@shared_task(acks_late=True)
def sweep_subject_requests() -> dict[str, int]:
    """Beat job: close unverified requests, flag overdue ones, remind owners of deadlines."""
    result = {"closed_unverified": close_unverified()}
    db.session.commit()
    result["overdue"] = flag_overdue()
    result["reminded"] = send_deadline_reminders()
    db.session.commit()
    return result


@shared_task(acks_late=True)
def sweep_deliveries() -> dict[str, int]:
    """Beat job: re-send callbacks and mail whose task never ran (lost between commit and broker)."""
    callbacks, mails = unsent_callback_ids(), unsent_message_ids()
    for delivery_id in callbacks:
        send_after_commit("tasks.requests.deliver_callback", delivery_id)
    for message_id in mails:
        send_after_commit("tasks.requests.deliver_mail", message_id)
    db.session.commit()
    return {"callbacks": len(callbacks), "mails": len(mails)}
