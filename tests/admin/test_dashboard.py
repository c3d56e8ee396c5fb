"""The dashboard: events per hour over seven days as a server-rendered chart, counts by action."""

from __future__ import annotations

import re
from datetime import timedelta

from privacyhub.models.types import utcnow
from privacyhub.reports.audit_volume import floor_hour
from tests.factories import event_payload


def test_dashboard_charts_the_last_seven_days_by_hour(console, client, auth):
    hour = floor_hour(utcnow()) - timedelta(hours=30)
    events = [event_payload(i, action="order.paid", occurred_at=(hour + timedelta(minutes=i)).isoformat())
              for i in range(3)]
    events.append(event_payload(9, action="order.paid", occurred_at=(hour - timedelta(days=8)).isoformat()))
    client.post("/v1/events", json={"events": events}, headers=auth)

    html = console("auditor").get("/admin/").get_data(as_text=True)
    chart = html.split('<svg class="chart" id="events-per-hour"')[1].split("</svg>")[0]
    bars = re.findall(r"<rect class=\"bar\"[^>]*height=\"([\d.]+)\"[^>]*><title>([^<]+)</title>", chart)
    assert len(bars) == 7 * 24
    titles = {title: float(height) for height, title in bars}
    assert titles[f"{hour:%a %d %b %H:00} UTC: 3 events"] > 0
    assert titles[f"{hour - timedelta(hours=1):%a %d %b %H:00} UTC: 0 events"] == 0
    assert len(re.findall(r"<text [^>]*>\w{3} \d\d \w{3}</text>", chart)) in (6, 7)  # a label per day

    table = html.split('id="actions-table"')[1].split("</table>")[0]
    assert re.search(r'action=order.paid">order.paid</a></td>\s*<td class="text-right">3</td>', table)
    assert "operator.login" in table  # the hub's own events are counted too


def test_dashboard_without_events_still_draws_the_axes(console):
    html = console("compliance").get("/admin/").get_data(as_text=True)
    assert 'id="events-per-hour"' in html and html.count('class="bar"') == 7 * 24
