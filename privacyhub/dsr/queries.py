"""Finding requests: by id, by filters with cursor paging, by deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from privacyhub.audit.query import decode_cursor, encode_cursor
from privacyhub.extensions import db
from privacyhub.models import SubjectRequest
from privacyhub.models.subject_request import OPEN_STATUSES

effective_due = func.coalesce(SubjectRequest.extended_due_at, SubjectRequest.due_at)


def get_request(request_id: str) -> SubjectRequest | None:
    """The request with this public id."""
    return db.session.scalar(select(SubjectRequest).where(SubjectRequest.id == request_id))


def filtered_requests(*, status: str | None = None, type: str | None = None, overdue: bool | None = None,
                      due_before: datetime | None = None, now: datetime) -> Select[SubjectRequest]:
    """A SELECT of the requests matching the filters, oldest first."""
    stmt = select(SubjectRequest)
    if status:
        stmt = stmt.where(SubjectRequest.status == status)
    if type:
        stmt = stmt.where(SubjectRequest.type == type)
    if overdue is not None:
        stmt = stmt.where(SubjectRequest.status.in_(OPEN_STATUSES), effective_due.is_not(None))
        stmt = stmt.where(effective_due < now if overdue else effective_due >= now)
    if due_before:
        stmt = stmt.where(effective_due < due_before)
    return stmt.order_by(SubjectRequest.seq)


def page_requests(stmt: Select[SubjectRequest], limit: int,
                  cursor: str | None) -> tuple[list[SubjectRequest], str | None]:
    """One page and the cursor for the next (None at the end)."""
    if cursor:
        stmt = stmt.where(SubjectRequest.seq > decode_cursor(cursor))
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].seq)
    return rows, None
