"""Events per hour and per action, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from privacyhub.reports.audit_volume import counts_by_action, events_per_hour
from tests.factories import event_payload

START = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # a DST change in Europe: hours must stay UTC hours


def post_at(client, auth, *offsets_and_actions):
    events = [event_payload(i, action=action, occurred_at=(START + offset).isoformat())
              for i, (offset, action) in enumerate(offsets_and_actions)]
    assert client.post("/v1/events", json={"events": events}, headers=auth).status_code == 201


def test_events_are_counted_in_their_utc_hour_with_empty_hours_as_zero(client, auth, app):
    post_at(client, auth,
            (timedelta(minutes=0), "user.login"),
            (timedelta(minutes=59, seconds=59), "user.login"),
            (timedelta(hours=2, minutes=30), "order.paid"),
            (timedelta(hours=5), "order.paid"),  # the end is exclusive
            (timedelta(minutes=-1), "user.login"))  # before the start
    series = events_per_hour(START, START + timedelta(hours=5))
    assert series == [(START + timedelta(hours=h), n) for h, n in enumerate([2, 0, 1, 0, 0])]


def test_a_start_inside_an_hour_counts_that_whole_hour(client, auth, app):
    post_at(client, auth, (timedelta(minutes=5), "a.b"))
    assert events_per_hour(START + timedelta(minutes=30), START + timedelta(hours=1)) == [(START, 1)]


def test_actions_are_ranked_by_count(client, auth, app):
    post_at(client, auth, *[(timedelta(minutes=m), "order.paid") for m in range(3)],
            (timedelta(minutes=4), "user.login"), (timedelta(minutes=5), "user.logout"),
            (timedelta(days=2), "late.event"))
    assert counts_by_action(START, START + timedelta(days=1)) == [("order.paid", 3), ("user.login", 1),
                                                                  ("user.logout", 1)]
    assert counts_by_action(START, START + timedelta(days=1), limit=1) == [("order.paid", 3)]
