"""The 72-hour clock: elapsed-time arithmetic across DST, UTC storage, local display."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from privacyhub.errors import ValidationFailed
from privacyhub.extensions import db
from privacyhub.incidents.clock import crossed_marks, incident_clock
from privacyhub.incidents.record import open_incident
from privacyhub.localtime import format_local, parse_local
from privacyhub.models import Incident
from tests.factories import OPERATOR_ACTOR, incident_fields


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PRIVACYHUB_TIMEZONE": "Europe/Berlin"}


def _stored(aware_local: datetime) -> Incident:
    """Open an incident whose awareness is given as Berlin wall-clock time, then read it back."""
    aware_at = parse_local(aware_local)
    fields = incident_fields(aware_at=aware_at, occurred_from=None, occurred_to=None)
    incident = open_incident(fields, OPERATOR_ACTOR, now=aware_at + timedelta(hours=1))
    db.session.commit()
    seq = incident.seq
    db.session.expunge_all()
    return db.session.get(Incident, seq)


@pytest.mark.parametrize(("aware_local", "aware_utc", "deadline_utc", "aware_shown", "deadline_shown"), [
    # Clocks go forward on Sunday 29 March 2026 at 02:00 CET: the deadline is 13:00 local, not 12:00.
    (datetime(2026, 3, 28, 12, 0), datetime(2026, 3, 28, 11, 0, tzinfo=UTC),
     datetime(2026, 3, 31, 11, 0, tzinfo=UTC), "2026-03-28 12:00 CET", "2026-03-31 13:00 CEST"),
    # Clocks go back on Sunday 25 October 2026 at 03:00 CEST: the deadline is 11:00 local, not 12:00.
    (datetime(2026, 10, 24, 12, 0), datetime(2026, 10, 24, 10, 0, tzinfo=UTC),
     datetime(2026, 10, 27, 10, 0, tzinfo=UTC), "2026-10-24 12:00 CEST", "2026-10-27 11:00 CET"),
])
def test_deadline_is_72_hours_of_elapsed_time_across_dst(app, aware_local, aware_utc, deadline_utc, aware_shown,
                                                         deadline_shown):
    incident = _stored(aware_local)
    assert incident.aware_at == aware_utc and incident.aware_at.tzinfo is not None
    assert incident.notification_deadline == deadline_utc
    assert incident.notification_deadline - incident.aware_at == timedelta(hours=72)
    assert format_local(incident.aware_at) == aware_shown
    assert format_local(incident.notification_deadline) == deadline_shown


def test_stored_in_utc_whatever_the_offset_given(app):
    berlin_summer = datetime.fromisoformat("2026-07-01T12:00:00+02:00")
    incident = _stored(berlin_summer)
    assert incident.aware_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert format_local(incident.notification_deadline) == "2026-07-04 12:00 CEST"


def test_skipped_local_time_is_refused_and_repeated_one_takes_the_earlier_instant(app):
    with pytest.raises(ValidationFailed, match="does not exist"):
        parse_local(datetime(2026, 3, 29, 2, 30))
    # 02:30 happens twice on 25 October; the first (CEST) is the earlier instant: the stricter deadline.
    assert parse_local(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_time_left_counts_elapsed_hours_over_the_change(app):
    incident = _stored(datetime(2026, 3, 28, 12, 0))
    # 13:00 CEST on 31 March is the deadline; one local hour "vanished" on 29 March.
    one_hour_before = parse_local(datetime(2026, 3, 31, 12, 0))
    clock = incident_clock(incident, one_hour_before)
    assert clock.time_left == timedelta(hours=1) and clock.label == "1 h 00 min left"
    late = incident_clock(incident, parse_local(datetime(2026, 3, 31, 15, 30)))
    assert late.overdue and late.label == "overdue by 2 h 30 min"


def test_crossed_marks(app):
    incident = _stored(datetime(2026, 5, 4, 9, 0))
    aware = incident.aware_at
    assert crossed_marks(incident_clock(incident, aware + timedelta(hours=23, minutes=59)), [48, 24, 6]) == []
    assert crossed_marks(incident_clock(incident, aware + timedelta(hours=24)), [48, 24, 6]) == [48]
    assert crossed_marks(incident_clock(incident, aware + timedelta(hours=70)), [48, 24, 6]) == [48, 24, 6]
    assert crossed_marks(incident_clock(incident, aware + timedelta(hours=72)), [48, 24, 6]) == [48, 24, 6, 0]
