"""Legal deadlines of Art. 12(3) GDPR: one calendar month, extendable once by up to two more.

Periods follow Regulation 1182/71: a period in months ends at the end of the day with the
same date in the last month, or of that month's last day when there is no such date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.models import SubjectRequest

RESPONSE_MONTHS = 1
MAX_EXTENSION_MONTHS = 2
DUE_SOON = timedelta(days=7)


def add_calendar_months(day: date, months: int) -> date:
    """Same day ``months`` later, or that month's last day when the day does not exist."""
    return day + relativedelta(months=months)


def end_of_day(day: date) -> datetime:
    """The last instant (UTC) of ``day``: a deadline on that day may be met until then."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def statutory_due_at(clock_start: datetime) -> datetime:
    """The response deadline for a request whose clock started at ``clock_start``."""
    return end_of_day(add_calendar_months(clock_start.astimezone(UTC).date(), RESPONSE_MONTHS))


def latest_extended_due_at(due_at: datetime) -> datetime:
    """The furthest an extension may move the deadline: two months past the original."""
    return end_of_day(add_calendar_months(due_at.astimezone(UTC).date(), MAX_EXTENSION_MONTHS))


def check_extension(request: SubjectRequest, new_due: date, reason: str, now: datetime) -> datetime:
    """The new deadline if the extension is allowed; otherwise the error that refuses it.

    Only once, only before the original deadline passed (the subject must be told within
    the first month), only with a reason, and at most two months past the original.
    """
    if not request.is_open or request.due_at is None:
        raise Conflict(f"a request in status '{request.status}' has no running deadline to extend")
    if request.extended_due_at is not None:
        raise Conflict("the deadline was already extended; Art. 12(3) allows one extension")
    if now > request.due_at:
        raise Conflict("the original deadline has passed; an extension must be given before it")
    if not reason.strip():
        raise ValidationFailed("an extension needs a reason to tell the data subject")
    new_due_at = end_of_day(new_due)
    if new_due_at <= request.due_at:
        raise ValidationFailed("the new deadline must be later than the current one")
    if new_due_at > latest_extended_due_at(request.due_at):
        latest = latest_extended_due_at(request.due_at).date().isoformat()
        raise ValidationFailed(f"an extension may reach at most two months past the original deadline ({latest})")
    return new_due_at


def deadline_state(request: SubjectRequest, now: datetime) -> str | None:
    """``on_time``, ``due_soon`` or ``overdue`` for open requests with a deadline; else None."""
    due = request.effective_due_at
    if not request.is_open or due is None:
        return None
    if now > due:
        return "overdue"
    return "due_soon" if due - now <= DUE_SOON else "on_time"
