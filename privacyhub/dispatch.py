"""Sending Celery tasks by name once the transaction that asked for them has committed.

A worker that picks a task up before the commit would not find its rows; one sent from a
transaction that rolls back would act on rows that never existed. Anything lost between
commit and broker (a crash, a broker outage) is picked up again by the periodic sweeps.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from privacyhub.extensions import db

log = logging.getLogger(__name__)
PENDING_KEY = "privacyhub.tasks_after_commit"


def send_after_commit(task_name: str, *args: Any) -> None:
    """Queue ``task_name(*args)`` to be sent when the current session commits."""
    db.session().info.setdefault(PENDING_KEY, []).append((task_name, args))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    if not pending or not has_app_context():
        return
    celery_app = current_app.extensions.get("celery")
    for task_name, args in pending:
        try:
            celery_app.send_task(task_name, args=list(args))  # type: ignore[union-attr]
        except Exception:  # the periodic sweep sends it later
            log.warning("could not send %s; the periodic sweep will retry", task_name, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
