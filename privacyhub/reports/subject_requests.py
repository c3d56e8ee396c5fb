"""Request figures for the dashboard: open requests by status, on-time rate, weekly intake by type.

Computed in Python over the rows of the window: request volumes are small next to the
audit log, and this keeps the figures identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from privacyhub.extensions import db
from privacyhub.models import REQUEST_TYPES, SubjectRequest
from privacyhub.models.subject_request import OPEN_STATUSES


def open_by_status() -> list[tuple[str, int]]:
    """(status, count) for every open status, in lifecycle order, zeros included."""
    counts = dict(db.session.execute(
        select(SubjectRequest.status, func.count()).where(SubjectRequest.status.in_(OPEN_STATUSES))
        .group_by(SubjectRequest.status)).all())
    return [(status, counts.get(status, 0)) for status in OPEN_STATUSES]


@dataclass
class OnTimeRate:
    answered: int
    on_time: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None


def on_time_rate(now: datetime, days: int = 90) -> OnTimeRate:
    """Of the requests answered (completed or denied) in the last ``days``, how many by their deadline.

    Requests denied for never being verified are left out: nobody had to answer them.
    """
    rows = db.session.execute(select(SubjectRequest.closed_at, SubjectRequest.due_at, SubjectRequest.extended_due_at)
                              .where(SubjectRequest.status.in_(("completed", "denied")),
                                     SubjectRequest.closed_at >= now - timedelta(days=days),
                                     func.coalesce(SubjectRequest.denial_reason, "") != "identity_not_verified")).all()
    on_time = 0
    for closed, due, extended in rows:
        deadline = extended or due
        # closed_at is never NULL here: the WHERE clause compares it.
        if deadline is None or (closed is not None and closed <= deadline):
            on_time += 1
    return OnTimeRate(answered=len(rows), on_time=on_time)


def week_start(moment: datetime) -> date:
    """The Monday of the ISO week ``moment`` (UTC) falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly_by_type(now: datetime, weeks: int = 12) -> list[tuple[date, dict[str, int]]]:
    """(week's Monday, {type: requests received}) for the last ``weeks`` weeks, oldest first."""
    first = week_start(now) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    received = db.session.execute(select(SubjectRequest.received_at, SubjectRequest.type)
                                  .where(SubjectRequest.received_at >= since)).all()
    counts = Counter((week_start(at), kind) for at, kind in received)
    return [(first + timedelta(weeks=n), {kind: counts.get((first + timedelta(weeks=n), kind), 0)
                                          for kind in REQUEST_TYPES}) for n in range(weeks)]


def request_figures(now: datetime) -> dict[str, object]:
    """Everything the dashboard's request section shows."""
    return {"requests_open": open_by_status(), "requests_on_time": on_time_rate(now),
            "requests_weekly": weekly_by_type(now), "requests_types": REQUEST_TYPES}
