"""How much is being logged: events per hour and per action over a time range.

The counts run over the same filtered SELECT the audit query API uses, so a dashboard
number and an explorer search over the same range always agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select

from privacyhub.audit.query import EventFilter, filtered
from privacyhub.crypto import keyring
from privacyhub.extensions import db

HOUR = timedelta(hours=1)


def _hour_number(column: Any) -> ColumnElement[int]:
    """Whole hours since the Unix epoch of a stored UTC time, on the bound database's dialect."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer) // 3600
    return cast(func.floor(func.extract("epoch", column) / 3600), BigInteger)


def _in_range(since: datetime, until: datetime) -> Any:
    return filtered(EventFilter(since=since, until=until), keyring()).order_by(None).subquery()


def floor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def events_per_hour(since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """(hour start, event count) for every hour from ``since`` up to ``until``, empty hours as 0."""
    start = floor_hour(since)
    events = _in_range(start, until)
    hour = _hour_number(events.c.occurred_at).label("hour")
    counts = {int(h): n for h, n in db.session.execute(select(hour, func.count()).group_by(hour))}
    series, moment = [], start
    while moment < until:
        series.append((moment, counts.get(int(moment.timestamp()) // 3600, 0)))
        moment += HOUR
    return series


def counts_by_action(since: datetime, until: datetime, limit: int = 20) -> list[tuple[str, int]]:
    """The most frequent actions in the range with their counts, most frequent first."""
    events = _in_range(since, until)
    count = func.count().label("n")
    rows = db.session.execute(
        select(events.c.action, count).group_by(events.c.action).order_by(count.desc(), events.c.action).limit(limit)
    )
    return [(action, n) for action, n in rows]
