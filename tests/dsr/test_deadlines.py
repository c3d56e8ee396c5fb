"""The Art. 12(3) deadline: one calendar month, the month's last day when the date does not exist."""

from datetime import UTC, date, datetime, timedelta

import pytest

from privacyhub.dsr.deadlines import (
    add_calendar_months,
    check_extension,
    deadline_state,
    latest_extended_due_at,
    statutory_due_at,
)
from privacyhub.errors import Conflict, ValidationFailed
from privacyhub.models import SubjectRequest


@pytest.mark.parametrize(("received", "due"), [
    (date(2026, 1, 31), date(2026, 2, 28)),   # no 31 Feb: the month's last day
    (date(2028, 1, 31), date(2028, 2, 29)),   # leap year
    (date(2028, 1, 30), date(2028, 2, 29)),
    (date(2026, 1, 28), date(2026, 2, 28)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 31), date(2027, 1, 31)),  # year end
    (date(2026, 12, 15), date(2027, 1, 15)),
    (date(2026, 2, 28), date(2026, 3, 28)),   # same day, not month end to month end
    (date(2028, 2, 29), date(2028, 3, 29)),
    (date(2026, 5, 15), date(2026, 6, 15)),
])
def test_due_is_same_day_next_month_or_its_last_day(received, due):
    assert add_calendar_months(received, 1) == due
    moment = datetime.combine(received, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15)
    assert statutory_due_at(moment) == datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=UTC)


def test_due_date_is_taken_in_utc():
    # 31 Jan 23:30 in New York is already 1 Feb in UTC: due 1 Mar, not 28 Feb.
    from zoneinfo import ZoneInfo

    local = datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert statutory_due_at(local).date() == date(2026, 3, 1)


def test_extension_reaches_at_most_two_months_past_the_original():
    due = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert latest_extended_due_at(due) == datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)


def _open_request(due: datetime, **fields) -> SubjectRequest:
    return SubjectRequest(id="x" * 36, type="access", status="pending", due_at=due, **fields)


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)


def test_extension_within_two_months_is_granted():
    assert check_extension(_open_request(DUE), date(2026, 5, 31), "complex request", NOW) == \
        datetime(2026, 5, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(("request_fields", "new_due", "reason", "now", "error"), [
    ({}, date(2026, 6, 1), "complex", NOW, ValidationFailed),                 # past two months
    ({}, date(2026, 3, 31), "complex", NOW, ValidationFailed),                # not later
    ({}, date(2026, 4, 30), "  ", NOW, ValidationFailed),                     # no reason
    ({}, date(2026, 4, 30), "complex", DUE + timedelta(seconds=1), Conflict),  # original deadline passed
    ({"extended_due_at": DUE + timedelta(days=10)}, date(2026, 4, 30), "again", NOW, Conflict),  # once only
])
def test_extension_rules(request_fields, new_due, reason, now, error):
    with pytest.raises(error):
        check_extension(_open_request(DUE, **request_fields), new_due, reason, now)


@pytest.mark.parametrize("status", ["completed", "denied", "cancelled"])
def test_closed_requests_cannot_be_extended(status):
    request = _open_request(DUE)
    request.status = status
    with pytest.raises(Conflict):
        check_extension(request, date(2026, 4, 30), "complex", NOW)


def test_deadline_state():
    request = _open_request(DUE)
    assert deadline_state(request, DUE - timedelta(days=20)) == "on_time"
    assert deadline_state(request, DUE - timedelta(days=3)) == "due_soon"
    assert deadline_state(request, DUE + timedelta(seconds=1)) == "overdue"
    request.extended_due_at = DUE + timedelta(days=30)
    assert deadline_state(request, DUE + timedelta(seconds=1)) == "on_time"
    request.status = "completed"
    assert deadline_state(request, DUE + timedelta(days=90)) is None
